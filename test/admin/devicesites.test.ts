/**
 * /api/user/devicesites: OpenTera's test_UserQueryDeviceSites.py, over HTTPS on SQLite and
 * PostgreSQL, plus the DatabaseEvents of the link changes and the project links a device
 * loses with its site.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Link = Record<string, unknown> & {
  id_device_site: number | null;
  id_device: number;
  id_site: number;
};

function checkJson(l: Record<string, unknown>, minimal = false): void {
  for (const k of ['id_device_site', 'id_device', 'id_site']) assert.ok(k in l, k);
  for (const k of ['device_name', 'device_available', 'site_name'])
    assert.equal(k in l, !minimal, k);
}

adminSuites('/api/user/devicesites', (suite) => {
  const ep = () => endpoint(suite, '/api/user/devicesites');
  const get = async (who: string, query: Record<string, number>) => {
    const r = await ep().get(who, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Link[]>();
  };
  const count = async (where: { id_device?: number; id_site?: number }) => {
    let q = suite.server.deps.db.kysely.selectFrom('t_devices_sites').select('id_device_site');
    if (where.id_device !== undefined) q = q.where('id_device', '=', where.id_device);
    if (where.id_site !== undefined) q = q.where('id_site', '=', where.id_site);
    return (await q.execute()).length;
  };
  /** Puts the Apple Watch back in site 2 and Secret Project #1, as seeded. */
  const restoreWatch = async () => {
    const k = suite.server.deps.db.kysely;
    if ((await count({ id_device: 1, id_site: 2 })) === 0)
      await k.insertInto('t_devices_sites').values({ id_device: 1, id_site: 2 }).execute();
    const p3 = await k
      .selectFrom('t_devices_projects')
      .select('id_device_project')
      .where('id_device', '=', 1)
      .where('id_project', '=', 3)
      .executeTakeFirst();
    if (!p3)
      await k.insertInto('t_devices_projects').values({ id_device: 1, id_project: 3 }).execute();
    await k.deleteFrom('t_devices_sites').where('id_device', '=', 3).execute();
    await k
      .deleteFrom('t_devices_sites')
      .where('id_device', '=', 2)
      .where('id_site', '=', 2)
      .execute();
  };

  test('every method needs a valid login (401); GET needs an argument (400)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
    for (const who of ['admin', 'user']) assert.equal((await ep().get(who)).status, 400);
  });

  test('GET as admin', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('admin', { id_site: 10 }), []);
    const site = await get('admin', { id_site: 1 });
    assert.equal(site.length, 2);
    for (const l of site) checkJson(l);
    const all = await get('admin', { id_site: 1, with_devices: 1 });
    assert.deepEqual(
      all.map((l) => [l.id_device, l.id_device_site === null]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.deepEqual(await get('admin', { id_device: 30 }), []);
    assert.equal((await get('admin', { id_device: 1 })).length, 2);
    assert.equal((await get('admin', { id_device: 1, with_sites: 1 })).length, 2);
    const minimal = await get('admin', { id_site: 1, list: 1 });
    assert.equal(minimal.length, 2);
    for (const l of minimal) checkJson(l, true);
  });

  test('GET as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('user', { id_site: 2 }), []);
    assert.deepEqual(await get('user4', { id_site: 1 }), []);
    const site = await get('user', { id_site: 1 });
    assert.equal(site.length, 2);
    for (const l of site) checkJson(l);
    assert.equal((await get('user', { id_site: 1, with_devices: 1 })).length, 2);
    assert.deepEqual(await get('user', { id_device: 30 }), []);
    assert.deepEqual(await get('user4', { id_device: 1 }), []);
    assert.equal((await get('user', { id_device: 2 })).length, 1);
    assert.equal((await get('user', { id_device: 1, with_sites: 1 })).length, 1);
    assert.deepEqual(await get('user4', { id_device: 1, list: 1 }), []);
    const minimal = await get('user', { id_device: 1, list: 1 });
    assert.equal(minimal.length, 1);
    checkJson(minimal[0]!, true);
  });

  test('POST a device and its sites (OpenTera test_post_device)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    try {
      const e = ep();
      let r = await e.post('admin', {});
      assert.equal(r.status, 400, 'Missing everything');
      r = await e.post('admin', { device: {} });
      assert.equal(r.status, 400, 'Missing id_device');
      r = await e.post('admin', { device: { id_device: 1 } });
      assert.equal(r.status, 400, 'Missing sites');
      r = await e.post('user', { device: { id_device: 1, sites: [] } });
      assert.equal(r.status, 403, 'Only super admins can change things here');
      r = await e.post('siteadmin', { device: { id_device: 1, sites: [] } });
      assert.equal(r.status, 403, 'Nope, not site admin either!');
      r = await e.post('admin', { device: { id_device: 2, sites: [] } });
      assert.equal(r.status, 500, "Can't remove: has participants associated");
      assert.equal(await count({ id_device: 2 }), 1, 'nothing changed');
      r = await e.post('admin', { device: { id_device: 3, sites: [{ id_site: 1 }] } });
      assert.equal(r.status, 200, 'New association');
      assert.equal(await count({ id_device: 3 }), 1);
      r = await e.post('admin', { device: { id_device: 3, sites: [] } });
      assert.equal(r.status, 200, 'Nothing left!');
      assert.equal(await count({ id_device: 3 }), 0);
      r = await e.post('admin', {
        device: { id_device: 3, sites: [{ id_site: 1 }, { id_site: 2 }] },
      });
      assert.equal(r.status, 200, 'Add all sites OK');
      assert.equal(await count({ id_device: 3 }), 2);
      r = await e.post('admin', { device: { id_device: 3, sites: [{ id_site: 2 }] } });
      assert.equal(r.status, 200, 'Remove one site');
      assert.equal(await count({ id_device: 3 }), 1);
      r = await e.post('admin', { device: { id_device: 3, sites: [] } });
      assert.equal(r.status, 200, 'Back to start');
      assert.equal(await count({ id_device: 3 }), 0);
    } finally {
      await restoreWatch();
    }
  });

  test('POST a site and its devices (OpenTera test_post_site); a device leaves the site projects', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    try {
      const e = ep();
      let r = await e.post('admin', { site: {} });
      assert.equal(r.status, 400, 'Missing id_site');
      r = await e.post('admin', { site: { id_site: 1 } });
      assert.equal(r.status, 400, 'Missing devices');
      r = await e.post('user', { site: { id_site: 1, devices: [] } });
      assert.equal(r.status, 403, 'Only super admins can change things here');
      r = await e.post('siteadmin', { site: { id_site: 1, devices: [] } });
      assert.equal(r.status, 403, 'Nope, not site admin either!');
      r = await e.post('admin', { site: { id_site: 1, devices: [] } });
      assert.equal(r.status, 500, "Can't remove: associated to a participant!");
      assert.equal(await count({ id_site: 1 }), 2, 'nothing changed');
      await suite.server.deps.db.kysely
        .insertInto('t_devices_sites')
        .values({ id_device: 3, id_site: 2 })
        .execute();
      r = await e.post('admin', { site: { id_site: 2, devices: [] } });
      assert.equal(r.status, 200, 'Removed OK');
      assert.equal(await count({ id_site: 2 }), 0);
      const projects = await suite.api.request('/api/user/deviceprojects?id_device=1', {
        headers: { authorization: await suite.auth('admin') },
      });
      assert.deepEqual(
        projects.json<Array<{ id_project: number }>>().map((p) => p.id_project),
        [1],
        'the Apple Watch left Secret Project #1 with its site',
      );
      r = await e.post('admin', {
        site: { id_site: 2, devices: [{ id_device: 2 }, { id_device: 3 }] },
      });
      assert.equal(r.status, 200, 'Add all devices OK');
      assert.equal(await count({ id_site: 2 }), 2);
      r = await e.post('admin', { site: { id_site: 2, devices: [{ id_device: 3 }] } });
      assert.equal(r.status, 200, 'Remove 1 device');
      assert.equal(await count({ id_site: 1 }), 2);
      assert.equal(await count({ id_site: 2 }), 1);
      r = await e.post('admin', { site: { id_site: 2, devices: [{ id_device: 1 }] } });
      assert.equal(r.status, 200, 'Back to defaults');
    } finally {
      await restoreWatch();
    }
  });

  test('POST device_site and DELETE (OpenTera test_post_device_site_and_delete), with events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'device_site');
    try {
      const e = ep();
      let r = await e.post('admin', { device_site: {} });
      assert.equal(r.status, 400, 'Badly formatted request');
      r = await e.post('admin', { device_site: { id_site: 2 } });
      assert.equal(r.status, 400, 'Badly formatted request');
      r = await e.post('user', { device_site: { id_site: 2, id_device: 3 } });
      assert.equal(r.status, 403, 'Only super admins can change things here');
      r = await e.post('siteadmin', { device_site: { id_site: 2, id_device: 3 } });
      assert.equal(r.status, 403, 'Nope, not site admin either!');
      r = await e.post('admin', { device_site: { id_site: 2, id_device: 3 } });
      assert.equal(r.status, 200, 'Add new association OK');
      const site2 = await get('admin', { id_site: 2 });
      assert.equal(site2.length, 2);
      const current = site2.find((l) => l.id_device === 3)?.id_device_site;
      assert.ok(current);
      assert.deepEqual(await events.next(), {
        type: 'create',
        object: { id_device_site: current, id_device: 3, id_site: 2 },
      });
      r = await e.delete('user', { id: current });
      assert.equal(r.status, 403, 'Delete denied');
      r = await e.delete('siteadmin', { id: current });
      assert.equal(r.status, 403, 'Delete still denied');
      r = await e.delete('admin', { id: current });
      assert.equal(r.status, 200, 'Delete OK');
      assert.equal((await events.next()).type, 'delete');
      assert.equal((await get('admin', { id_site: 2 })).length, 1, 'Back to initial state!');
      r = await e.delete('admin', { id: current });
      assert.equal(r.status, 400, 'gone');
    } finally {
      await events.close();
      await restoreWatch();
    }
  });
});
