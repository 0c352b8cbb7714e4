/**
 * /api/user/siteaccess, porting OpenTera's test_UserQuerySiteAccess.py (plus the DatabaseEvents
 * every write publishes), on SQLite and PostgreSQL. OpenTera's ids: users admin 1, siteadmin 2,
 * user 3, user2 4, user3 5, user4 6; groups 1 "Users - Projects 1 & 2", 2 "Admins - Project 1",
 * 3 "Admins - Default Site", 4 "Users - Project 1", 5 "No access!".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Item = Record<string, unknown>;

const checkItem = (item: Item) => {
  assert.ok(Object.keys(item).length > 0);
  assert.ok('site_access_role' in item);
};

adminSuites('/api/user/siteaccess', (suite) => {
  const access = () => endpoint(suite, '/api/user/siteaccess');
  const get = async (query: Record<string, number | boolean>) => {
    const r = await access().get('admin', query);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const items = r.json<Item[]>();
    items.forEach(checkItem);
    return items;
  };

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(access());
  });

  test('arguments are required', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await access().get('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing arguments');
  });

  test("a user's site roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_user: 2 });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.site_access_role, 'admin');
    items = await get({ id_user: 2, admins: true });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.site_access_role, 'admin');
    items = await get({ id_user: 3, admins: true });
    assert.equal(items.length, 0);
    items = await get({ id_user: 3 });
    assert.deepEqual(
      items.map((i) => [i.id_site, i.site_access_role, i.site_access_inherited]),
      [[1, 'user', true]],
    );
  });

  test("a user group's site roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_user_group: 1 });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.id_site, 1);
    assert.equal(items[0]!.site_access_role, 'user');
    assert.equal(items[0]!.site_access_inherited, true);
    items = await get({ id_user_group: 1, admins: true });
    assert.equal(items.length, 0);
    items = await get({ id_user_group: 2, by_users: true });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.site_access_role, 'user');
    assert.equal(items[0]!.site_access_inherited, true);
    items = await get({ id_user_group: 3, by_users: true, with_empty: true });
    assert.equal(items.length, 4);
    for (const item of items) {
      if (item.id_site === 1) {
        assert.equal(item.site_access_role, 'admin');
        assert.equal(item.site_access_inherited, false);
      } else assert.equal(item.site_access_role, null);
    }
    items = await get({ id_user_group: 2, by_users: true, with_empty: true, admins: true });
    assert.equal(items.length, 2);
    for (const item of items) assert.equal(item.site_access_role, null);
    items = await get({ id_user_group: 3, with_empty: true, admins: true });
    assert.equal(items.length, 2);
    for (const item of items)
      assert.equal(item.site_access_role, item.id_site === 1 ? 'admin' : null);
  });

  test("a site's user groups and users", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_site: 1 });
    assert.equal(items.length, 4);
    for (const item of items) {
      assert.ok('id_user_group' in item);
      if ('site_access_inherited' in item) {
        assert.equal(item.site_access_role, 'user');
        assert.equal(item.site_access_inherited, true);
      }
    }
    items = await get({ id_site: 1, admins: true });
    assert.equal(items.length, 1);
    assert.ok('id_user_group' in items[0]!);
    assert.equal(items[0]!.site_access_role, 'admin');
    items = await get({ id_site: 1, by_users: true });
    assert.ok(items.length <= 4);
    for (const item of items) assert.ok('id_user' in item);
    items = await get({ id_site: 1, by_users: true, admins: true });
    assert.equal(items.length, 2);
    for (const item of items) {
      for (const key of ['id_user', 'user_name', 'user_enabled']) assert.ok(key in item, key);
      assert.equal(item.site_access_role, 'admin');
    }
    items = await get({ id_site: 2, by_users: true, with_empty: true, with_usergroups: true });
    assert.ok(items.length <= 4 && items.length > 0);
    for (const item of items) {
      assert.ok('id_user' in item);
      assert.equal(item.site_access_role, null);
      assert.equal(item.site_access_inherited, null);
      assert.ok('user_groups' in item);
    }
    items = await get({
      id_site: 2,
      by_users: true,
      with_empty: true,
      with_usergroups: true,
      admins: true,
    });
    assert.ok(items.length >= 4);
    for (const item of items) {
      assert.ok('id_user' in item);
      assert.equal(item.site_access_role, null);
      assert.ok('user_groups' in item);
    }
  });

  test('non-admins see only what they reach', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await access().get('user4', { id_user: 2 });
    assert.deepEqual(r.json(), []);
    r = await access().get('user4', { id_user_group: 3 });
    assert.deepEqual(r.json(), []);
    r = await access().get('user4', { id_site: 1 });
    assert.deepEqual(r.json(), []);
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'service_access');
    t.after(() => events.close());
    const body: { site_access: Record<string, unknown> } = {
      site_access: { site_access_role: 'admin' },
    };
    let r = await access().post('user', body);
    assert.equal(r.status, 400, 'Missing id_usergroup');
    body.site_access.id_user_group = 2;
    r = await access().post('user', body);
    assert.equal(r.status, 400, 'Missing id_site');
    body.site_access.id_site = 1;
    r = await access().post('user4', body);
    assert.equal(r.status, 403, 'Post denied for user');
    r = await access().post('admin', body);
    assert.equal(r.status, 200, 'Post new');
    assert.ok(r.json<Item[]>().length > 0);
    checkItem(r.json<Item[]>()[0]!);
    assert.equal(r.json<Item[]>()[0]!.site_access_role, 'admin');
    const first = await events.next();
    assert.equal(first.type, 'create');
    assert.equal(first.object.id_site, 1);
    assert.equal(first.object.id_user_group, 2);

    // A user role on a site where the group has a project role is inherited: the grant goes.
    r = await access().post('admin', {
      site_access: { site_access_role: 'user', id_user_group: 2, id_site: 1 },
    });
    assert.equal(r.status, 200, 'Post update');
    assert.equal(r.json<Item[]>().length, 0);
    assert.equal((await events.next()).type, 'delete');

    r = await access().post('admin', {
      site_access: { site_access_role: 'admin', id_user_group: 5, id_site: 1 },
    });
    assert.equal(r.status, 200, 'Post new, take 2');
    const granted = r.json<Item[]>()[0]!;
    checkItem(granted);
    const currentId = granted.id_site_access as number;
    assert.equal(granted.id_service_access, currentId);
    assert.equal(granted.site_access_role, 'admin');
    assert.equal(granted.user_group_name, 'No access!');
    assert.equal((await events.next()).type, 'create');
    r = await access().post('admin', {
      site_access: { site_access_role: 'user', id_user_group: 5, id_site: 1 },
    });
    assert.equal(r.status, 200, 'Post update, take 2');
    assert.equal(r.json<Item[]>()[0]!.id_site_access, currentId);
    assert.equal(r.json<Item[]>()[0]!.site_access_role, 'user');
    assert.equal((await events.next()).type, 'update');

    r = await access().delete('user4', { id: currentId });
    assert.equal(r.status, 403, 'Delete denied');
    r = await access().delete('admin', { id: currentId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.deepEqual(await events.next(), {
      type: 'delete',
      object: { id_service_access: currentId, id_user_group: 5, id_site: 1 },
    });
    r = await access().delete('admin', { id: currentId });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'No site access to delete');
  });

  test('a role id must be an OpenTera role of that site', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const role = await suite.server.deps.db.kysely
      .selectFrom('t_services_roles')
      .select('id_service_role')
      .where('id_site', '=', 2)
      .where('service_role_name', '=', 'admin')
      .executeTakeFirstOrThrow();
    const r = await access().post('siteadmin', {
      site_access: { id_user_group: 5, id_site: 1, id_service_role: role.id_service_role },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Invalid role name or id for that site');
  });
});
