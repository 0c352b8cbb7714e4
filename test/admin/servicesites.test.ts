/**
 * GET /api/user/services/sites, porting the GET assertions of OpenTera's
 * test_UserQueryServiceSites.py on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { endpoint } from './sites-kit.js';

type Link = Record<string, unknown> & {
  id_service_site: number | null;
  id_service: number | null;
  id_site: number | null;
};

function checkJson(l: Link, minimal = false): void {
  for (const f of ['id_service_site', 'id_service', 'id_site']) assert.ok(f in l, f);
  for (const f of ['service_name', 'service_key', 'service_system', 'site_name'])
    assert.equal(f in l, !minimal, f);
}

async function serviceId(suite: AdminSuite, key: string): Promise<number> {
  const row = await suite.server.deps.db.kysely
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', key)
    .executeTakeFirstOrThrow();
  return row.id_service;
}

adminSuites('/api/user/services/sites', (suite) => {
  const links = endpoint(suite, '/api/user/services/sites');
  const get = async (who: string, query: Record<string, string | number | boolean>) => {
    const r = await links.get(who, query);
    assert.equal(r.status, 200, r.text);
    return r.json<Link[]>();
  };
  const siteRowCount = async (id_site: number) =>
    (
      await suite.server.deps.db.kysely
        .selectFrom('t_services_sites')
        .select('id_service_site')
        .where('id_site', '=', id_site)
        .execute()
    ).length;

  test('no auth, bad Basic credentials or a bad token: 401', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const how of ['none', 'basic', 'token'] as const)
      assert.equal((await links.refused('GET', how)).status, 401, how);
  });

  test('no arguments: 400 Missing arguments', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const who of ['admin', 'user']) {
      const r = await links.get(who);
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'Missing arguments');
    }
  });

  test('id_site as admin, with_services, list', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('admin', { id_site: 10 }), []);
    const rows = await get('admin', { id_site: 1 });
    assert.equal(rows.length, await siteRowCount(1));
    rows.forEach((l) => checkJson(l));
    const all = await get('admin', { id_site: 1, with_services: 1 });
    const services = await suite.server.deps.db.kysely
      .selectFrom('t_services')
      .select('id_service')
      .execute();
    assert.equal(all.length, services.length - 1, 'every service but OpenTeraServer');
    all.forEach((l) => checkJson(l));
    const listed = await get('admin', { id_site: 1, list: 1 });
    assert.equal(listed.length, await siteRowCount(1));
    listed.forEach((l) => checkJson(l, true));
  });

  test('id_service as admin, with_sites, with_roles', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rehab = await serviceId(suite, 'VideoRehabService');
    const bureau = await serviceId(suite, 'BureauActif');
    const files = await serviceId(suite, 'FileTransferService');
    assert.deepEqual(await get('admin', { id_service: 300 }), []);
    const one = await get('admin', { id_service: bureau });
    assert.equal(one.length, 1);
    checkJson(one[0]!);
    assert.deepEqual(
      (await get('admin', { id_service: rehab })).map((l) => l.site_name),
      ['Default Site', 'Top Secret Site'],
    );
    const withSites = await get('admin', { id_service: files, with_sites: 1 });
    assert.deepEqual(
      withSites.map((l) => [l.site_name, l.id_service_site === null]),
      [
        ['Default Site', false],
        ['Top Secret Site', true],
      ],
    );
    const withRoles = await get('admin', { id_service: files, with_roles: 1 });
    assert.equal(withRoles.length, 1);
    withRoles.forEach((l) => {
      checkJson(l);
      assert.ok(Array.isArray(l.service_roles));
    });
  });

  test('as users: only what they reach', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rehab = await serviceId(suite, 'VideoRehabService');
    const files = await serviceId(suite, 'FileTransferService');
    assert.deepEqual(await get('user', { id_site: 10 }), []);
    assert.deepEqual(await get('user4', { id_site: 1 }), []);
    const rows = await get('user', { id_site: 1 });
    assert.equal(rows.length, await siteRowCount(1));
    assert.deepEqual(await get('user', { id_site: 2 }), []);
    rows.forEach((l) => checkJson(l));
    const withServices = await get('user', { id_site: 1, with_services: 1 });
    assert.equal(withServices.length, await siteRowCount(1));
    // The site admin reaches every service of its site.
    assert.equal((await get('siteadmin', { id_site: 1 })).length, await siteRowCount(1));
    assert.deepEqual(await get('user', { id_service: 300 }), []);
    assert.deepEqual(await get('user4', { id_service: files }), []);
    assert.equal((await get('user', { id_service: rehab })).length, 1);
    assert.equal((await get('user', { id_service: rehab, with_sites: 1 })).length, 1);
    assert.deepEqual(await get('user4', { id_service: rehab, list: 1 }), []);
    const listed = await get('user', { id_service: rehab, list: 1 });
    assert.equal(listed.length, 1);
    checkJson(listed[0]!, true);
  });
});
