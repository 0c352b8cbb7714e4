/**
 * Access-model cases beyond the seeded expectations: rows are added to (or soft-deleted
 * from) a freshly seeded database in each test. Part of the access contract.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../src/store/connect.js';
import type { UserAccess } from '../../src/access/access.js';
import { AccessStore } from '../../src/access/access-store.js';
import { PrincipalStore } from '../../src/access/principals.js';
import * as R from '../access/rows.js';
import { storeTest } from '../kit/with-store.js';
import { loadNames, openSeeded, type Names, type OpenEmptyDb } from './access-support.js';

const ids = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
const uuids = (xs: Iterable<string>): string[] => [...xs].sort();

async function userAccess(access: AccessStore, uuid: string): Promise<UserAccess> {
  const a = await access.userAccess(uuid);
  assert.ok(a, `access of ${uuid}`);
  return a;
}

export function accessCasesContract(open: OpenEmptyDb): void {
  const withDb = (body: (db: Db, access: AccessStore, n: Names) => Promise<void>) =>
    storeTest(() => openSeeded(open))(async (db) =>
      body(db, new AccessStore(db), await loadNames(db)),
    );

  describe('with rows added or deleted', () => {
    test(
      'a site admin role gives admin on all the site projects; a site user role gives only the site',
      withDb(async ({ kysely: k }, access) => {
        const site = await R.addSite(k, 'Case Site');
        const [pa, pb] = [
          await R.addProject(k, site, 'Case A'),
          await R.addProject(k, site, 'Case B'),
        ];
        const part = await R.addParticipant(k, pb, 'Case participant');
        const dev = await R.addDevice(k, 'Case device', { sites: [site] });
        const admins = await R.addGroup(k, 'Case site admins');
        await R.grant(k, admins, await R.coreRole(k, 'admin', { idSite: site }));
        const siteAdmin = await R.addUser(k, 'case-siteadmin', [admins]);
        const members = await R.addGroup(k, 'Case A users');
        await R.grant(k, members, await R.coreRole(k, 'user', { idProject: pa }));
        const member = await R.addUser(k, 'case-member', [members]);
        const siteUsers = await R.addGroup(k, 'Case site users');
        await R.grant(k, siteUsers, await R.coreRole(k, 'user', { idSite: site }));
        const siteUser = await R.addUser(k, 'case-siteuser', [siteUsers]);

        const a = await userAccess(access, siteAdmin.uuid);
        assert.deepEqual(Object.fromEntries(a.projectRoles), { [pa]: 'admin', [pb]: 'admin' });
        assert.deepEqual(Object.fromEntries(a.siteRoles), { [site]: 'admin' });
        assert.deepEqual(uuids(a.participantUuids), [part.uuid]);
        assert.deepEqual(uuids(a.deviceUuids), [dev.uuid]);
        assert.deepEqual(uuids(a.userUuids), uuids([siteAdmin.uuid, member.uuid]));
        assert.deepEqual(ids(a.admin.projectIds), ids([pa, pb]));
        assert.deepEqual(uuids(a.admin.participantUuids), [part.uuid]);
        assert.deepEqual(uuids(a.admin.deviceUuids), [dev.uuid]);

        const m = await userAccess(access, member.uuid);
        assert.deepEqual(
          uuids(m.userUuids),
          [member.uuid],
          'the site-only admin is invisible to project members',
        );
        assert.deepEqual(Object.fromEntries(m.siteRoles), { [site]: 'user' });
        assert.deepEqual(uuids(m.participantUuids), [], 'no participant in project A');

        const s = await userAccess(access, siteUser.uuid);
        assert.deepEqual(Object.fromEntries(s.siteRoles), { [site]: 'user' });
        assert.equal(s.projectIds.size, 0);
        assert.equal(s.participantUuids.size, 0);
        assert.deepEqual(uuids(s.deviceUuids), [dev.uuid]);
        assert.deepEqual(uuids(s.userUuids), [siteUser.uuid]);
        assert.equal(s.admin.deviceUuids.size, 0);
      }),
    );

    test(
      'users with the same roles share their sets; a different role gives other sets',
      withDb(async ({ kysely: k }, access) => {
        const site = await R.addSite(k, 'Pool Site');
        const [pa, pb] = [
          await R.addProject(k, site, 'Pool A'),
          await R.addProject(k, site, 'Pool B'),
        ];
        await R.addParticipant(k, pa, 'Pool participant A');
        await R.addParticipant(k, pb, 'Pool participant B');
        const groupA = await R.addGroup(k, 'Pool A users');
        await R.grant(k, groupA, await R.coreRole(k, 'user', { idProject: pa }));
        const groupB = await R.addGroup(k, 'Pool B users');
        await R.grant(k, groupB, await R.coreRole(k, 'user', { idProject: pb }));
        const [a1, a2, b1] = [
          await R.addUser(k, 'pool-a1', [groupA]),
          await R.addUser(k, 'pool-a2', [groupA]),
          await R.addUser(k, 'pool-b1', [groupB]),
        ];
        const [x, y, z] = [
          await userAccess(access, a1.uuid),
          await userAccess(access, a2.uuid),
          await userAccess(access, b1.uuid),
        ];
        assert.equal(x.participantUuids.size, 1);
        assert.equal(x.participantUuids, y.participantUuids, 'one set for the same rows');
        assert.equal(x.deviceUuids, y.deviceUuids);
        assert.equal(x.userUuids, y.userUuids, 'each sees both: the same set');
        assert.equal(x.projectIds, y.projectIds);
        assert.notEqual(x.participantUuids, z.participantUuids);
        assert.notDeepEqual(uuids(x.participantUuids), uuids(z.participantUuids));
        // Computed again (an access refresh), the sets are the same objects while they live.
        const again = await userAccess(access, a1.uuid);
        assert.equal(again.participantUuids, x.participantUuids);
      }),
    );

    test(
      'admin overrides user across two groups, whatever the order',
      withDb(async ({ kysely: k }, access) => {
        const site = await R.addSite(k, 'Override Site');
        const project = await R.addProject(k, site, 'Override Project');
        const part = await R.addParticipant(k, project, 'Override participant');
        const users = await R.addGroup(k, 'Override users');
        await R.grant(k, users, await R.coreRole(k, 'user', { idProject: project }));
        const admins = await R.addGroup(k, 'Override admins');
        await R.grant(k, admins, await R.coreRole(k, 'admin', { idProject: project }));
        const siteUsers = await R.addGroup(k, 'Override site users');
        await R.grant(k, siteUsers, await R.coreRole(k, 'user', { idSite: site }));
        const siteAdmins = await R.addGroup(k, 'Override site admins');
        await R.grant(k, siteAdmins, await R.coreRole(k, 'admin', { idSite: site }));

        for (const groups of [
          [users, admins],
          [admins, users],
        ]) {
          const u = await R.addUser(k, `override-${groups.join('-')}`, groups);
          const a = await userAccess(access, u.uuid);
          assert.deepEqual(Object.fromEntries(a.projectRoles), { [project]: 'admin' });
          assert.deepEqual(Object.fromEntries(a.siteRoles), { [site]: 'user' });
          assert.deepEqual(ids(a.admin.projectIds), [project]);
          assert.deepEqual(uuids(a.admin.participantUuids), [part.uuid]);
          assert.equal(a.admin.siteIds.size, 0);
        }
        for (const groups of [
          [siteUsers, siteAdmins],
          [siteAdmins, siteUsers],
        ]) {
          const u = await R.addUser(k, `override-site-${groups.join('-')}`, groups);
          const a = await userAccess(access, u.uuid);
          assert.deepEqual(Object.fromEntries(a.siteRoles), { [site]: 'admin' });
          assert.deepEqual(Object.fromEntries(a.projectRoles), { [project]: 'admin' });
        }
      }),
    );

    test(
      "another service's project role counts for projects but not for user visibility",
      withDb(async ({ kysely: k }, access) => {
        const other = await R.addService(k, 'OtherService');
        const site = await R.addSite(k, 'Other Site');
        const project = await R.addProject(k, site, 'Other Project');
        const part = await R.addParticipant(k, project, 'Other participant');
        const dev = await R.addDevice(k, 'Other device', { sites: [site] });
        const member = async (name: string, role: number) => {
          const g = await R.addGroup(k, `${name} group`);
          await R.grant(k, g, role);
          return R.addUser(k, name, [g]);
        };
        const therapist = await member(
          'therapist',
          await R.addRole(k, other, 'therapist', { idProject: project }),
        );
        const otherAdmin = await member(
          'other-admin',
          await R.addRole(k, other, 'admin', { idProject: project }),
        );
        const core = await member('core-user', await R.coreRole(k, 'user', { idProject: project }));
        const otherSite = await member(
          'other-site-admin',
          await R.addRole(k, other, 'admin', { idSite: site }),
        );

        const t = await userAccess(access, therapist.uuid);
        assert.deepEqual(
          Object.fromEntries(t.projectRoles),
          { [project]: 'user' },
          'a non-admin role name counts as user',
        );
        assert.deepEqual(Object.fromEntries(t.siteRoles), { [site]: 'user' });
        assert.deepEqual(uuids(t.participantUuids), [part.uuid]);
        assert.deepEqual(uuids(t.deviceUuids), [dev.uuid]);
        assert.deepEqual(
          uuids(t.userUuids),
          uuids([therapist.uuid, core.uuid]),
          'only OpenTeraServer roles make users visible',
        );

        const o = await userAccess(access, otherAdmin.uuid);
        assert.deepEqual(Object.fromEntries(o.projectRoles), { [project]: 'admin' });
        assert.deepEqual(uuids(o.admin.participantUuids), [part.uuid]);
        assert.deepEqual(uuids(o.admin.userUuids), uuids([otherAdmin.uuid, core.uuid]));

        const c = await userAccess(access, core.uuid);
        assert.deepEqual(uuids(c.userUuids), [core.uuid]);

        const s = await userAccess(access, otherSite.uuid);
        assert.deepEqual(
          Object.fromEntries(s.projectRoles),
          { [project]: 'admin' },
          'site admin of any service',
        );
        assert.deepEqual(Object.fromEntries(s.siteRoles), { [site]: 'admin' });
        assert.deepEqual(uuids(s.admin.deviceUuids), [dev.uuid]);
      }),
    );

    test(
      'a deleted user group grants nothing; disabled users stay visible',
      withDb(async ({ kysely: k }, access, n) => {
        await k
          .updateTable('t_users')
          .set({ user_enabled: false })
          .where('user_username', '=', 'user3')
          .execute();
        const before = await userAccess(access, n.uuid('user', 'user2'));
        assert.ok(before.userUuids.has(n.uuid('user', 'user3')), 'disabled user3 is still visible');
        assert.ok(
          (await access.userAccess(n.uuid('user', 'user3')))?.projectIds.has(1),
          'computed for disabled users',
        );

        const group = await k
          .selectFrom('t_users_groups')
          .select('id_user_group')
          .where('user_group_name', '=', 'Users - Projects 1 & 2')
          .executeTakeFirstOrThrow();
        await R.softDelete(k, 't_users_groups', group.id_user_group);
        const u = await userAccess(access, n.uuid('user', 'user'));
        assert.equal(
          u.projectIds.size + u.siteIds.size + u.participantUuids.size + u.deviceUuids.size,
          0,
        );
        assert.deepEqual(uuids(u.userUuids), [n.uuid('user', 'user')]);
        const after = await userAccess(access, n.uuid('user', 'user2'));
        assert.ok(
          !after.userUuids.has(n.uuid('user', 'user')),
          'user was visible only through the deleted group',
        );
      }),
    );

    test(
      'deleted participants and devices disappear everywhere',
      withDb(async (db, access, n) => {
        const k = db.kysely;
        const principals = new PrincipalStore(db);
        const part2 = n.uuid('participant', 'Participant #2');
        const kit = n.uuid('device', 'Kit Télé #1');
        await R.softDelete(k, 't_participants', 2);
        await R.softDelete(k, 't_devices', 2);
        for (const username of ['admin', 'siteadmin', 'user'] as const) {
          const a = await userAccess(access, n.uuid('user', username));
          assert.ok(!a.participantUuids.has(part2), username);
          assert.ok(!a.deviceUuids.has(kit), username);
          assert.ok(!a.admin.participantUuids.has(part2), username);
        }
        assert.equal(await access.participantAccess(part2), null);
        assert.equal(await access.deviceAccess(kit), null);
        const watch = await access.deviceAccess(n.uuid('device', 'Apple Watch #W05P1'));
        assert.deepEqual(n.names('participant', watch?.participantUuids ?? []), ['Participant #1']);
        assert.equal((await access.sessionMemberships('participant', part2)).size, 0);
        assert.equal((await access.sessionMemberships('device', kit)).size, 0);
        assert.equal(await principals.find('participant', part2), null);
        assert.equal((await principals.findMany('device', [kit])).size, 0);
      }),
    );

    test(
      'a deleted project takes its participants and its members with it; a deleted site its projects',
      withDb(async ({ kysely: k }, access, n) => {
        const part = await R.addParticipant(k, 2, 'Project 2 participant');
        const g = await R.addGroup(k, 'Project 2 only');
        await R.grant(k, g, await R.coreRole(k, 'user', { idProject: 2 }));
        const only2 = await R.addUser(k, 'only-project-2', [g]);
        const user = n.uuid('user', 'user');
        const before = await userAccess(access, user);
        assert.ok(before.participantUuids.has(part.uuid) && before.userUuids.has(only2.uuid));

        await R.softDelete(k, 't_projects', 2);
        const a = await userAccess(access, user);
        assert.deepEqual(Object.fromEntries(a.projectRoles), { 1: 'user' });
        assert.ok(!a.participantUuids.has(part.uuid));
        assert.ok(!a.userUuids.has(only2.uuid));
        const o = await userAccess(access, only2.uuid);
        assert.equal(o.projectIds.size + o.siteIds.size, 0);
        const s = await userAccess(access, n.uuid('user', 'siteadmin'));
        assert.deepEqual(ids(s.projectIds), [1]);

        await R.softDelete(k, 't_sites', 2);
        const admin = await userAccess(access, n.uuid('user', 'admin'));
        assert.deepEqual(ids(admin.siteIds), [1]);
        assert.deepEqual(ids(admin.projectIds), [1]);
      }),
    );

    test(
      'deleted sessions and users disappear',
      withDb(async (db, access, n) => {
        const k = db.kysely;
        const principals = new PrincipalStore(db);
        const s4 = await k
          .selectFrom('t_sessions')
          .select('id_session')
          .where('session_name', '=', 'Séance #4')
          .executeTakeFirstOrThrow();
        await R.softDelete(k, 't_sessions', s4.id_session);
        assert.equal(
          (await access.sessionMemberships('device', n.uuid('device', 'Kit Télé #1'))).size,
          0,
        );
        const admin = await access.sessionMemberships('user', n.uuid('user', 'admin'));
        assert.equal(admin.size, 7);
        assert.ok(!admin.has(n.uuid('session', 'Séance #4')));

        const user3 = n.uuid('user', 'user3');
        await R.softDelete(k, 't_users', 5);
        assert.equal(await access.userAccess(user3), null);
        assert.equal(await access.accessFor('user', user3), null);
        assert.equal((await access.sessionMemberships('user', user3)).size, 0);
        assert.equal(await principals.find('user', user3), null);
        for (const username of ['admin', 'siteadmin', 'user'] as const) {
          const a = await userAccess(access, n.uuid('user', username));
          assert.ok(!a.userUuids.has(user3), username);
        }
      }),
    );
  });
}
