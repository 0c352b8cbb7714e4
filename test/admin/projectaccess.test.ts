/**
 * /api/user/projectaccess, porting OpenTera's test_UserQueryProjectAccess.py (plus the
 * DatabaseEvents every write publishes), on SQLite and PostgreSQL. OpenTera's ids: users
 * admin 1, siteadmin 2, user 3, user2 4, user3 5, user4 6; groups 1 "Users - Projects 1 & 2",
 * 2 "Admins - Project 1", 3 "Admins - Default Site", 4 "Users - Project 1", 5 "No access!";
 * projects 1 and 2 in site 1, 3 in site 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Item = Record<string, unknown>;

const checkItem = (item: Item) => {
  assert.ok(Object.keys(item).length > 0);
  assert.ok('project_access_role' in item);
};

adminSuites('/api/user/projectaccess', (suite) => {
  const access = () => endpoint(suite, '/api/user/projectaccess');
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
  });

  test("a user's project roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const extras: Record<string, boolean>[] = [
      {},
      { with_sites: true },
      { admins: true },
      { admins: true, with_sites: true },
    ];
    for (const extra of extras) {
      const items = await get({ id_user: 2, ...extra });
      assert.equal(items.length, 2, JSON.stringify(extra));
      for (const item of items) {
        assert.equal(item.project_access_role, 'admin');
        if (!('admins' in extra)) assert.equal(item.project_access_inherited, true);
        if ('with_sites' in extra) assert.equal(item.id_site, 1);
        else assert.ok(!('id_site' in item));
      }
    }
    const items = await get({ id_user: 3, admins: true });
    assert.equal(items.length, 0);
  });

  test("a user group's project roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_user_group: 1 });
    assert.equal(items.length, 2);
    for (const item of items) assert.equal(item.project_access_role, 'user');
    items = await get({ id_user_group: 1, with_sites: true });
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.equal(item.project_access_role, 'user');
      assert.equal(item.id_site, 1);
    }
    items = await get({ id_user_group: 1, admins: true });
    assert.equal(items.length, 0);
    items = await get({ id_user_group: 3, admins: true, with_sites: true });
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.equal(item.project_access_role, 'admin');
      assert.equal(item.id_site, 1);
    }
    items = await get({ id_user_group: 3, with_empty: true, admins: true });
    assert.equal(items.length, 3);
    for (const item of items)
      assert.equal(item.project_access_role, item.id_project !== 3 ? 'admin' : null);
    items = await get({ id_user_group: 2, with_empty: true, admins: true, with_sites: true });
    assert.equal(items.length, 3);
    for (const item of items) {
      assert.ok('id_site' in item);
      assert.equal(item.project_access_role, item.id_project === 1 ? 'admin' : null);
    }
  });

  test("a user group's members' project roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_user_group: 1, by_users: true });
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.equal(item.project_access_role, 'user');
      assert.equal(item.project_access_inherited, false);
    }
    items = await get({ id_user_group: 3, by_users: true, with_sites: true });
    assert.equal(items.length, 4);
    for (const item of items) {
      assert.equal(item.project_access_role, 'admin');
      assert.equal(item.project_access_inherited, true);
      assert.equal(item.id_site, 1);
    }
    for (const withSites of [false, true]) {
      items = await get({
        id_user_group: 3,
        by_users: true,
        with_empty: true,
        with_sites: withSites,
      });
      assert.equal(items.length, 6);
      for (const item of items) {
        assert.equal('id_site' in item, withSites);
        if (item.id_project !== 3) {
          assert.equal(item.project_access_role, 'admin');
          assert.equal(item.project_access_inherited, true);
        } else assert.equal(item.project_access_role, null);
      }
    }
    items = await get({ id_user_group: 2, by_users: true, with_empty: true, admins: true });
    assert.equal(items.length, 3);
    for (const item of items)
      assert.equal(item.project_access_role, item.id_project === 1 ? 'admin' : null);
    items = await get({
      id_user_group: 4,
      by_users: true,
      with_empty: true,
      admins: true,
      with_sites: true,
    });
    assert.equal(items.length, 3);
    for (const item of items) {
      assert.ok('id_site' in item);
      assert.equal(item.project_access_role, item.id_project !== 3 ? 'admin' : null);
    }
  });

  test("a project's user groups", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_project: 1 });
    assert.equal(items.length, 4);
    for (const item of items) {
      assert.ok('id_user_group' in item);
      const admin = item.id_user_group === 3 || item.id_user_group === 2;
      assert.equal(item.project_access_role, admin ? 'admin' : 'user');
    }
    items = await get({ id_project: 2, with_sites: true });
    assert.equal(items.length, 2);
    for (const item of items) {
      assert.ok('id_user_group' in item);
      assert.equal(item.id_site, 1);
      assert.equal(item.project_access_role, item.id_user_group === 3 ? 'admin' : 'user');
    }
    items = await get({ id_project: 1, admins: true });
    assert.equal(items.length, 2);
    for (const item of items) assert.equal(item.project_access_role, 'admin');
    items = await get({ id_project: 2, admins: true, with_sites: true });
    assert.equal(items.length, 1);
    assert.equal(items[0]!.id_site, 1);
    assert.equal(items[0]!.project_access_role, 'admin');
  });

  test("a project's users", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let items = await get({ id_project: 1, by_users: true });
    assert.equal(items.length, 4);
    for (const item of items) assert.ok('id_user' in item);
    items = await get({ id_project: 1, by_users: true, with_sites: true });
    assert.equal(items.length, 4);
    for (const item of items) assert.equal(item.id_site, 1);
    for (const withSites of [false, true]) {
      items = await get({ id_project: 1, by_users: true, admins: true, with_sites: withSites });
      assert.equal(items.length, 3);
      for (const item of items) {
        assert.equal(item.project_access_role, 'admin');
        if (withSites) assert.equal(item.id_site, 1);
      }
    }
    for (const withSites of [false, true]) {
      items = await get({ id_project: 2, by_users: true, with_empty: true, with_sites: withSites });
      assert.equal(items.length, 4);
      for (const item of items) {
        if (withSites) assert.equal(item.id_site, 1);
        if (item.id_user === 2 || item.id_user === 4) {
          assert.equal(item.project_access_role, 'admin');
          assert.equal(item.project_access_inherited, true);
        } else if (item.id_user === 5) {
          assert.equal(item.project_access_role, null);
          assert.equal(item.project_access_inherited, null);
        } else {
          assert.equal(item.project_access_role, 'user');
          assert.equal(item.project_access_inherited, false);
        }
      }
      items = await get({
        id_project: 2,
        by_users: true,
        with_empty: true,
        admins: true,
        with_sites: withSites,
      });
      assert.equal(items.length, 4);
      for (const item of items) {
        if (item.id_user === 5) {
          assert.equal(item.project_access_role, null);
          assert.equal(item.project_access_inherited, null);
        } else {
          assert.notEqual(item.project_access_role, null);
          assert.notEqual(item.project_access_inherited, null);
        }
      }
    }
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'service_access');
    t.after(() => events.close());
    const body: { project_access: Record<string, unknown> } = {
      project_access: { project_access_role: 'admin' },
    };
    let r = await access().post('user', body);
    assert.equal(r.status, 400, 'Missing id_usergroup');
    body.project_access.id_user_group = '4';
    r = await access().post('user', body);
    assert.equal(r.status, 400, 'Missing id_project');
    body.project_access.id_project = '3';
    r = await access().post('user4', body);
    assert.equal(r.status, 403, 'Post denied for user');
    r = await access().post('admin', body);
    assert.equal(r.status, 200, 'Post new');
    const granted = r.json<Item[]>()[0]!;
    checkItem(granted);
    const currentId = granted.id_project_access as number;
    assert.equal(granted.project_access_role, 'admin');
    assert.equal(granted.project_name, 'Secret Project #1');
    const created = await events.next();
    assert.equal(created.type, 'create');
    assert.equal(created.object.id_project, 3);

    r = await access().post('admin', {
      project_access: { project_access_role: 'user', id_user_group: 4, id_project: 3 },
    });
    assert.equal(r.status, 200, 'Post update');
    checkItem(r.json<Item[]>()[0]!);
    assert.equal(r.json<Item[]>()[0]!.project_access_role, 'user');
    assert.equal(r.json<Item[]>()[0]!.id_project_access, currentId);
    assert.equal((await events.next()).type, 'update');

    r = await access().delete('user4', { id: currentId });
    assert.equal(r.status, 403, 'Delete denied');
    r = await access().delete('user3', { id: currentId });
    assert.equal(r.status, 403, 'an admin of another project');
    r = await access().delete('admin', { id: currentId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.equal((await events.next()).type, 'delete');
    r = await access().delete('admin', { id: currentId });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'No project access to delete.');
  });

  test('an empty role removes the grant; a project admin grants on its project', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await access().post('user3', {
      project_access: { project_access_role: 'user', id_user_group: 5, id_project: 1 },
    });
    assert.equal(r.status, 200);
    let items = await get({ id_user_group: 5 });
    assert.deepEqual(
      items.map((i) => [i.id_project, i.project_access_role]),
      [[1, 'user']],
    );
    r = await access().post('user3', {
      project_access: { project_access_role: 'user', id_user_group: 5, id_project: 2 },
    });
    assert.equal(r.status, 403, 'not an admin of project 2');
    r = await access().post('user3', {
      project_access: [{ project_access_role: '', id_user_group: 5, id_project: 1 }],
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), []);
    items = await get({ id_user_group: 5 });
    assert.deepEqual(items, []);
  });
});
