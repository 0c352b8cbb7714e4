/**
 * /api/user/projects, porting OpenTera's test_UserQueryProjects.py (plus the DatabaseEvents
 * every write publishes), on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import type { TestServer } from '../kit/server.js';
import {
  assertAuthRequired,
  dbEvents,
  deleteSessionRow,
  endpoint,
  insertParticipantRow,
  insertParticipantSession,
  insertProjectRow,
  participantAlive,
  userUuidOf,
} from './sites-kit.js';

type Project = Record<string, unknown> & { id_project: number; project_name: string };

function checkProject(p: Project, minimal: boolean): void {
  assert.ok(Object.keys(p).length > 0);
  for (const key of ['id_project', 'id_site', 'project_name']) assert.ok(key in p, key);
  for (const key of ['site_name', 'project_role'])
    assert.equal(key in p, !minimal, `${key} ${minimal ? 'absent' : 'present'}`);
  for (const key of ['project_participant_group_count', 'project_participant_count'])
    assert.equal(key in p, minimal, `${key} ${minimal ? 'present' : 'absent'}`);
}

async function aliveProjectCount(
  server: TestServer,
  where: { id_site?: number; enabled?: boolean } = {},
): Promise<number> {
  let q = server.deps.db.kysely
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select('p.id_project')
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (where.id_site !== undefined) q = q.where('p.id_site', '=', where.id_site);
  if (where.enabled !== undefined) q = q.where('p.project_enabled', '=', where.enabled);
  return (await q.execute()).length;
}

adminSuites('/api/user/projects', (suite) => {
  const projects = () => endpoint(suite, '/api/user/projects');

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(projects());
  });

  test('enabled filters projects', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const server = suite.server;
    const disabled = await insertProjectRow(server, 1, 'Disabled project');
    await server.deps.db.kysely
      .updateTable('t_projects')
      .set({ project_enabled: false })
      .where('id_project', '=', disabled)
      .execute();
    t.after(() =>
      server.deps.db.kysely
        .updateTable('t_projects')
        .set({ deleted_at: new Date().toISOString() })
        .where('id_project', '=', disabled)
        .execute(),
    );
    let r = await projects().get('admin');
    assert.equal(r.status, 200);
    assert.equal(r.json<Project[]>().length, await aliveProjectCount(server));
    r = await projects().get('admin', { enabled: 1 });
    assert.equal(r.json<Project[]>().length, await aliveProjectCount(server, { enabled: true }));
    r = await projects().get('admin', { enabled: 0 });
    assert.equal(r.json<Project[]>().length, await aliveProjectCount(server, { enabled: false }));
    assert.ok(r.json<Project[]>().some((p) => p.id_project === disabled));
  });

  test('a specific project as superadmin: by id, by name, as a list', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await projects().get('admin', { id_project: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.json<Project[]>().length, 1);
    const project = r.json<Project[]>()[0]!;
    checkProject(project, false);
    assert.equal(project.project_role, 'admin');
    assert.equal(project.site_name, 'Default Site');
    r = await projects().get('admin', { name: project.project_name });
    assert.equal(r.json<Project[]>().length, 1);
    assert.equal(r.json<Project[]>()[0]!.id_project, project.id_project);
    r = await projects().get('admin', { id_project: 1, list: 1 });
    assert.equal(r.json<Project[]>().length, 1);
    checkProject(r.json<Project[]>()[0]!, true);
    assert.equal(r.json<Project[]>()[0]!.project_participant_group_count, 1);
    assert.equal(r.json<Project[]>()[0]!.project_participant_count, 3);
  });

  test('a specific project as users with and without access', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await projects().get('user4', { id_project: 1 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), []);
    r = await projects().get('user3', { id_project: 1 });
    assert.equal(r.json<Project[]>().length, 1);
    const project = r.json<Project[]>()[0]!;
    checkProject(project, false);
    assert.equal(project.project_role, 'admin');
    r = await projects().get('user3', { name: project.project_name });
    assert.equal(r.json<Project[]>().length, 1);
    assert.equal(r.json<Project[]>()[0]!.id_project, 1);
    r = await projects().get('user3', { id_project: 1, list: 1 });
    assert.equal(r.json<Project[]>().length, 1);
    checkProject(r.json<Project[]>()[0]!, true);
    r = await projects().get('user', { id: 2 });
    assert.equal(r.json<Project[]>()[0]!.project_role, 'user');
    r = await projects().get('user3', { id_project: 2 });
    assert.deepEqual(r.json(), []);
  });

  test("a site's projects", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await projects().get('user4', { id_site: 1 });
    assert.deepEqual(r.json(), []);
    r = await projects().get('admin', { id_site: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.json<Project[]>().length, await aliveProjectCount(suite.server, { id_site: 1 }));
    r.json<Project[]>().forEach((p) => checkProject(p, false));
  });

  test("a service's projects", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const enabled = await suite.server.deps.db.kysely
      .selectFrom('t_services_projects')
      .select('id_project')
      .where('id_service', '=', 3)
      .execute();
    let r = await projects().get('admin', { id_service: 3 });
    assert.equal(r.status, 200);
    assert.equal(r.json<Project[]>().length, enabled.length);
    r.json<Project[]>().forEach((p) => checkProject(p, false));
    const linkedOnSite = async (idSite: number) =>
      (
        await suite.server.deps.db.kysely
          .selectFrom('t_services_projects as sp')
          .innerJoin('t_projects as p', 'p.id_project', 'sp.id_project')
          .select('p.id_project')
          .where('sp.id_service', '=', 3)
          .where('p.id_site', '=', idSite)
          .orderBy('p.id_project')
          .execute()
      ).map((p) => p.id_project);
    for (const idSite of [1, 2]) {
      r = await projects().get('admin', { id_service: 3, id_site: idSite });
      assert.deepEqual(
        r.json<Project[]>().map((p) => p.id_project),
        await linkedOnSite(idSite),
        `site ${idSite}`,
      );
    }
    r = await projects().get('user3', { id_service: 3 });
    assert.deepEqual(
      r.json<Project[]>().map((p) => p.id_project),
      (await linkedOnSite(1)).filter((id) => id === 1),
      'only the projects the caller reaches (user3 administers project 1 only)',
    );
  });

  test("another user's projects, as many as its project roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await projects().get('admin', { user_uuid: await userUuidOf(suite.server, 'admin') });
    assert.equal(r.json<Project[]>().length, await aliveProjectCount(suite.server));
    r.json<Project[]>().forEach((p) => checkProject(p, false));
    r = await projects().get('admin', { user_uuid: await userUuidOf(suite.server, 'user3') });
    assert.deepEqual(
      r.json<Project[]>().map((p) => [p.id_project, p.project_role]),
      [[1, 'admin']],
    );
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const server = suite.server;
    const k = server.deps.db.kysely;
    const events = await dbEvents(server, 'project');
    const links = await dbEvents(server, 'session_type_project');
    t.after(async () => {
      await events.close();
      await links.close();
    });
    let r = await projects().post('admin', { project_name: 'Testing123' });
    assert.equal(r.status, 400, 'Missing project struct');
    const body: { project: Record<string, unknown> } = { project: { project_name: 'Testing123' } };
    r = await projects().post('admin', body);
    assert.equal(r.status, 400, 'Missing id_project');
    body.project.id_project = 0;
    r = await projects().post('admin', body);
    assert.equal(r.status, 400, 'Missing id_site');
    body.project.id_site = 1;
    r = await projects().post('user4', body);
    assert.equal(r.status, 403, 'No access to site');
    r = await projects().post('user3', body);
    assert.equal(r.status, 403, 'Not site admin');
    r = await projects().post('siteadmin', body);
    assert.equal(r.status, 200, 'Post OK');
    const projectId = r.json<Project[]>()[0]!.id_project;
    const created = await events.next();
    assert.equal(created.type, 'create');
    assert.equal(created.object.id_project, projectId);

    const update = {
      project: { id_project: projectId, id_site: 2, project_name: 'New Project Name' },
    } as { project: Record<string, unknown> };
    r = await projects().post('user3', update);
    assert.equal(r.status, 403, 'No access to site');
    delete update.project.id_site;
    r = await projects().post('admin', update);
    assert.equal(r.status, 200, 'Update completed');
    assert.equal(r.json<Project[]>()[0]!.project_name, 'New Project Name');
    assert.equal((await events.next()).type, 'update');

    r = await projects().post('siteadmin', {
      project: {
        id_project: projectId,
        sessiontypes: [{ id_session_type: 1 }, { id_session_type: 6 }],
      },
    });
    assert.equal(r.status, 403, 'No access to at least one session type');
    const { id_session_type: st } = await k
      .insertInto('t_sessions_types')
      .values({
        session_type_name: 'Test session type',
        session_type_online: false,
        session_type_color: '#000000',
        session_type_category: 2,
      })
      .returning('id_session_type')
      .executeTakeFirstOrThrow();
    const withNew = {
      project: {
        id_project: projectId,
        sessiontypes: [{ id_session_type: 1 }, { id_session_type: st }],
      },
    };
    r = await projects().post('siteadmin', withNew);
    assert.equal(r.status, 403, 'At least one session type not associated to site');
    await k
      .insertInto('t_sessions_types_sites')
      .values({ id_session_type: st, id_site: 1 })
      .execute();
    r = await projects().post('siteadmin', withNew);
    assert.equal(r.status, 200, 'Update OK');
    const linked = await k
      .selectFrom('t_sessions_types_projects')
      .select('id_session_type')
      .where('id_project', '=', projectId)
      .orderBy('id_session_type')
      .execute();
    assert.deepEqual(
      linked.map((l) => l.id_session_type),
      [1, st],
    );
    const linkEvents = [await links.next(), await links.next()];
    assert.deepEqual(linkEvents.map((e) => [e.type, e.object.id_session_type]).sort(), [
      ['create', 1],
      ['create', st],
    ]);
    assert.equal((await events.next()).type, 'update');

    // Delete: refused while a participant of the project is held by a session.
    const part1 = await insertParticipantRow(server, projectId, 'Test Part #1');
    const part2 = await insertParticipantRow(server, projectId, 'Test Part #2');
    const session = await insertParticipantSession(server, part2);
    r = await projects().delete('admin', { id: projectId });
    assert.equal(r.status, 500, "Can't delete, has participants with sessions");
    assert.equal(
      r.json(),
      "Can't delete project: please delete all participants with sessions before deleting.",
    );
    await deleteSessionRow(server, session);
    r = await projects().delete('user4', { id: projectId });
    assert.equal(r.status, 403, "Can't delete, forbidden");
    r = await projects().delete('user3', { id: projectId });
    assert.equal(r.status, 403, 'a project admin is not an admin of its site');
    r = await projects().delete('admin', { id: projectId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.deepEqual(await events.next(), { type: 'delete', object: { id_project: projectId } });

    // All participants were also deleted, and the session type links.
    assert.equal(await participantAlive(server, part1), false);
    assert.equal(await participantAlive(server, part2), false);
    const left = await k
      .selectFrom('t_sessions_types_projects')
      .select('id_session_type')
      .where('id_project', '=', projectId)
      .execute();
    assert.equal(left.length, 0);
    r = await projects().get('admin', { id_project: projectId });
    assert.deepEqual(r.json(), []);
  });

  test('delete needs an id; an unknown project is forbidden', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await projects().delete('admin');
    assert.equal(r.status, 400);
    r = await projects().delete('admin', { id: 9999 });
    assert.equal(r.status, 403);
    r = await projects().post('admin', { project: { id_project: 9999, project_name: 'x' } });
    assert.equal(r.status, 403);
  });
});
