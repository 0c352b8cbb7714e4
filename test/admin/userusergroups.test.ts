/**
 * /api/user/users/usergroups, porting OpenTera's test_UserQueryUserUserGroups.py (plus the
 * DatabaseEvents every write publishes), on SQLite and PostgreSQL. OpenTera's ids: users admin 1,
 * siteadmin 2, user 3, user2 4, user3 5, user4 6; groups 1–5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint, userUuidOf } from './sites-kit.js';

type Membership = Record<string, unknown> & {
  id_user_user_group: number | null;
  id_user: number | null;
  id_user_group: number | null;
};

function checkMembership(m: Membership, minimal = false): void {
  assert.ok(Object.keys(m).length > 0);
  for (const key of ['id_user_group', 'id_user', 'id_user_user_group']) assert.ok(key in m, key);
  assert.equal('user_fullname' in m, !minimal);
  assert.equal('user_group_name' in m, !minimal);
}

adminSuites('/api/user/users/usergroups', (suite) => {
  const memberships = () => endpoint(suite, '/api/user/users/usergroups');

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(memberships());
  });

  test('an id is required', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await memberships().get('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'At least one id must be specified');
  });

  test("a group's members", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await memberships().get('admin', { id_user_group: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.json<Membership[]>().length, 1);
    for (const m of r.json<Membership[]>()) {
      checkMembership(m);
      assert.equal(m.id_user_group, 1);
      assert.equal(m.user_fullname, 'Site User');
      assert.equal(m.user_group_name, 'Users - Projects 1 & 2');
    }
    r = await memberships().get('admin', { id_user_group: 1, with_empty: true });
    assert.equal(r.json<Membership[]>().length, 5);
    for (const m of r.json<Membership[]>()) {
      checkMembership(m);
      if (m.id_user_group !== 1) {
        assert.equal(m.id_user_group, null);
        assert.notEqual(m.id_user, null);
        assert.notEqual(m.user_fullname, null);
      }
    }
    r = await memberships().get('user', { id_user_group: 4 });
    assert.equal(r.json<Membership[]>().length, 1);
    checkMembership(r.json<Membership[]>()[0]!);
    assert.equal(r.json<Membership[]>()[0]!.id_user_group, 4);
    r = await memberships().get('user', { id_user_group: 4, list: 1 });
    assert.equal(r.json<Membership[]>().length, 1);
    checkMembership(r.json<Membership[]>()[0]!, true);
    r = await memberships().get('admin', { id_user_group: 4, list: 1, with_empty: true });
    assert.equal(r.json<Membership[]>().length, 5);
    for (const m of r.json<Membership[]>()) {
      checkMembership(m, true);
      if (m.id_user_group !== 4) {
        assert.equal(m.id_user_group, null);
        assert.notEqual(m.id_user, null);
      }
    }
  });

  test("a user's groups", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await memberships().get('admin', { id_user: 4 });
    assert.equal(r.json<Membership[]>().length, 2);
    for (const m of r.json<Membership[]>()) {
      checkMembership(m);
      assert.equal(m.id_user, 4);
    }
    r = await memberships().get('admin', { id_user: 4, with_empty: true });
    assert.equal(r.json<Membership[]>().length, 5);
    for (const m of r.json<Membership[]>()) {
      checkMembership(m);
      if (m.id_user !== 4) {
        assert.equal(m.id_user, null);
        assert.notEqual(m.id_user_group, null);
        assert.equal(m.user_fullname, null);
        assert.notEqual(m.user_group_name, null);
      }
    }
    r = await memberships().get('admin', { id_user: 4, list: 1 });
    assert.equal(r.json<Membership[]>().length, 2);
    r.json<Membership[]>().forEach((m) => checkMembership(m, true));
    r = await memberships().get('admin', { id_user: 4, list: 1, with_empty: true });
    assert.equal(r.json<Membership[]>().length, 5);
    r.json<Membership[]>().forEach((m) => checkMembership(m, true));
    r = await memberships().get('user', { id_user: 1 });
    assert.equal(r.json<Membership[]>().length, 0);
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'user_user_group');
    t.after(() => events.close());
    const body: { user_user_group: Record<string, unknown> } = { user_user_group: {} };
    let r = await memberships().post('admin', body);
    assert.equal(r.status, 400, 'Missing id_user');
    body.user_user_group.id_user = 1;
    r = await memberships().post('admin', body);
    assert.equal(r.status, 400, 'Missing id_user_group');
    body.user_user_group.id_user_group = 2;
    r = await memberships().post('admin', body);
    assert.equal(r.status, 400, 'No groups to super admins!');
    assert.equal(r.json(), "Super admins can't be associated to an user group");
    body.user_user_group.id_user = 2;
    r = await memberships().post('user4', body);
    assert.equal(r.status, 403, 'Post denied for user');
    r = await memberships().post('admin', body);
    assert.equal(r.status, 200, 'Post new');
    const created = r.json<Membership[]>()[0]!;
    checkMembership(created, true);
    const id = created.id_user_user_group;
    assert.deepEqual(await events.next(), {
      type: 'create',
      object: {
        id_user_user_group: id,
        id_user: 2,
        id_user_group: 2,
        user_uuid: await userUuidOf(suite.server, 'siteadmin'),
      },
    });

    r = await memberships().post('admin', { user_user_group: { id_user: 2, id_user_group: 2 } });
    assert.equal(r.status, 200, 'Post update OK');
    checkMembership(r.json<Membership[]>()[0]!, true);
    assert.equal(r.json<Membership[]>()[0]!.id_user_user_group, id);

    r = await memberships().delete('user4', { id: id! });
    assert.equal(r.status, 403, 'Delete denied');
    r = await memberships().delete('admin', { id: id! });
    assert.equal(r.status, 200, 'Delete OK');
    const deleted = await events.next();
    assert.equal(deleted.type, 'delete');
    assert.equal(deleted.object.id_user_user_group, id);
    r = await memberships().delete('admin', { id: id! });
    assert.equal(r.status, 400, 'already deleted');
  });

  test('OpenTera path and its alias answer the same', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const a = await memberships().get('admin', { id_user: 4 });
    const b = await endpoint(suite, '/api/user/userusergroups').get('admin', { id_user: 4 });
    assert.deepEqual(b.json(), a.json());
  });
});
