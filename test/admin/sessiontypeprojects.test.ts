/**
 * The session-type–project links (`/api/user/sessiontypes/projects`, and the older
 * `/api/user/sessiontypeprojects`), porting OpenTera's test_UserQuerySessionTypeProject.py (plus
 * the DatabaseEvents every write publishes), on SQLite and PostgreSQL.
 *
 * OpenTera's test dataset links all five session types to project 1; TeraRelay's links type 5
 * (FileTransfer) to project 2: project 1 has 4 links here where OpenTera's test counts 5, and
 * project 2 starts with one link where OpenTera's has none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

interface Link {
  id_session_type_project: number | null;
  id_session_type: number | null;
  id_project: number | null;
  [key: string]: unknown;
}

function checkLink(l: Link, minimal = false): void {
  for (const key of ['id_session_type_project', 'id_session_type', 'id_project'])
    assert.ok(key in l, key);
  for (const key of ['session_type_name', 'project_name']) assert.equal(key in l, !minimal, key);
}

/** A session type at Default Site, inserted as OpenTera's test does. */
async function insertType(suite: AdminSuite, name: string): Promise<number> {
  const k = suite.server.deps.db.kysely;
  const row = await k
    .insertInto('t_sessions_types')
    .values({
      session_type_name: name,
      session_type_online: true,
      session_type_color: 'black',
      session_type_category: 2,
    })
    .returning('id_session_type')
    .executeTakeFirstOrThrow();
  await k
    .insertInto('t_sessions_types_sites')
    .values({ id_session_type: row.id_session_type, id_site: 1 })
    .execute();
  return row.id_session_type;
}

async function dropType(suite: AdminSuite, id: number): Promise<void> {
  const k = suite.server.deps.db.kysely;
  await k.deleteFrom('t_sessions_types_projects').where('id_session_type', '=', id).execute();
  await k.deleteFrom('t_sessions_types_sites').where('id_session_type', '=', id).execute();
  await k
    .updateTable('t_sessions_types')
    .set({ deleted_at: new Date().toISOString() })
    .where('id_session_type', '=', id)
    .execute();
}

async function linkExists(suite: AdminSuite, typeId: number, projectId: number) {
  const row = await suite.server.deps.db.kysely
    .selectFrom('t_sessions_types_projects')
    .select('id_session_type_project')
    .where('id_session_type', '=', typeId)
    .where('id_project', '=', projectId)
    .executeTakeFirst();
  return row !== undefined;
}

