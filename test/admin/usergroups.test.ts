/**
 * /api/user/usergroups, porting OpenTera's test_UserQueryUserGroups.py (and the role lists of
 * its earlier version's post test), plus the DatabaseEvents every write publishes, on SQLite
 * and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint, userIdOf } from './sites-kit.js';

type Group = Record<string, unknown> & {
  id_user_group: number;
  user_group_name: string;
  user_group_sites_access?: Record<string, unknown>[];
  user_group_projects_access?: Record<string, unknown>[];
};

function checkGroup(g: Group, minimal = false): void {
  assert.ok(Object.keys(g).length > 0);
  assert.ok('id_user_group' in g);
  assert.ok('user_group_name' in g);
  assert.equal('user_group_projects_access' in g, !minimal);
  assert.equal('user_group_sites_access' in g, !minimal);
}

adminSuites('/api/user/usergroups', (suite) => {
  const groups = () => endpoint(suite, '/api/user/usergroups');

  const aliveGroupCount = async () =>
    (
      await suite.server.deps.db.kysely
        .selectFrom('t_users_groups')
        .select('id_user_group')
        .where('deleted_at', 'is', null)
        .execute()
    ).length;

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(groups());
  });

  test('without arguments', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await groups().get('admin');
    assert.equal(r.status, 200);
    assert.equal(r.json<Group[]>().length, await aliveGroupCount());
    r.json<Group[]>().forEach((g) => checkGroup(g));
    r = await groups().get('user3');
    assert.equal(r.status, 200);
    r.json<Group[]>().forEach((g) => checkGroup(g));
    assert.deepEqual(
      r.json<Group[]>().map((g) => g.id_user_group),
      [3, 2, 4, 1],
      'the groups sharing a project with user3, by name',
    );
  });

  test('a specific user group', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await groups().get('admin', { id_user_group: 1 });
    assert.equal(r.json<Group[]>().length, 1);
    checkGroup(r.json<Group[]>()[0]!);
    assert.equal(r.json<Group[]>()[0]!.id_user_group, 1);
    assert.deepEqual(
      r
        .json<Group[]>()[0]!
        .user_group_projects_access!.map((p) => [
          p.id_project,
          p.project_access_role,
          'id_site' in p,
        ]),
      [
        [1, 'user', false],
        [2, 'user', false],
      ],
    );
    assert.deepEqual(r.json<Group[]>()[0]!.user_group_sites_access, [
      {
        id_site: 1,
        site_name: 'Default Site',
        site_2fa_required: false,
        site_access_role: 'user',
        site_access_inherited: true,
      },
    ]);
    r = await groups().get('admin', { id_user_group: 1, list: 1 });
    assert.equal(r.json<Group[]>().length, 1);
    checkGroup(r.json<Group[]>()[0]!, true);
    r = await groups().get('user4', { id_user_group: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.json<Group[]>().length, 0);
    r = await groups().get('user', { id_user_group: 1 });
    assert.equal(r.json<Group[]>().length, 1);
    checkGroup(r.json<Group[]>()[0]!);
    r = await groups().get('user3', { id_user_group: 1, list: 1 });
    assert.equal(r.json<Group[]>().length, 1);
    checkGroup(r.json<Group[]>()[0]!, true);
  });

  test("a user's groups", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await groups().get('admin', { id_user: 1 });
    assert.equal(r.status, 200, 'Super admin = no user groups');
    assert.equal(r.json<Group[]>().length, 0);
    r = await groups().get('admin', { id_user: 3 });
    assert.deepEqual(
      r.json<Group[]>().map((g) => g.id_user_group),
      [1],
    );
    r.json<Group[]>().forEach((g) => checkGroup(g));
    r = await groups().get('user4', { id_user: 3 });
    assert.equal(r.json<Group[]>().length, 0, 'No access to that user');
    r = await groups().get('siteadmin', { id_user: 2 });
    assert.deepEqual(
      r.json<Group[]>().map((g) => g.id_user_group),
      [3],
    );
    r = await groups().get('admin', { id_user: await userIdOf(suite.server, 'user2') });
    assert.deepEqual(
      r.json<Group[]>().map((g) => g.user_group_name),
      ['Admins - Default Site', 'Users - Project 1'],
    );
  });

  test("a site's groups", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    // Groups with an OpenTera role on site 1 or on one of its projects.
    for (const username of ['admin', 'user3']) {
      const r = await groups().get(username, { id_site: 1 });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r
          .json<Group[]>()
          .map((g) => g.id_user_group)
          .sort(),
        [1, 2, 3, 4],
        username,
      );
      r.json<Group[]>().forEach((g) => checkGroup(g));
    }
    const r = await groups().get('user4', { id_site: 1 });
    assert.equal(r.json<Group[]>().length, 0, 'No access');
    const r2 = await groups().get('admin', { id_site: 2 });
    assert.equal(r2.json<Group[]>().length, 0);
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const k = suite.server.deps.db.kysely;
    const events = await dbEvents(suite.server, 'user_group');
    const grants = await dbEvents(suite.server, 'service_access');
    t.after(async () => {
      await events.close();
      await grants.close();
    });
    let r = await groups().post('admin', { id_user_group: 0, user_group_name: 'Testing123' });
    assert.equal(r.status, 400, 'Missing user group');
    const body: { user_group: Record<string, unknown> } = { user_group: {} };
    r = await groups().post('admin', body);
    assert.equal(r.status, 400, 'Missing id_user_group');
    assert.equal(r.json(), 'Missing id_user_group');
    body.user_group.id_user_group = 0;
    r = await groups().post('admin', body);
    assert.equal(r.status, 400, 'Missing user group name');
    body.user_group.user_group_name = 'Testing123';
    r = await groups().post('user4', body);
    assert.equal(r.status, 403, 'Post denied for user');
    r = await groups().post('siteadmin', body);
    assert.equal(r.status, 200, 'Post new');
    const created = r.json<Group[]>()[0]!;
    checkGroup(created, true);
    const id = created.id_user_group;
    assert.deepEqual(await events.next(), {
      type: 'create',
      object: { id_user_group: id, user_group_name: 'Testing123' },
    });

    r = await groups().post('siteadmin', {
      user_group: { id_user_group: id, user_group_name: 'New name' },
    });
    assert.equal(r.status, 200, 'Post update OK');
    checkGroup(r.json<Group[]>()[0]!, true);
    assert.equal(r.json<Group[]>()[0]!.user_group_name, 'New name');
    assert.equal((await events.next()).type, 'update');

    // Roles: a site's and a project's, then removed (the earlier version of OpenTera's test).
    const withRoles = {
      user_group: {
        id_user_group: id,
        user_group_name: 'Test2',
        user_group_sites_access: [{ id_site: 1, site_access_role: 'user' }],
        user_group_projects_access: [{ id_project: 2, project_access_role: 'admin' }],
      },
    };
    r = await groups().post('user3', withRoles);
    assert.equal(r.status, 403, 'a project admin administers no site');
    r = await groups().post('admin', withRoles);
    assert.equal(r.status, 200, 'Post update OK');
    let reply = r.json<Group[]>()[0]!;
    checkGroup(reply);
    assert.equal(reply.user_group_name, 'Test2');
    assert.equal(reply.user_group_sites_access!.length, 1);
    assert.equal(reply.user_group_sites_access![0]!.id_site, 1);
    assert.equal(reply.user_group_sites_access![0]!.site_access_role, 'user');
    assert.equal(reply.user_group_projects_access!.length, 1);
    assert.equal(reply.user_group_projects_access![0]!.id_project, 2);
    assert.equal(reply.user_group_projects_access![0]!.project_access_role, 'admin');
    const granted = [await grants.next(), await grants.next()];
    assert.deepEqual(
      granted.map((g) => [g.type, g.object.id_user_group, g.object.service_role_name]),
      [
        ['create', id, 'user'],
        ['create', id, 'admin'],
      ],
    );
    withRoles.user_group.user_group_sites_access[0]!.site_access_role = '';
    withRoles.user_group.user_group_projects_access[0]!.project_access_role = '';
    r = await groups().post('admin', withRoles);
    assert.equal(r.status, 200, 'Post update removing roles OK');
    reply = r.json<Group[]>()[0]!;
    assert.equal(reply.user_group_sites_access!.length, 0);
    assert.equal(reply.user_group_projects_access!.length, 0);
    assert.deepEqual(
      [(await grants.next()).type, (await grants.next()).type],
      ['delete', 'delete'],
    );
    r = await groups().post('admin', {
      user_group: {
        id_user_group: id,
        user_group_sites_access: [{ id_site: 1, site_access_role: 'boss' }],
      },
    });
    assert.equal(r.status, 400, 'no such role');

    r = await groups().delete('user4', { id });
    assert.equal(r.status, 403, 'Delete denied');

    // A member refuses the delete.
    const { id_user_user_group } = await k
      .insertInto('t_users_users_groups')
      .values({ id_user: await userIdOf(suite.server, 'user3'), id_user_group: id })
      .returning('id_user_user_group')
      .executeTakeFirstOrThrow();
    r = await groups().delete('admin', { id });
    assert.equal(r.status, 500, 'Delete denied - user in that user group');
    await k
      .deleteFrom('t_users_users_groups')
      .where('id_user_user_group', '=', id_user_user_group)
      .execute();
    r = await groups().delete('admin', { id });
    assert.equal(r.status, 200, 'Delete OK');
    // The two updates (rename to Test2, roles removed), then the delete.
    assert.deepEqual(
      [(await events.next()).type, (await events.next()).type, (await events.next()).type],
      ['update', 'update', 'delete'],
    );
    r = await groups().get('admin', { id_user_group: id });
    assert.deepEqual(r.json(), []);
    r = await groups().delete('admin');
    assert.equal(r.status, 400, 'the id is required');
  });
});
