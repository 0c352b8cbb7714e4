/**
 * /api/user/sessiontypes, porting OpenTera's test_UserQuerySessionTypes.py (plus the
 * DatabaseEvents every write publishes), on SQLite and PostgreSQL.
 *
 * OpenTera's test dataset links all five session types to project 1; TeraRelay's links type 5
 * (FileTransfer) to project 2, so project 1 lists 4 types here. Counts are read from the
 * database where OpenTera's test reads them from its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

interface SessionType {
  id_session_type: number;
  id_service: number | null;
  session_type_name: string;
  session_type_category: number;
  [key: string]: unknown;
}

function checkType(t: SessionType, minimal = false): void {
  assert.ok(Object.keys(t).length > 0);
  for (const key of [
    'id_session_type',
    'id_service',
    'session_type_category',
    'session_type_name',
    'session_type_color',
  ])
    assert.ok(key in t, key);
  for (const key of ['session_type_config', 'session_type_online'])
    assert.equal(key in t, !minimal, key);
}

async function count(
  suite: AdminSuite,
  table: 't_sessions_types_projects' | 't_sessions_types_sites',
  column: 'id_project' | 'id_site' | 'id_session_type',
  value: number,
): Promise<number> {
  const rows = await suite.server.deps.db.kysely
    .selectFrom(table)
    .select('id_session_type')
    .where(column, '=', value)
    .execute();
  return rows.length;
}

adminSuites('/api/user/sessiontypes', (suite) => {
  const types = () => endpoint(suite, '/api/user/sessiontypes');
  const list = async (username: string, query: Record<string, string | number | boolean> = {}) => {
    const r = await types().get(username, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<SessionType[]>();
  };

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(types());
  });

  test('every session type as superadmin, full and minimal', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const alive = await suite.server.deps.db.kysely
      .selectFrom('t_sessions_types')
      .select('id_session_type')
      .where('deleted_at', 'is', null)
      .execute();
    const all = await list('admin');
    assert.equal(all.length, alive.length);
    for (const st of all) checkType(st);
    const video = all.find((st) => st.id_session_type === 1)!;
    assert.equal(video.session_type_service_key, 'VideoRehabService');
    assert.equal(typeof video.session_type_service_uuid, 'string');
    const minimal = await list('admin', { list: 1 });
    assert.equal(minimal.length, alive.length);
    for (const st of minimal) checkType(st, true);
  });

  test('one session type, as superadmin and as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [one] = await list('admin', { id_session_type: 1 });
    assert.equal((await list('admin', { id_session_type: 1 })).length, 1);
    checkType(one!);
    assert.deepEqual(await list('user4', { id_session_type: 1 }), []);
    const byUser3 = await list('user3', { id_session_type: 1 });
    assert.equal(byUser3.length, 1);
    checkType(byUser3[0]!);
  });

  test("a project's session types", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await list('admin', { id_project: 3 }), []);
    const target = await count(suite, 't_sessions_types_projects', 'id_project', 1);
    assert.equal(target, 4);
    const ofProject1 = await list('admin', { id_project: 1, list: 1 });
    assert.equal(ofProject1.length, target);
    for (const st of ofProject1) checkType(st, true);
    assert.deepEqual(
      ofProject1.map((st) => st.session_type_name),
      [...ofProject1.map((st) => st.session_type_name)].sort(),
      'by name',
    );
    assert.deepEqual(await list('user4', { id_project: 1 }), []);
    const byUser = await list('user', { id_project: 1, list: 1 });
    assert.equal(byUser.length, target);
    for (const st of byUser) checkType(st, true);
  });

  test("a site's session types", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const secret = await list('admin', { id_site: 2 });
    assert.equal(secret.length, 1);
    checkType(secret[0]!);
    const target = await count(suite, 't_sessions_types_sites', 'id_site', 1);
    assert.equal(target, 5);
    const ofSite1 = await list('admin', { id_site: 1, list: 1 });
    assert.equal(ofSite1.length, target);
    for (const st of ofSite1) checkType(st, true);
    const r = await types().get('user', { id_site: 2 });
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'Forbidden');
    const byUser = await list('user', { id_site: 1 });
    assert.equal(byUser.length, target);
    for (const st of byUser) checkType(st);
    assert.deepEqual(await list('user4'), [], 'no site, no session type');
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'session_type');
    const siteEvents = await dbEvents(suite.server, 'session_type_site');
    const projectEvents = await dbEvents(suite.server, 'session_type_project');
    t.after(async () => {
      await events.close();
      await siteEvents.close();
      await projectEvents.close();
    });
    const fields = {
      id_service: null,
      session_type_category: 1,
      session_type_color: 'red',
      session_type_name: 'Test',
      session_type_online: true,
    };
    let r = await types().post('admin', fields);
    assert.equal(r.status, 400, 'Missing session_type');
    assert.equal(r.json(), 'Missing session_type');
    const st: Record<string, unknown> = {
      session_type_category: 1,
      session_type_color: 'red',
      session_type_name: 'Test',
      session_type_online: true,
    };
    r = await types().post('admin', { session_type: st });
    assert.equal(r.status, 400, 'Missing id_session_type');
    assert.equal(r.json(), 'Missing id_session_type');
    st.id_session_type = 0;
    r = await types().post('admin', { session_type: st });
    assert.equal(r.status, 400, 'Missing id_service');
    assert.equal(r.json(), 'Missing id_service for session type of type service');
    r = await types().post('admin', { session_type: st });
    assert.equal(r.status, 400, 'Post new, bad service project association');
    st.id_service = 3;
    r = await types().post('siteadmin', { session_type: st });
    assert.equal(r.status, 400, 'Missing session_type_sites for siteadmin');
    assert.equal(r.json(), 'Missing site(s) to associate that session type to');
    st.session_type_sites = [{ id_site: 1 }];
    st.session_type_projects = [{ id_project: 1 }, { id_project: 3 }];
    r = await types().post('siteadmin', { session_type: st });
    assert.equal(r.status, 403, 'No access to project!');
    assert.equal(r.json(), 'No project admin access for at a least one project in the list');
    st.session_type_sites = [{ id_site: 2 }];
    st.session_type_projects = [{ id_project: 1 }, { id_project: 2 }];
    r = await types().post('siteadmin', { session_type: st });
    assert.equal(r.status, 403, 'No access to site');
    assert.equal(r.json(), 'No site admin access for at least one site in the list');
    st.session_type_sites = [{ id_site: 1 }];
    r = await types().post('user4', { session_type: st });
    assert.equal(r.status, 403, 'Post denied for user');
    r = await types().post('siteadmin', { session_type: st });
    assert.equal(r.status, 200, r.text);
    const [created] = r.json<SessionType[]>();
    checkType(created!);
    const id = created!.id_session_type;
    assert.equal(created!.session_type_service_key, 'FileTransferService');
    assert.deepEqual(await events.next(), {
      type: 'create',
      object: {
        id_service: 3,
        id_session_type: id,
        session_type_category: 1,
        session_type_color: 'red',
        session_type_name: 'Test',
      },
    });
    assert.equal((await siteEvents.next()).object.id_site, 1);
    const linked = [(await projectEvents.next()).object, (await projectEvents.next()).object];
    assert.deepEqual(linked.map((o) => o.id_project).sort(), [1, 2]);
    assert.equal(await count(suite, 't_sessions_types_projects', 'id_session_type', id), 2);

    const update = {
      id_session_type: id,
      session_type_category: 2,
      session_type_name: 'Test 2',
      session_type_projects: [{ id_project: 1 }],
    };
    r = await types().post('siteadmin', { session_type: update });
    assert.equal(r.status, 200, 'Post update');
    const [updated] = r.json<SessionType[]>();
    checkType(updated!);
    assert.equal(updated!.session_type_name, 'Test 2');
    assert.equal(updated!.session_type_category, 2);
    assert.equal((await events.next()).type, 'update');
    assert.equal((await projectEvents.next()).type, 'delete');
    assert.equal(await count(suite, 't_sessions_types_projects', 'id_session_type', id), 1);
    update.session_type_projects = [{ id_project: 1 }, { id_project: 2 }];
    r = await types().post('siteadmin', { session_type: update });
    assert.equal(r.status, 200, 'Changed projects');
    assert.equal(await count(suite, 't_sessions_types_projects', 'id_session_type', id), 2);
    await events.next();

    r = await types().delete('user4', { id });
    assert.equal(r.status, 403, 'Delete denied');
    assert.equal(r.json(), 'Cannot delete because you are not admin in all projects.');
    const session = await suite.server.deps.db.kysely
      .insertInto('t_sessions')
      .values({
        session_uuid: randomUUID(),
        id_session_type: id,
        session_name: 'Session Test',
        session_start_datetime: new Date().toISOString(),
        session_status: 0,
      })
      .returning('id_session')
      .executeTakeFirstOrThrow();
    r = await types().delete('siteadmin', { id });
    assert.equal(r.status, 500, "Can't delete because session of that type exists");
    assert.equal(
      r.json(),
      "Can't delete session type: please delete all sessions with that type before deleting.",
    );
    await suite.server.deps.db.kysely
      .updateTable('t_sessions')
      .set({ deleted_at: new Date().toISOString() })
      .where('id_session', '=', session.id_session)
      .execute();
    r = await types().delete('siteadmin', { id });
    assert.equal(r.status, 200, 'Delete OK');
    assert.deepEqual(await events.next(), {
      type: 'delete',
      object: { id_session_type: id, id_service: 3 },
    });
    assert.deepEqual(await list('admin', { id_session_type: id }), [], 'soft-deleted');
    assert.equal(await count(suite, 't_sessions_types_projects', 'id_session_type', id), 0);
    assert.equal(await count(suite, 't_sessions_types_sites', 'id_session_type', id), 0);
    r = await types().delete('admin', { id });
    assert.equal(r.status, 400, 'already deleted');
  });

  test('a superadmin creates without sites; bad values are refused', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await types().post('admin', {
      session_type: {
        id_session_type: 0,
        id_service: 0,
        session_type_category: 2,
        session_type_color: '#123456',
        session_type_name: 'No site',
        session_type_online: false,
        session_type_config: '{"a": 1}',
      },
    });
    assert.equal(r.status, 200, r.text);
    const [created] = r.json<SessionType[]>();
    assert.equal(created!.id_service, null, 'id_service 0 means none');
    assert.equal(created!.session_type_config, '{"a": 1}');
    const id = created!.id_session_type;
    assert.equal(await count(suite, 't_sessions_types_sites', 'id_session_type', id), 0);
    r = await types().post('admin', {
      session_type: { id_session_type: id, session_type_color: 'far too long' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Invalid value for session_type_color');
    r = await types().post('admin', { session_type: { id_session_type: id, unknown_field: 1 } });
    assert.equal(r.status, 500);
    assert.equal(r.json(), 'Database error');
    r = await types().post('admin', {
      session_type: { id_session_type: 0, session_type_name: 'Incomplete' },
    });
    assert.equal(r.status, 500, 'required columns missing');
    r = await types().post('siteadmin', { session_type: { id_session_type: id } });
    assert.equal(r.status, 403, 'a type at no site is not administered by a site admin');
    r = await types().delete('siteadmin', { id });
    assert.equal(r.status, 200, 'a type without projects: any project admin may delete it');
    r = await types().delete('admin');
    assert.equal(r.status, 400);
  });

  test("service types and the service's sites", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const k = suite.server.deps.db.kysely;
    const serviceId = async (key: string) =>
      (
        await k
          .selectFrom('t_services')
          .select('id_service')
          .where('service_key', '=', key)
          .executeTakeFirstOrThrow()
      ).id_service;
    const [email, robot] = [
      await serviceId('EmailService'),
      await serviceId('RobotTeleOperationService'),
    ];
    const serviceSite = (service: number, site: number) =>
      k
        .selectFrom('t_services_sites')
        .select('id_service_site')
        .where('id_service', '=', service)
        .where('id_site', '=', site)
        .executeTakeFirst();
    // Start from both services enabled nowhere, then EmailService in project 1 only: siteadmin
    // may use it, but it is not enabled on Default Site.
    for (const table of ['t_services_sites', 't_services_projects'] as const)
      await k.deleteFrom(table).where('id_service', 'in', [email, robot]).execute();
    await k
      .insertInto('t_services_projects')
      .values({ id_service: email, id_project: 1 })
      .execute();
    const base = {
      id_session_type: 0,
      session_type_category: 1,
      session_type_color: '#000000',
      session_type_name: 'Service type',
      session_type_online: true,
    };
    let r = await types().post('siteadmin', {
      session_type: { ...base, id_service: email, session_type_sites: [{ id_site: 1 }] },
    });
    assert.equal(r.status, 403);
    assert.equal(
      r.json(),
      "At least one site isn't associated with the service of that session type",
    );
    r = await types().post('siteadmin', {
      session_type: { ...base, id_service: robot, session_type_sites: [{ id_site: 1 }] },
    });
    assert.equal(r.status, 403, 'a service siteadmin may not use');
    assert.equal(r.json(), 'Forbidden');
    // A superadmin's service type on a site enables the service there, as OpenTera's
    // check_integrity does.
    r = await types().post('admin', {
      session_type: { ...base, id_service: robot, session_type_sites: [{ id_site: 2 }] },
    });
    assert.equal(r.status, 200, r.text);
    const id = r.json<SessionType[]>()[0]!.id_session_type;
    assert.notEqual(await serviceSite(robot, 2), undefined);
    assert.equal((await types().delete('admin', { id })).status, 200);
    for (const table of ['t_services_sites', 't_services_projects'] as const)
      await k.deleteFrom(table).where('id_service', 'in', [email, robot]).execute();
  });
});
