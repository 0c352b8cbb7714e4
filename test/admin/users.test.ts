/**
 * /api/user/users, porting OpenTera's test_UserQueryUsers.py on SQLite and PostgreSQL, plus
 * what TeraRelay adds: the DatabaseEvents of every write, hashed passwords that never come
 * back, and the guards around superadmins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { markOnline } from '../kit/http.js';
import { connect } from '../kit/sockets.js';
import { assertAuthRequired, dbEvents, endpoint, userIdOf, userUuidOf } from './sites-kit.js';

type UserJson = Record<string, unknown> & {
  id_user: number;
  user_uuid: string;
  user_username?: string;
  user_enabled: boolean;
  user_user_groups?: Array<{ id_user_group: number; user_group_name: string }>;
  sites?: Array<{ id_site: number; site_role: string | null }>;
  projects?: Array<{ id_project: number; project_role: string | null }>;
};

const FULL_ONLY = ['user_email', 'user_lastonline', 'user_notes', 'user_profile', 'user_username'];

function checkJson(u: UserJson, minimal = false): void {
  for (const f of ['id_user', 'user_enabled', 'user_firstname', 'user_lastname', 'user_name'])
    assert.ok(f in u, `${f} in ${JSON.stringify(u)}`);
  assert.ok('user_uuid' in u);
  for (const f of FULL_ONLY) assert.equal(f in u, !minimal, `${f} (minimal: ${minimal})`);
  assert.ok(!('user_password' in u) && !('user_2fa_otp_secret' in u), 'no secret');
}

const usernames = (rows: UserJson[]) => rows.map((u) => u.user_username).sort();

async function aliveUserCount(suite: AdminSuite): Promise<number> {
  const rows = await suite.server.deps.db.kysely
    .selectFrom('t_users')
    .select('id_user')
    .where('deleted_at', 'is', null)
    .execute();
  return rows.length;
}

async function groupsOf(suite: AdminSuite, id_user: number): Promise<number[]> {
  const rows = await suite.server.deps.db.kysely
    .selectFrom('t_users_users_groups')
    .select('id_user_group')
    .where('id_user', '=', id_user)
    .orderBy('id_user_group')
    .execute();
  return rows.map((r) => r.id_user_group);
}

adminSuites('/api/user/users', (suite) => {
  const users = endpoint(suite, '/api/user/users');
  const get = async (who: string, query: Record<string, string | number | boolean> = {}) => {
    const r = await users.get(who, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<UserJson[]>();
  };

  test('no auth, bad Basic credentials or a bad token: 401 on every method', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(users);
  });

  test('no arguments: a superadmin sees every user, full', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin');
    assert.equal(rows.length, await aliveUserCount(suite));
    rows.forEach((u) => checkJson(u));
  });

  test('no arguments: a user sees the users of its projects and itself', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('user');
    assert.deepEqual(usernames(rows), ['user', 'user2', 'user3']);
    rows.forEach((u) => checkJson(u));
    assert.deepEqual(usernames(await get('user4')), ['user4']);
  });

  test('list: minimal fields', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin', { list: true });
    assert.ok(rows.length > 0);
    rows.forEach((u) => checkJson(u, true));
  });

  test('a specific user as admin: id_user, id, uuid, list, with_usergroups', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [byId] = await get('admin', { id_user: 4 });
    assert.ok(byId);
    checkJson(byId);
    assert.equal(byId.id_user, 4);
    assert.deepEqual(
      (await get('admin', { id: 4 })).map((u) => u.id_user),
      [4],
    );
    const byUuid = await get('admin', { user_uuid: byId.user_uuid });
    assert.equal(byUuid.length, 1);
    assert.equal(byUuid[0]!.id_user, 4);
    assert.equal((await get('admin', { uuid: byId.user_uuid }))[0]!.id_user, 4);
    const listed = await get('admin', { id_user: 4, list: true });
    assert.equal(listed.length, 1);
    checkJson(listed[0]!, true);
    const withGroups = await get('admin', { id_user: 3, with_usergroups: true });
    assert.equal(withGroups.length, 1);
    checkJson(withGroups[0]!);
    assert.equal(withGroups[0]!.user_user_groups!.length, (await groupsOf(suite, 3)).length);
    const user2 = await get('admin', { id_user: 4, with_usergroups: true });
    assert.deepEqual(user2[0]!.user_user_groups!.map((g) => g.id_user_group).sort(), [3, 4]);
  });

  test('a specific user as user: only the users it reaches', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await get('user', { id_user: 1 }), []);
    const rows = await get('user', { id_user: 4 });
    assert.equal(rows.length, 1);
    checkJson(rows[0]!);
    const byUuid = await get('user', { user_uuid: rows[0]!.user_uuid });
    assert.deepEqual(
      byUuid.map((u) => u.id_user),
      [4],
    );
    assert.deepEqual(await get('user', { user_uuid: await userUuidOf(suite.server, 'admin') }), []);
  });

  test('id_user_group: its members, as admin and as user', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin', { id_user_group: 3 });
    assert.deepEqual(usernames(rows), ['siteadmin', 'user2']);
    rows.forEach((u) => checkJson(u));
    const listed = await get('admin', { id_user_group: 3, list: true });
    assert.equal(listed.length, 2);
    listed.forEach((u) => checkJson(u, true));
    const withGroups = await get('admin', { id_user_group: 3, with_usergroups: true });
    assert.equal(withGroups.length, 2);
    assert.ok(withGroups.every((u) => Array.isArray(u.user_user_groups)));
    assert.deepEqual(await get('user4', { id_user_group: 1 }), []);
    const mine = await get('user', { id_user_group: 1 });
    assert.deepEqual(usernames(mine), ['user']);
  });

  test('id_project: the enabled users with a role on it, site admins included', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('user3', { id_project: 1 });
    assert.deepEqual(usernames(rows), ['siteadmin', 'user', 'user2', 'user3']);
    rows.forEach((u) => checkJson(u));
    assert.deepEqual(await get('user4', { id_project: 1 }), []);
    assert.deepEqual(usernames(await get('admin', { id_project: 1 })), [
      'admin',
      'siteadmin',
      'user',
      'user2',
      'user3',
    ]);
    assert.deepEqual(usernames(await get('admin', { id_project: 3 })), ['admin']);
  });

  test('with_status: user_online and user_busy on every user', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await markOnline(suite.server, 'user', await userUuidOf(suite.server, 'user3'), 'users-test');
    const rows = await get('admin', { with_status: 1 });
    assert.equal(rows.length, await aliveUserCount(suite));
    for (const u of rows) {
      checkJson(u);
      assert.equal(typeof u.user_online, 'boolean');
      assert.equal(typeof u.user_busy, 'boolean');
      assert.equal(u.user_online, u.user_username === 'user3', String(u.user_username));
    }
    const listed = await get('admin', { with_status: 1, list: 1 });
    assert.equal(listed.length, rows.length);
    for (const u of listed) {
      checkJson(u, true);
      assert.ok('user_online' in u && 'user_busy' in u);
    }
    await suite.server.deps.presence.leave(
      'user',
      await userUuidOf(suite.server, 'user3'),
      'users-test',
    );
  });

  test('username: as admin, and as user (only the users it reaches)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const rows = await get('admin', { username: 'user3' });
    assert.equal(rows.length, 1);
    checkJson(rows[0]!);
    assert.equal(rows[0]!.user_username, 'user3');
    const listed = await get('admin', { username: 'user3', list: true });
    assert.equal(listed.length, 1);
    checkJson(listed[0]!, true);
    const withGroups = await get('admin', { username: 'user3', with_usergroups: true });
    assert.equal(withGroups[0]!.user_username, 'user3');
    assert.deepEqual(
      withGroups[0]!.user_user_groups!.map((g) => g.id_user_group),
      [2],
    );
    assert.deepEqual(await get('user', { username: 'user4' }), []);
    assert.deepEqual(usernames(await get('user', { username: 'user2' })), ['user2']);
  });

  test('self: the caller, with its sites and projects and its role on each', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [admin] = await get('admin', { self: true });
    assert.ok(admin);
    checkJson(admin);
    assert.equal(admin.user_username, 'admin');
    assert.deepEqual(admin.sites!.map((s) => [s.id_site, s.site_role]).sort(), [
      [1, 'admin'],
      [2, 'admin'],
    ]);
    assert.equal(admin.projects!.length, 3);
    const [user4] = await get('user4', { self: true });
    assert.equal(user4!.user_username, 'user4');
    assert.deepEqual(user4!.sites, []);
    assert.deepEqual(user4!.projects, []);
    const [user3] = await get('user3', { self: true });
    assert.deepEqual(
      user3!.sites!.map((s) => [s.id_site, s.site_role]),
      [[1, 'user']],
    );
    assert.deepEqual(
      user3!.projects!.map((p) => [p.id_project, p.project_role]),
      [[1, 'admin']],
    );
    const [listed] = await get('user3', { self: true, list: false });
    assert.ok(!('sites' in listed!) && !('projects' in listed!), 'no sites when list is given');
  });

  test('enabled: filters on user_enabled', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.equal((await get('admin', { enabled: false })).length, 0);
    assert.equal((await get('admin', { enabled: true })).length, await aliveUserCount(suite));
  });

  test('bad arguments: flask-restx errors', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await users.get('admin', { id_user: 'x' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      errors: { id_user: "invalid literal for int() with base 10: 'x'" },
      message: 'Input payload validation failed',
    });
    const d = await users.delete('admin');
    assert.equal(d.status, 400);
    assert.deepEqual(Object.keys(d.json<{ errors: object }>().errors), ['id']);
  });

  test('password strength, on create and on update', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const username = `strength-${randomUUID().slice(0, 8)}`;
    const body = (password: string) => ({
      user: {
        id_user: 0,
        user_username: username,
        user_enabled: true,
        user_firstname: 'Test',
        user_lastname: 'Test',
        user_profile: '',
        user_user_groups: [{ id_user_group: 3 }],
        user_password: password,
      },
    });
    const weak: Array<[string, string]> = [
      ['password', 'Password not long enough (10 characters)'],
      ['password12345!', 'Password missing upper case letter'],
      ['PASSWORD12345!', 'Password missing lower case letter'],
      ['Password12345', 'Password missing special character'],
      ['Password!!!!', 'Password missing numeric character'],
    ];
    for (const [password, why] of weak) {
      const r = await users.post('admin', body(password));
      assert.equal(r.status, 400, password);
      assert.ok(r.json<string>().includes(why), `${password}: ${r.text}`);
    }
    const created = await users.post('admin', body('Password12345!'));
    assert.equal(created.status, 200, created.text);
    const [user] = created.json<UserJson[]>();
    checkJson(user!);
    const update = (password: string) => ({
      user: { id_user: user!.id_user, user_password: password },
    });
    for (const [password, why] of weak) {
      const r = await users.post('admin', update(password));
      assert.equal(r.status, 400, password);
      assert.ok(r.json<string>().includes(why), `${password}: ${r.text}`);
    }
    assert.equal((await users.post('admin', update('Password12345!!'))).status, 200);
    const same = await users.post('admin', update('Password12345!!'));
    assert.equal(same.status, 400);
    assert.equal(same.json(), 'New password same as old password');
    // The stored password is a bcrypt hash that logs the user in.
    const row = await suite.server.deps.db.kysely
      .selectFrom('t_users')
      .select('user_password')
      .where('id_user', '=', user!.id_user)
      .executeTakeFirstOrThrow();
    assert.match(row.user_password, /^\$2[aby]\$12\$/);
    assert.ok(await suite.auth(username, 'Password12345!!'));
    assert.equal((await users.delete('admin', { id: user!.id_user })).status, 200);
  });

  test('post and delete: OpenTera scenario, with its DatabaseEvents', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'user');
    const memberships = await dbEvents(suite.server, 'user_user_group');
    t.after(() => Promise.all([events.close(), memberships.close()]));
    const text = async (
      r: Promise<{ status: number; json<T>(): T }>,
      status: number,
      msg: string,
    ) => {
      const res = await r;
      assert.equal(res.status, status, msg);
      return res.json<string>();
    };

    await text(users.post('admin', { id_user: 0 }), 400, 'Missing user');
    const json: { user: Record<string, unknown> } = {
      user: {
        user_username: 'admin',
        user_enabled: true,
        user_firstname: 'Test',
        user_lastname: 'Test',
        user_profile: '',
      },
    };
    assert.equal(await text(users.post('admin', json), 400, 'Missing id_user'), 'Missing id_user');
    json.user.id_user = 0;
    assert.equal(
      await text(users.post('admin', json), 400, 'Missing fields'),
      "Missing required fields: ['user_password']",
    );
    json.user.user_password = '';
    assert.equal(await text(users.post('siteadmin', json), 403, 'Missing usergroups'), 'Forbidden');
    json.user.user_user_groups = [{ id_user_group: 3 }, { id_user_group: 5 }];
    assert.equal(
      await text(users.post('siteadmin', json), 403, 'No access to user groups'),
      'No access for at a least one user group in the list',
    );
    assert.equal(
      await text(users.post('admin', json), 400, 'Invalid password'),
      'Invalid password',
    );
    json.user.user_password = 'testTest11*&';
    assert.equal(
      await text(users.post('admin', json), 409, 'Username unavailable'),
      'Username unavailable.',
    );
    const username = `selftest-${randomUUID().slice(0, 8)}`;
    json.user.user_username = username;
    await text(users.post('user4', json), 403, 'Post denied for user');
    await text(users.post('siteadmin', json), 403, 'No access to usergroup');
    const created = await users.post('admin', json);
    assert.equal(created.status, 200, created.text);
    const [user] = created.json<UserJson[]>();
    checkJson(user!);
    const id = user!.id_user;
    const createdEvent = await events.next();
    assert.equal(createdEvent.type, 'create');
    assert.deepEqual(createdEvent.object, {
      id_user: id,
      user_uuid: user!.user_uuid,
      user_firstname: 'Test',
      user_lastname: 'Test',
      user_enabled: true,
      user_name: 'Test Test',
    });
    assert.deepEqual(await groupsOf(suite, id), [3, 5]);
    assert.deepEqual(
      [
        (await memberships.next()).object.id_user_group,
        (await memberships.next()).object.id_user_group,
      ].sort(),
      [3, 5],
    );

    const update: { user: Record<string, unknown> } = {
      user: { id_user: id, user_user_groups: [{ id_user_group: 3 }, { id_user_group: 1 }] },
    };
    await text(users.post('siteadmin', update), 200, 'Changed user groups');
    assert.deepEqual(await groupsOf(suite, id), [1, 3, 5], 'group 5 (not administered) stays');
    assert.equal((await events.next()).type, 'update');
    const added = await memberships.next();
    assert.deepEqual([added.type, added.object.id_user_group], ['create', 1]);

    update.user.user_user_groups = [{ id_user_group: 3 }];
    await text(users.post('siteadmin', update), 200, 'Changed user groups');
    assert.deepEqual(await groupsOf(suite, id), [3, 5]);
    assert.equal((await events.next()).type, 'update');
    const removed = await memberships.next();
    assert.deepEqual([removed.type, removed.object.id_user_group], ['delete', 1]);

    await text(users.post('user', update), 403, "User can't modify that user");
    update.user.user_username = 'selftest2';
    assert.equal(
      await text(users.post('siteadmin', update), 400, "Can't change user_username"),
      "Username can't be modified",
    );
    delete update.user.user_username;
    update.user.user_enabled = false;
    const disabled = await users.post('siteadmin', update);
    assert.equal(disabled.status, 200, disabled.text);
    const [reply] = disabled.json<UserJson[]>();
    checkJson(reply!);
    assert.equal(reply!.user_enabled, false);
    const disabledEvent = await events.next();
    assert.equal(disabledEvent.type, 'update');
    assert.equal(disabledEvent.object.user_uuid, user!.user_uuid);
    assert.equal(disabledEvent.object.user_enabled, false);

    await text(users.delete('user4', { id }), 403, 'Delete denied');

    // Sessions holding the user prevent its deletion.
    const k = suite.server.deps.db.kysely;
    const session = async (creator: number | null) =>
      (
        await k
          .insertInto('t_sessions')
          .values({
            session_uuid: randomUUID(),
            id_session_type: 1,
            session_name: 'Session',
            session_start_datetime: new Date().toISOString(),
            session_status: 0,
            id_creator_user: creator,
          })
          .returning('id_session')
          .executeTakeFirstOrThrow()
      ).id_session;
    const member = await session(null);
    await k.insertInto('t_sessions_users').values({ id_session: member, id_user: id }).execute();
    const createdBy = await session(id);
    assert.equal(
      await text(users.delete('admin', { id }), 500, "Can't delete, has sessions"),
      "Can't delete user: please remove all sessions that this user is part of before deleting.",
    );
    await k.deleteFrom('t_sessions').where('id_session', '=', member).execute();
    await text(users.delete('admin', { id }), 500, "Can't delete, has created sessions");
    await k.deleteFrom('t_sessions').where('id_session', '=', createdBy).execute();

    assert.equal(await text(users.delete('siteadmin', { id }), 200, 'Deleted groups only'), '');
    assert.deepEqual(await groupsOf(suite, id), [5]);
    const ungrouped = await memberships.next();
    assert.deepEqual([ungrouped.type, ungrouped.object.id_user_group], ['delete', 3]);
    assert.equal((await get('admin', { id_user: id })).length, 1, 'the user is still there');

    await text(users.delete('admin', { id }), 200, 'Deleted user completely');
    assert.deepEqual(await get('admin', { id_user: id }), []);
    const deleted = await events.next();
    assert.deepEqual(deleted, {
      type: 'delete',
      object: { id_user: id, user_uuid: user!.user_uuid },
    });
    assert.equal(await text(users.delete('admin', { id }), 400, 'gone'), 'Invalid id');
    // The username stays taken.
    json.user.user_password = 'testTest11*&';
    assert.equal((await users.post('admin', json)).status, 409);
  });

  test('nobody deletes itself; only superadmins delete superadmins or set user_superadmin', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const adminId = await userIdOf(suite.server, 'admin');
    const siteadminId = await userIdOf(suite.server, 'siteadmin');
    const r = await users.delete('admin', { id: adminId });
    assert.equal(r.status, 403);
    assert.equal(r.json(), "Sorry, you can't delete yourself!");
    assert.equal((await users.delete('siteadmin', { id: adminId })).status, 403);
    const promoted = await users.post('siteadmin', {
      user: { id_user: siteadminId, user_superadmin: true },
    });
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.json<UserJson[]>()[0]!.user_superadmin, false);
  });

  test('disabling or deleting a user closes its websockets (4000)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const created = await users.post('admin', {
      user: {
        id_user: 0,
        user_username: `ws-${randomUUID().slice(0, 8)}`,
        user_enabled: true,
        user_firstname: 'Web',
        user_lastname: 'Socket',
        user_profile: '',
        user_password: 'Socket-Pass-123',
      },
    });
    assert.equal(created.status, 200, created.text);
    const [user] = created.json<UserJson[]>();
    const closes = async (change: () => Promise<{ status: number }>) => {
      const socket = await connect(suite.server, 'user', user!.user_uuid);
      assert.equal((await change()).status, 200);
      assert.deepEqual(await socket.waitClose(), { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' });
    };
    const enabled = (on: boolean) => () =>
      users.post('admin', { user: { id_user: user!.id_user, user_enabled: on } });
    await closes(enabled(false));
    assert.equal((await enabled(true)()).status, 200);
    await closes(() => users.delete('admin', { id: user!.id_user }));
  });

  test('bad bodies: 400 with a clear text', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const cases: Array<[unknown, string]> = [
      [{ user: 'x' }, 'Missing user'],
      [{ user: { id_user: 'x' } }, 'Invalid id_user'],
      [{ user: { id_user: 2, user_enabled: 'yes' } }, 'Invalid value for user_enabled'],
      [{ user: { id_user: 2, user_favourite: 1 } }, 'Unknown fields: user_favourite'],
      [{ user: { id_user: 2, user_user_groups: [3] } }, 'Invalid user_user_groups'],
    ];
    for (const [body, message] of cases) {
      const r = await users.post('admin', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json(), message);
    }
    assert.equal((await users.post('admin', { user: { id_user: 9999 } })).status, 400);
  });
});
