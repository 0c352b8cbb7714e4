/**
 * /api/user/deviceprojects: OpenTera's test_UserQueryDeviceProjects.py, over HTTPS on SQLite
 * and PostgreSQL, plus the DatabaseEvents of the link changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import type { TestServer } from '../kit/server.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Link = Record<string, unknown> & {
  id_device_project: number | null;
  id_device: number;
  id_project: number;
};

function checkJson(l: Record<string, unknown>, minimal = false): void {
  for (const k of ['id_device_project', 'id_device', 'id_project']) assert.ok(k in l, k);
  for (const k of ['device_name', 'device_available', 'project_name'])
    assert.equal(k in l, !minimal, k);
}

async function link(
  server: TestServer,
  table: 't_devices_sites' | 't_devices_projects',
  id_device: number,
  other: number,
) {
  const k = server.deps.db.kysely;
  if (table === 't_devices_sites')
    return (
      await k
        .insertInto('t_devices_sites')
        .values({ id_device, id_site: other })
        .returning('id_device_site as id')
        .executeTakeFirstOrThrow()
    ).id;
  return (
    await k
      .insertInto('t_devices_projects')
      .values({ id_device, id_project: other })
      .returning('id_device_project as id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function linked(server: TestServer, id_device: number, id_project: number): Promise<boolean> {
  const row = await server.deps.db.kysely
    .selectFrom('t_devices_projects')
    .select('id_device_project')
    .where('id_device', '=', id_device)
    .where('id_project', '=', id_project)
    .executeTakeFirst();
  return row !== undefined;
}

adminSuites('/api/user/deviceprojects', (suite) => {
  const ep = () => endpoint(suite, '/api/user/deviceprojects');
  const get = async (who: string, query: Record<string, number>) => {
    const r = await ep().get(who, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Link[]>();
  };
  const unlinkSite = (id_device: number, id_site: number) =>
    suite.server.deps.db.kysely
      .deleteFrom('t_devices_sites')
      .where('id_device', '=', id_device)
      .where('id_site', '=', id_site)
      .execute();
  const unlinkProjects = (id_device: number) =>
    suite.server.deps.db.kysely
      .deleteFrom('t_devices_projects')
      .where('id_device', '=', id_device)
      .execute();

  test('every method needs a valid login (401); GET needs an argument (400)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
    for (const who of ['admin', 'user']) {
      const r = await ep().get(who);
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'Missing arguments');
    }
  });

  test('GET as admin: by project, by device, with_devices, with_projects, with_sites, list', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('admin', { id_project: 10 }), []);
    const p1 = await get('admin', { id_project: 1 });
    assert.equal(p1.length, 2);
    for (const l of p1) checkJson(l);
    assert.equal((await get('admin', { id_project: 1, with_devices: 1 })).length, 2);
    assert.deepEqual(await get('admin', { id_device: 30 }), []);
    const d2 = await get('admin', { id_device: 2 });
    assert.equal(d2.length, 1);
    checkJson(d2[0]!);
    assert.equal(d2[0]!.device_available, false, 'Kit Télé is linked to a participant');
    const d1 = await get('admin', { id_device: 1, with_projects: 1 });
    assert.deepEqual(
      d1.map((l) => [l.id_project, l.id_device_project === null]),
      [
        [1, false],
        [2, true],
        [3, false],
      ],
    );
    const d3 = await get('admin', { id_device: 3, with_projects: 1, with_sites: 1 });
    assert.equal(d3.length, 3);
    for (const l of d3) {
      checkJson(l);
      assert.ok('id_site' in l && 'site_name' in l);
      assert.equal(l.device_available, true);
    }
    const minimal = await get('admin', { id_project: 1, list: 1 });
    assert.equal(minimal.length, 2);
    for (const l of minimal) checkJson(l, true);
  });

  test('GET as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('user', { id_project: 10 }), []);
    assert.deepEqual(await get('user4', { id_project: 1 }), []);
    assert.equal((await get('user', { id_project: 1 })).length, 2);
    assert.equal((await get('user', { id_project: 1, with_devices: 1 })).length, 2);
    assert.deepEqual(await get('user', { id_device: 30 }), []);
    assert.deepEqual(await get('user4', { id_device: 1 }), []);
    assert.equal((await get('user', { id_device: 2 })).length, 1);
    assert.equal((await get('user', { id_device: 1, with_projects: 1 })).length, 2);
    assert.deepEqual(await get('user4', { id_device: 2, list: 1 }), []);
    const minimal = await get('user', { id_device: 2, list: 1 });
    assert.equal(minimal.length, 1);
    checkJson(minimal[0]!, true);
  });

  test('POST a device and its projects (OpenTera test_post_device)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const s = suite.server;
    await link(s, 't_devices_sites', 3, 1);
    await link(s, 't_devices_projects', 3, 1);
    await link(s, 't_devices_projects', 3, 2);
    try {
      const e = ep();
      let r = await e.post('admin', {});
      assert.equal(r.status, 400, 'Missing everything');
      r = await e.post('admin', { device: {} });
      assert.equal(r.status, 400, 'Missing id_device');
      r = await e.post('admin', { device: { id_device: 1 } });
      assert.equal(r.status, 400, 'Missing projects');
      r = await e.post('user', { device: { id_device: 1, projects: [] } });
      assert.equal(r.status, 403, 'Only project/site admins can change things here');
      r = await e.post('admin', { device: { id_device: 2, projects: [] } });
      assert.equal(r.status, 500, "Can't remove from project - associated to participants.");
      assert.ok(await linked(s, 2, 1), 'nothing changed');
      r = await e.post('admin', { device: { id_device: 3, projects: [] } });
      assert.equal(r.status, 200, 'Remove all OK.');
      assert.deepEqual(await get('admin', { id_device: 3 }), []);
      r = await e.post('admin', {
        device: {
          id_device: 3,
          projects: [{ id_project: 1 }, { id_project: 2 }, { id_project: 3 }],
        },
      });
      assert.equal(r.status, 403, 'One project not part of device site');
      r = await e.post('admin', {
        device: { id_device: 3, projects: [{ id_project: 1 }, { id_project: 2 }] },
      });
      assert.equal(r.status, 200, 'Add all projects OK');
      assert.equal((await get('admin', { id_device: 3 })).length, 2);
      r = await e.post('admin', { device: { id_device: 3, projects: [{ id_project: 1 }] } });
      assert.equal(r.status, 200, 'Remove one project');
      assert.equal(await linked(s, 3, 2), false);
      assert.equal(await linked(s, 3, 1), true);
      assert.equal((await get('admin', { id_device: 3 })).length, 1);
    } finally {
      await unlinkProjects(3);
      await unlinkSite(3, 1);
    }
  });

  test('POST a project and its devices (OpenTera test_post_project)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const s = suite.server;
    await link(s, 't_devices_projects', 1, 2);
    await link(s, 't_devices_projects', 2, 2);
    try {
      const e = ep();
      let r = await e.post('admin', { project: {} });
      assert.equal(r.status, 400, 'Missing id_project');
      r = await e.post('admin', { project: { id_project: 1 } });
      assert.equal(r.status, 400, 'Missing devices');
      r = await e.post('user', { project: { id_project: 1, devices: [] } });
      assert.equal(r.status, 403, 'Only site admins can change things here');
      r = await e.post('siteadmin', { project: { id_project: 1, devices: [] } });
      assert.equal(r.status, 500, "Can't remove used devices by participants!");
      r = await e.post('siteadmin', { project: { id_project: 2, devices: [] } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(await get('admin', { id_project: 2 }), []);
      r = await e.post('siteadmin', {
        project: { id_project: 2, devices: [{ id_device: 1 }, { id_device: 2 }, { id_device: 3 }] },
      });
      assert.equal(r.status, 403, 'One device not allowed - not part of the site project!');
      r = await e.post('siteadmin', {
        project: { id_project: 2, devices: [{ id_device: 1 }, { id_device: 2 }] },
      });
      assert.equal(r.status, 200, 'New device association OK');
      assert.equal((await get('admin', { id_project: 2 })).length, 2);
      r = await e.post('admin', { project: { id_project: 2, devices: [{ id_device: 1 }] } });
      assert.equal(r.status, 200, 'Remove 1 device');
      assert.equal(await linked(s, 2, 2), false);
      assert.equal(await linked(s, 1, 2), true);
      assert.equal((await get('admin', { id_project: 2 })).length, 1);
      r = await e.post('admin', { project: { id_project: 2, devices: [] } });
      assert.equal(r.status, 200, 'Back to initial state');
    } finally {
      await suite.server.deps.db.kysely
        .deleteFrom('t_devices_projects')
        .where('id_project', '=', 2)
        .execute();
    }
  });

  test('POST device_project and DELETE (OpenTera test_post_device_project_and_delete), with events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const s = suite.server;
    const events = await dbEvents(s, 'device_project');
    let site: number | undefined;
    try {
      const e = ep();
      let r = await e.post('admin', { device_project: {} });
      assert.equal(r.status, 400, 'Badly formatted request');
      r = await e.post('admin', { device_project: { id_project: 1 } });
      assert.equal(r.status, 400, 'Badly formatted request');
      r = await e.post('user', { device_project: { id_project: 1, id_device: 1 } });
      assert.equal(r.status, 403, 'Only site admins can change things here');
      r = await e.post('siteadmin', { device_project: { id_project: 1, id_device: 3 } });
      assert.equal(r.status, 403, 'Add new association not OK - device not part of the site');
      assert.equal(
        r.json(),
        'At least one device is not part of the allowed device for that project site',
      );
      site = await link(s, 't_devices_sites', 3, 1);
      r = await e.post('siteadmin', { device_project: { id_project: 1, id_device: 3 } });
      assert.equal(r.status, 200, 'Add new association OK now');
      const created = await events.next();
      assert.equal(created.type, 'create');
      let current = (await get('admin', { id_project: 1 })).find((l) => l.id_device === 3);
      assert.ok(current?.id_device_project);
      assert.deepEqual(created.object, {
        id_device_project: current.id_device_project,
        id_device: 3,
        id_project: 1,
      });
      r = await e.delete('admin', { id: current.id_device_project });
      assert.equal(r.status, 200, 'Current association deleted');
      assert.equal((await events.next()).type, 'delete');

      r = await e.post('siteadmin', { device_project: [{ id_project: 1, id_device: 3 }] });
      assert.equal(r.status, 200, 'Add new association OK');
      await events.next();
      const count = async () =>
        (
          await s.deps.db.kysely
            .selectFrom('t_devices_projects')
            .select('id_device_project')
            .where('id_project', '=', 1)
            .execute()
        ).length;
      assert.equal((await get('admin', { id_project: 1 })).length, await count());
      current = (await get('admin', { id_project: 1 })).find((l) => l.id_device === 3);
      assert.ok(current?.id_device_project);
      r = await e.delete('user', { id: current.id_device_project });
      assert.equal(r.status, 403, 'Delete denied');
      r = await e.delete('siteadmin', { id: current.id_device_project });
      assert.equal(r.status, 200, 'Delete OK');
      assert.equal((await get('admin', { id_project: 1 })).length, await count());
      r = await e.delete('admin', { id: current.id_device_project });
      assert.equal(r.status, 400, 'Not found');
      r = await e.post('admin', { device: { id_device: 3, projects: [] } });
      assert.equal(r.status, 200, 'Back to initial state');
    } finally {
      await events.close();
      await unlinkProjects(3);
      if (site !== undefined) await unlinkSite(3, 1);
    }
  });

  test('a device linked to participants of a project does not leave it (DELETE)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [kit] = await get('admin', { id_device: 2 });
    const r = await ep().delete('admin', { id: kit!.id_device_project! });
    assert.equal(r.status, 500);
    assert.ok(await linked(suite.server, 2, 1));
  });
});
