/**
 * /api/user/sites, porting OpenTera's test_UserQuerySites.py (plus the DatabaseEvents every
 * write publishes), on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import {
  assertAuthRequired,
  dbEvents,
  deleteSessionRow,
  endpoint,
  insertParticipantRow,
  insertParticipantSession,
  insertProjectRow,
  participantAlive,
  userIdOf,
  userUuidOf,
} from './sites-kit.js';

interface Site {
  id_site: number;
  site_name: string;
  site_role?: string | null;
  site_2fa_required: boolean;
}

function checkSite(site: Site): void {
  assert.ok(Object.keys(site).length > 0);
  for (const key of ['id_site', 'site_name', 'site_role']) assert.ok(key in site, key);
}

adminSuites('/api/user/sites', (suite) => {
  const sites = () => endpoint(suite, '/api/user/sites');

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(sites());
  });

  test('a specific site as superadmin, by id and by name', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().get('admin', { id_site: 1 });
    assert.equal(r.status, 200);
    const [site] = r.json<Site[]>();
    assert.equal(r.json<Site[]>().length, 1);
    checkSite(site!);
    assert.equal(site!.site_role, 'admin');
    r = await sites().get('admin', { name: site!.site_name });
    assert.equal(r.status, 200);
    assert.equal(r.json<Site[]>().length, 1);
    assert.equal(r.json<Site[]>()[0]!.id_site, site!.id_site);
    r = await sites().get('admin', { id: 1 });
    assert.deepEqual(r.json(), [site]);
  });

  test('a specific site as users with and without access', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().get('user4', { id_site: 1 });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), []);
    r = await sites().get('user3', { id_site: 1 });
    assert.equal(r.status, 200);
    const found = r.json<Site[]>();
    assert.equal(found.length, 1);
    checkSite(found[0]!);
    assert.equal(found[0]!.site_role, 'user', 'a project admin is a user of its site');
    r = await sites().get('user3', { name: found[0]!.site_name });
    assert.equal(r.json<Site[]>().length, 1);
    assert.equal(r.json<Site[]>()[0]!.id_site, found[0]!.id_site);
    r = await sites().get('user3', { id_site: 2 });
    assert.deepEqual(r.json(), [], 'no access to the other site');
    r = await sites().get('user3', { name: 'Top Secret Site' });
    assert.deepEqual(r.json(), []);
  });

  test('without arguments: every site the caller reaches', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().get('admin');
    assert.deepEqual(
      r.json<Site[]>().map((s) => s.site_name),
      ['Default Site', 'Top Secret Site'],
    );
    r = await sites().get('siteadmin');
    assert.deepEqual(
      r.json<Site[]>().map((s) => [s.id_site, s.site_role]),
      [[1, 'admin']],
    );
    r = await sites().get('user4');
    assert.deepEqual(r.json(), []);
  });

  test("another user's sites, as many as its site roles", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().get('admin', { user_uuid: await userUuidOf(suite.server, 'admin') });
    assert.equal(r.status, 200);
    assert.equal(r.json<Site[]>().length, 2, 'a superadmin has a role on every site');
    r.json<Site[]>().forEach(checkSite);
    r = await sites().get('admin', { user_uuid: await userUuidOf(suite.server, 'user3') });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json<Site[]>().map((s) => [s.id_site, s.site_role]),
      [[1, 'user']],
      "user3's role, not the caller's",
    );
  });

  test('the sites of a device', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().get('admin', { id_device: 1 });
    assert.deepEqual(
      r.json<Site[]>().map((s) => [s.id_site, (s as Site & { id_device: number }).id_device]),
      [
        [1, 1],
        [2, 1],
      ],
    );
    r = await sites().get('user4', { id_device: 1 });
    assert.deepEqual(r.json(), []);
  });

  test('post and delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const server = suite.server;
    const events = await dbEvents(server, 'site');
    t.after(() => events.close());
    let r = await sites().post('admin', { site_name: 'Testing123' });
    assert.equal(r.status, 400, 'Missing site struct');
    r = await sites().post('admin', { site: { site_name: 'Testing123' } });
    assert.equal(r.status, 400, 'Missing id_site');
    assert.equal(r.json(), 'Missing id_site field');
    const body = { site: { site_name: 'Testing123', id_site: 0 } };
    r = await sites().post('user4', body);
    assert.equal(r.status, 403, 'No access to create site');
    r = await sites().post('siteadmin', body);
    assert.equal(r.status, 403, 'Not super admin');
    assert.equal(r.json(), 'Forbidden');
    r = await sites().post('admin', body);
    assert.equal(r.status, 200, 'Post OK');
    const created = r.json<Site[]>()[0]!;
    const siteId = created.id_site;
    assert.equal(created.site_name, 'Testing123');
    assert.deepEqual(await events.next(), {
      type: 'create',
      object: { id_site: siteId, site_name: 'Testing123', site_2fa_required: false },
    });
    r = await sites().post('admin', body);
    assert.equal(r.status, 500, 'a site name is unique');

    const update = { site: { id_site: siteId, site_name: 'New Site Name' } };
    r = await sites().post('user3', update);
    assert.equal(r.status, 403, 'No super admin access');
    r = await sites().post('admin', update);
    assert.equal(r.status, 200, 'Update completed');
    assert.equal(r.json<Site[]>()[0]!.site_name, 'New Site Name');
    assert.equal((await events.next()).type, 'update');

    // Delete: refused while a participant of the site is held by a session.
    const projectId = await insertProjectRow(server, siteId, 'Site Project');
    const part1 = await insertParticipantRow(server, projectId, 'Test Part #1');
    const part2 = await insertParticipantRow(server, projectId, 'Test Part #2');
    const session = await insertParticipantSession(server, part2);
    r = await sites().delete('admin', { id: siteId });
    assert.equal(r.status, 500, "Can't delete, has participants with sessions");
    assert.equal(
      r.json(),
      "Can't delete site: please delete all participants with sessions before deleting.",
    );
    await deleteSessionRow(server, session);
    r = await sites().delete('siteadmin', { id: siteId });
    assert.equal(r.status, 403, "Can't delete, forbidden");
    r = await sites().delete('admin', { id: siteId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.deepEqual(await events.next(), { type: 'delete', object: { id_site: siteId } });

    // All participants were also deleted.
    assert.equal(await participantAlive(server, part1), false);
    assert.equal(await participantAlive(server, part2), false);
    r = await sites().get('admin', { id_site: siteId });
    assert.deepEqual(r.json(), []);
  });

  test('delete needs an id; a superadmin may create a site again with a freed name', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sites().delete('admin');
    assert.equal(r.status, 400);
    assert.deepEqual(Object.keys(r.json<{ errors: object }>().errors), ['id']);
    r = await sites().post('admin', { site: { id_site: 'abc' } });
    assert.equal(r.status, 400);
    r = await sites().post('admin', { site: { id_site: 0, site_name: 'Freed name' } });
    assert.equal(r.status, 200);
    const id = r.json<Site[]>()[0]!.id_site;
    r = await sites().delete('admin', { id });
    assert.equal(r.status, 200);
    r = await sites().post('admin', { site: { id_site: 0, site_name: 'Freed name' } });
    assert.equal(r.status, 200, 'a deleted site no longer holds its name');
    r = await sites().delete('admin', { id: r.json<Site[]>()[0]!.id_site });
    assert.equal(r.status, 200);
  });

  test('requiring 2FA on a site enables it for its users and the superadmins', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const k = suite.server.deps.db.kysely;
    await suite.auth('admin');
    const twoFa = async (username: string) =>
      (
        await k
          .selectFrom('t_users')
          .select('user_2fa_enabled')
          .where('user_username', '=', username)
          .executeTakeFirstOrThrow()
      ).user_2fa_enabled;
    // user4 joins a group holding a role on site 2.
    const { id_user_group } = await k
      .insertInto('t_users_groups')
      .values({ user_group_name: '2FA group' })
      .returning('id_user_group')
      .executeTakeFirstOrThrow();
    const role = await k
      .selectFrom('t_services_roles')
      .select('id_service_role')
      .where('id_site', '=', 2)
      .where('service_role_name', '=', 'user')
      .executeTakeFirstOrThrow();
    await k
      .insertInto('t_services_access')
      .values({ id_user_group, ...role })
      .execute();
    await k
      .insertInto('t_users_users_groups')
      .values({ id_user_group, id_user: await userIdOf(suite.server, 'user4') })
      .execute();
    t.after(async () => {
      await k
        .updateTable('t_sites')
        .set({ site_2fa_required: false })
        .where('id_site', '=', 2)
        .execute();
      await k
        .deleteFrom('t_users_users_groups')
        .where('id_user_group', '=', id_user_group)
        .execute();
      await k.deleteFrom('t_services_access').where('id_user_group', '=', id_user_group).execute();
      await k.deleteFrom('t_users_groups').where('id_user_group', '=', id_user_group).execute();
      await k.updateTable('t_users').set({ user_2fa_enabled: false }).execute();
    });
    assert.equal(await twoFa('user4'), false);
    const r = await sites().post('admin', { site: { id_site: 2, site_2fa_required: true } });
    assert.equal(r.status, 200);
    assert.equal(r.json<Site[]>()[0]!.site_2fa_required, true);
    assert.equal(await twoFa('user4'), true);
    assert.equal(await twoFa('admin'), true);
    assert.equal(await twoFa('siteadmin'), false, 'no role on site 2');
  });
});
