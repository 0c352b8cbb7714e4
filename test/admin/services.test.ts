/**
 * GET /api/user/services, porting the GET assertions of OpenTera's test_UserQueryServices.py
 * on SQLite and PostgreSQL (service ids looked up by key: TeraRelay's defaults number them
 * differently). POST and DELETE are not served here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { endpoint } from './sites-kit.js';

type Service = Record<string, unknown> & { id_service: number; service_key: string };

function checkJson(s: Service, minimal = false): void {
  for (const f of [
    'id_service',
    'service_uuid',
    'service_name',
    'service_key',
    'service_hostname',
    'service_port',
    'service_endpoint',
    'service_clientendpoint',
    'service_enabled',
    'service_editable_config',
  ])
    assert.ok(f in s, `${f} in ${s.service_key}`);
  for (const f of ['service_roles', 'service_projects']) assert.equal(f in s, !minimal, f);
}

async function serviceId(suite: AdminSuite, key: string): Promise<number> {
  const row = await suite.server.deps.db.kysely
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', key)
    .executeTakeFirstOrThrow();
  return row.id_service;
}

adminSuites('/api/user/services', (suite) => {
  const services = endpoint(suite, '/api/user/services');
  const get = async (who: string, query: Record<string, string | number | boolean> = {}) => {
    const r = await services.get(who, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Service[]>();
  };
  const keys = (rows: Service[]) => rows.map((s) => s.service_key).sort();

  test('no auth, bad Basic credentials or a bad token: 401', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const how of ['none', 'basic', 'token'] as const)
      assert.equal((await services.refused('GET', how)).status, 401, how);
  });

  test('no arguments as admin: every service but OpenTeraServer, full', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin');
    const all = await suite.server.deps.db.kysely
      .selectFrom('t_services')
      .select('id_service')
      .execute();
    assert.equal(rows.length, all.length - 1);
    rows.forEach((s) => checkJson(s));
    assert.ok(!keys(rows).includes('OpenTeraServer'));
    const rehab = rows.find((s) => s.service_key === 'VideoRehabService')!;
    assert.deepEqual(
      (rehab.service_roles as Array<{ service_role_name: string }>).map((r) => r.service_role_name),
      ['admin', 'user'],
    );
    assert.equal((rehab.service_projects as unknown[]).length, 2);
  });

  test('as user: the services of its projects; none for a user without access', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const ofProjects = ['BureauActif', 'FileTransferService', 'VideoRehabService'];
    assert.deepEqual(keys(await get('user')), ofProjects);
    assert.deepEqual(await get('user4'), []);
    assert.deepEqual(keys(await get('siteadmin')), ofProjects);
  });

  test('list: minimal fields', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin', { list: 1 });
    assert.ok(rows.length > 0);
    rows.forEach((s) => checkJson(s, true));
    assert.ok(rows.every((s) => !('service_default_config' in s)));
  });

  test('a specific service: id_service, id, uuid; never OpenTeraServer', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(
      await get('admin', { id_service: await serviceId(suite, 'OpenTeraServer') }),
      [],
    );
    const email = await serviceId(suite, 'EmailService');
    const [one] = await get('admin', { id_service: email });
    checkJson(one!);
    assert.equal(one!.id_service, email);
    assert.equal((await get('admin', { id: email }))[0]!.id_service, email);
    const byUuid = await get('admin', { uuid: String(one!.service_uuid) });
    assert.deepEqual(
      byUuid.map((s) => s.id_service),
      [email],
    );
    assert.deepEqual(await get('user', { id_service: email }), []);
  });

  test('id_project and id_site: the services enabled there', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const p1 = await get('admin', { id_project: 1 });
    assert.deepEqual(keys(p1), ['BureauActif', 'FileTransferService', 'VideoRehabService']);
    p1.forEach((s) => checkJson(s));
    const s1 = await get('admin', { id_site: 1 });
    assert.deepEqual(keys(s1), ['BureauActif', 'FileTransferService', 'VideoRehabService']);
    assert.deepEqual(keys(await get('admin', { id_site: 2 })), ['VideoRehabService']);
    assert.deepEqual(await get('user', { id_project: 3 }), []);
  });

  test('key and with_config', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const byKey = await get('admin', { key: 'VideoRehabService' });
    assert.equal(byKey.length, 1);
    checkJson(byKey[0]!);
    assert.equal(byKey[0]!.service_key, 'VideoRehabService');
    const configurable = await get('admin', { with_config: 1, list: 1 });
    assert.ok(configurable.length >= 1);
    configurable.forEach((s) => {
      checkJson(s, true);
      assert.equal(s.service_editable_config, true);
    });
  });
});
