/**
 * GET /api/user/services/projects, porting the GET assertions of OpenTera's
 * test_UserQueryServiceProjects.py on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { endpoint } from './sites-kit.js';

type Link = Record<string, unknown> & {
  id_service_project: number | null;
  id_service: number | null;
  id_project: number | null;
};

function checkJson(l: Link, minimal = false): void {
  for (const f of ['id_service_project', 'id_service', 'id_project']) assert.ok(f in l, f);
  for (const f of ['service_name', 'service_key', 'service_system', 'project_name'])
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

adminSuites('/api/user/services/projects', (suite) => {
  const links = endpoint(suite, '/api/user/services/projects');
  const get = async (who: string, query: Record<string, string | number | boolean>) => {
    const r = await links.get(who, query);
    assert.equal(r.status, 200, r.text);
    return r.json<Link[]>();
  };

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

  test('id_project as admin, with_services, list', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('admin', { id_project: 10 }), []);
    const rows = await get('admin', { id_project: 1 });
    assert.deepEqual(
      rows.map((l) => l.service_key),
      ['BureauActif', 'FileTransferService', 'VideoRehabService'],
    );
    rows.forEach((l) => checkJson(l));
    assert.equal((await get('admin', { id_project: 1, with_services: 1 })).length, 3);
    // Project 2 has one service of the three of its site: the other two come unlinked.
    const all = await get('admin', { id_project: 2, with_services: 1 });
    assert.deepEqual(
      all.map((l) => [l.service_key, l.id_service_project === null, l.id_project]),
      [
        ['BureauActif', true, null],
        ['FileTransferService', true, null],
        ['VideoRehabService', false, 2],
      ],
    );
    all.forEach((l) => checkJson(l));
    const listed = await get('admin', { id_project: 1, list: 1 });
    assert.equal(listed.length, 3);
    listed.forEach((l) => checkJson(l, true));
  });

  test('id_service as admin, with_projects, with_sites, with_roles', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const bureau = await serviceId(suite, 'BureauActif');
    const files = await serviceId(suite, 'FileTransferService');
    assert.deepEqual(await get('admin', { id_service: 300 }), []);
    const one = await get('admin', { id_service: bureau });
    assert.equal(one.length, 1);
    checkJson(one[0]!);
    const withProjects = await get('admin', { id_service: files, with_projects: 1 });
    assert.deepEqual(
      withProjects.map((l) => [l.project_name, l.id_service]),
      [
        ['Default Project #1', files],
        ['Default Project #2', null],
        ['Secret Project #1', null],
      ],
    );
    withProjects.forEach((l) => checkJson(l));
    const withSites = await get('admin', { id_service: files, with_projects: 1, with_sites: 1 });
    assert.equal(withSites.length, 3);
    withSites.forEach((l) => assert.ok('id_site' in l && 'site_name' in l));
    const withRoles = await get('admin', { id_service: bureau, with_roles: 1 });
    assert.equal(withRoles.length, 1);
    assert.deepEqual(
      (withRoles[0]!.service_roles as Array<{ service_role_name: string }>).map(
        (r) => r.service_role_name,
      ),
      ['admin', 'user'],
    );
  });

  test('as users: only what they reach', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rehab = await serviceId(suite, 'VideoRehabService');
    const files = await serviceId(suite, 'FileTransferService');
    assert.deepEqual(await get('user', { id_project: 10 }), []);
    assert.deepEqual(await get('user4', { id_project: 1 }), []);
    const rows = await get('user', { id_project: 1 });
    assert.equal(rows.length, 3);
    rows.forEach((l) => checkJson(l));
    assert.equal((await get('user', { id_project: 1, with_services: 1 })).length, 3);
    assert.deepEqual(await get('user', { id_service: 300 }), []);
    assert.deepEqual(await get('user4', { id_service: files }), []);
    assert.equal((await get('user', { id_service: files })).length, 1);
    const withProjects = await get('user', { id_service: files, with_projects: 1 });
    assert.deepEqual(
      withProjects.map((l) => [l.project_name, l.id_service_project === null]),
      [
        ['Default Project #1', false],
        ['Default Project #2', true],
      ],
    );
    assert.deepEqual(await get('user4', { id_service: files, list: 1 }), []);
    const listed = await get('user', { id_service: files, list: 1 });
    assert.equal(listed.length, 1);
    checkJson(listed[0]!, true);
    // Rehab is in projects 1 and 2; user3 reaches only project 1.
    assert.equal((await get('user', { id_service: rehab })).length, 2);
    assert.deepEqual(
      (await get('user3', { id_service: rehab })).map((l) => l.id_project),
      [1],
    );
  });
});