adminSuites('/api/user/sessiontypes/projects', (suite) => {
  const links = (path = '/api/user/sessiontypes/projects') => endpoint(suite, path);
  const list = async (username: string, query: Record<string, string | number | boolean>) => {
    const r = await links().get(username, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Link[]>();
  };

  test('refuses requests without valid credentials, at both paths', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(links());
    await assertAuthRequired(links('/api/user/sessiontypeprojects'));
  });

  test('a query without arguments is refused', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const username of ['admin', 'user']) {
      const r = await links().get(username);
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'Missing arguments');
    }
  });

  test("a project's links as superadmin", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await list('admin', { id_project: 10 }), []);
    const ofProject1 = await list('admin', { id_project: 1 });
    assert.equal(ofProject1.length, 4);
    for (const l of ofProject1) {
      checkLink(l);
      assert.equal(l.project_name, 'Default Project #1');
    }
    const withTypes = await list('admin', { id_project: 2, with_session_type: 1 });
    assert.equal(withTypes.length, 5, "the site's five types, one linked");
    for (const l of withTypes) checkLink(l);
    assert.equal(withTypes.filter((l) => l.id_session_type_project !== null).length, 1);
    const minimal = await list('admin', { id_project: 1, list: 1 });
    assert.equal(minimal.length, 4);
    for (const l of minimal) checkLink(l, true);
  });

  test("a session type's links as superadmin", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await list('admin', { id_session_type: 30 }), []);
    const ofType2 = await list('admin', { id_session_type: 2 });
    assert.equal(ofType2.length, 1);
    checkLink(ofType2[0]!);
    const withProjects = await list('admin', { id_session_type: 1, with_projects: 1 });
    assert.equal(withProjects.length, 3);
    for (const l of withProjects) checkLink(l);
    const withSites = await list('admin', { id_session_type: 3, with_projects: 1, with_sites: 1 });
    assert.equal(withSites.length, 3);
    for (const l of withSites) {
      checkLink(l);
      assert.ok('id_site' in l && 'site_name' in l);
    }
  });

  test('links as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await list('user', { id_project: 10 }), []);
    assert.deepEqual(await list('user4', { id_project: 1 }), []);
    const ofProject1 = await list('user', { id_project: 1 });
    assert.equal(ofProject1.length, 4);
    for (const l of ofProject1) checkLink(l);
    assert.equal((await list('user', { id_project: 1, with_session_type: 1 })).length, 5);
    assert.deepEqual(await list('user', { id_session_type: 30 }), []);
    assert.deepEqual(await list('user4', { id_session_type: 4 }), []);
    assert.equal((await list('user', { id_session_type: 2 })).length, 1);
    assert.equal((await list('user', { id_session_type: 1, with_projects: 1 })).length, 2);
    assert.deepEqual(await list('user4', { id_session_type: 2, list: 1 }), []);
    const minimal = await list('user', { id_session_type: 2, list: 1 });
    assert.equal(minimal.length, 1);
    checkLink(minimal[0]!, true);
  });

  test('post a session type with its projects', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'session_type_project');
    t.after(() => events.close());
    let r = await links().post('admin', {});
    assert.equal(r.status, 400, 'Missing everything');
    assert.equal(r.json(), 'Unknown format');
    r = await links().post('admin', { session_type: {} });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing id_session_type');
    r = await links().post('admin', { session_type: { id_session_type: 1 } });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing projects');
    r = await links().post('user', { session_type: { id_session_type: 1, projects: [] } });
    assert.equal(r.status, 403, 'Only project/site admins can change things here');
    r = await links().post('admin', { session_type: { id_session_type: 5, projects: [] } });
    assert.equal(r.status, 200, 'Remove from all projects OK');
    assert.equal((await events.next()).type, 'delete');
    assert.deepEqual(await list('admin', { id_session_type: 5 }), []);
    const all = [{ id_project: 1 }, { id_project: 2 }, { id_project: 3 }];
    r = await links().post('admin', { session_type: { id_session_type: 5, projects: all } });
    assert.equal(r.status, 403, 'One project not part of session type site');
    assert.equal(
      r.json(),
      'At least one session type is not associated to the site of its project',
    );
    r = await links().post('admin', {
      session_type: { id_session_type: 5, projects: all.slice(0, 2) },
    });
    assert.equal(r.status, 200, 'Add all projects OK');
    const added = r.json<Link[]>();
    assert.deepEqual(added.map((l) => l.id_project).sort(), [1, 2]);
    for (const l of added) assert.ok((l.id_session_type_project ?? 0) > 0);
    for (const _ of added) assert.equal((await events.next()).type, 'create');
    assert.equal((await list('admin', { id_session_type: 5 })).length, 2);
    r = await links().post('siteadmin', {
      session_type: { id_session_type: 5, projects: [{ id_project: 1 }] },
    });
    assert.equal(r.status, 200, 'Remove one project');
    assert.ok(await linkExists(suite, 5, 1));
    assert.ok(!(await linkExists(suite, 5, 2)));
    assert.equal((await list('admin', { id_session_type: 5 })).length, 1);
    // Back to the dataset's link (project 2 only).
    r = await links().post('admin', {
      session_type: { id_session_type: 5, projects: [{ id_project: 2 }] },
    });
    assert.equal(r.status, 200);
  });

  test('post a project with its session types', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const type1 = await insertType(suite, 'Test Session Type');
    const type2 = await insertType(suite, 'Test Session Type');
    const k = suite.server.deps.db.kysely;
    await k
      .insertInto('t_sessions_types_projects')
      .values([
        { id_session_type: type1, id_project: 2 },
        { id_session_type: type2, id_project: 2 },
      ])
      .execute();
    let r = await links().post('admin', { project: {} });
    assert.equal(r.status, 400, 'Missing id_project');
    assert.equal(r.json(), 'Missing project ID');
    r = await links().post('admin', { project: { id_project: 2 } });
    assert.equal(r.status, 400, 'Missing session types');
    assert.equal(r.json(), 'Missing session types');
    r = await links().post('user', { project: { id_project: 2, sessiontypes: [] } });
    assert.equal(r.status, 403, 'Only site admins can change things here');
    assert.equal(r.json(), 'Access denied');
    r = await links().post('siteadmin', { project: { id_project: 2, sessiontypes: [] } });
    assert.equal(r.status, 200, 'Remove all session types OK');
    assert.deepEqual(await list('admin', { id_project: 2 }), [], 'Everything was deleted!');
    const both = [{ id_session_type: type1 }, { id_session_type: type2 }];
    r = await links().post('siteadmin', {
      project: { id_project: 2, sessiontypes: [...both, { id_session_type: 10 }] },
    });
    assert.equal(r.status, 403, 'One session type not allowed - not part of the site project!');
    r = await links().post('siteadmin', { project: { id_project: 2, sessiontypes: both } });
    assert.equal(r.status, 200, 'New session type association OK');
    assert.equal((await list('admin', { id_project: 2 })).length, 2);
    r = await links().post('admin', { project: { id_project: 2, sessiontypes: [both[0]] } });
    assert.equal(r.status, 200, 'Remove 1 type');
    assert.ok(await linkExists(suite, type1, 2));
    assert.ok(!(await linkExists(suite, type2, 2)));
    assert.equal((await list('admin', { id_project: 2 })).length, 1);
    r = await links().post('admin', {
      project: { id_project: 2, sessiontypes: [{ id_session_type: 5 }] },
    });
    assert.equal(r.status, 200, 'Back to initial state');
    assert.ok(await linkExists(suite, 5, 2));
    await dropType(suite, type1);
    await dropType(suite, type2);
  });

  test('post a link, then delete it, at the older path', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const old = links('/api/user/sessiontypeprojects');
    const events = await dbEvents(suite.server, 'session_type_project');
    t.after(() => events.close());
    let r = await old.post('admin', { session_type_project: {} });
    assert.equal(r.status, 400, 'Badly formatted request');
    assert.equal(r.json(), 'Badly formatted request');
    r = await old.post('admin', { session_type_project: { id_project: 1 } });
    assert.equal(r.status, 400, 'Badly formatted request');
    r = await old.post('user', { session_type_project: { id_project: 1, id_session_type: 1 } });
    assert.equal(r.status, 403, 'Only site admins can change things here');
    assert.equal(r.json(), 'Forbidden');
    // OpenTera's test uses type 6, which does not exist in its dataset at that point.
    r = await old.post('siteadmin', {
      session_type_project: { id_project: 1, id_session_type: 999 },
    });
    assert.equal(r.status, 403, 'Add new association not OK - type not part of the site');
    r = await old.post('siteadmin', {
      session_type_project: { id_project: 2, id_session_type: 3 },
    });
    assert.equal(r.status, 200, 'Add new association OK');
    const [added] = r.json<Link[]>();
    assert.equal(added!.id_session_type, 3);
    const event = await events.next();
    assert.equal(event.type, 'create');
    assert.equal(event.object.id_session_type_project, added!.id_session_type_project);
    r = await old.post('siteadmin', {
      session_type_project: [{ id_project: 2, id_session_type: 3 }],
    });
    assert.equal(r.status, 200, 'an existing link is answered, not duplicated');
    assert.equal(r.json<Link[]>()[0]!.id_session_type_project, added!.id_session_type_project);

    const ofProject2 = await list('admin', { id_project: 2 });
    const current = ofProject2.find((l) => l.id_session_type === 3)!.id_session_type_project!;
    assert.equal(current, added!.id_session_type_project);
    r = await old.delete('user', { id: current });
    assert.equal(r.status, 403, 'Delete denied');
    assert.equal(r.json(), 'Access denied');

    const k = suite.server.deps.db.kysely;
    const participant = await k
      .insertInto('t_participants')
      .values({
        participant_uuid: randomUUID(),
        participant_name: 'Test Participant',
        id_project: 2,
      })
      .returning('id_participant')
      .executeTakeFirstOrThrow();
    const session = (extra: { id_creator_participant?: number }, name: string) =>
      k
        .insertInto('t_sessions')
        .values({
          session_uuid: randomUUID(),
          id_session_type: 3,
          session_name: name,
          session_start_datetime: new Date().toISOString(),
          session_status: 0,
          ...extra,
        })
        .returning('id_session')
        .executeTakeFirstOrThrow();
    const created = await session(
      { id_creator_participant: participant.id_participant },
      'Session',
    );
    const member = await session({}, 'Session 2');
    await k
      .insertInto('t_sessions_participants')
      .values({ id_session: member.id_session, id_participant: participant.id_participant })
      .execute();
    const softDelete = (id: number) =>
      k
        .updateTable('t_sessions')
        .set({ deleted_at: new Date().toISOString() })
        .where('id_session', '=', id)
        .execute();
    r = await old.delete('siteadmin', { id: current });
    assert.equal(r.status, 500, "Has sessions of that type, can't delete");
    assert.equal(
      r.json(),
      "Can't delete session type from project: please delete all sessions of that type in the " +
        'project before deleting.',
    );
    await softDelete(created.id_session);
    r = await old.delete('siteadmin', { id: current });
    assert.equal(r.status, 500, "Still has sessions of that type, can't delete");
    await softDelete(member.id_session);
    r = await old.delete('siteadmin', { id: current });
    assert.equal(r.status, 200, 'Delete OK');
    assert.deepEqual(await events.next(), {
      type: 'delete',
      object: { id_session_type_project: current },
    });
    assert.deepEqual(
      (await list('admin', { id_project: 2 })).filter((l) => l.id_session_type === 3),
      [],
    );
    r = await old.delete('siteadmin', { id: current });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Not found');
    await k
      .updateTable('t_participants')
      .set({ deleted_at: new Date().toISOString() })
      .where('id_participant', '=', participant.id_participant)
      .execute();
  });

  test('linking a service type to a project enables its service there', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const k = suite.server.deps.db.kysely;
    const rehab = await k
      .selectFrom('t_sessions_types')
      .select('id_service')
      .where('id_session_type', '=', 1)
      .executeTakeFirstOrThrow();
    const enabled = async () =>
      (await k
        .selectFrom('t_services_projects')
        .select('id_service_project')
        .where('id_service', '=', rehab.id_service!)
        .where('id_project', '=', 2)
        .executeTakeFirst()) !== undefined;
    // Start from the service disabled in project 2, whatever the dataset enables there.
    const before = await k
      .deleteFrom('t_services_projects')
      .where('id_service', '=', rehab.id_service!)
      .where('id_project', '=', 2)
      .executeTakeFirst();
    assert.equal(await enabled(), false);
    let r = await links().post('admin', {
      session_type_project: { id_project: 2, id_session_type: 1 },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(await enabled(), true);
    r = await links().delete('admin', { id: r.json<Link[]>()[0]!.id_session_type_project! });
    assert.equal(r.status, 200);
    if (before.numDeletedRows === 0n)
      await k
        .deleteFrom('t_services_projects')
        .where('id_service', '=', rehab.id_service!)
        .where('id_project', '=', 2)
        .execute();
  });
});
