/**
 * The access-model contract (spec §5.3–§5.5, §8.2 derived expectations, §10.18 kept as is),
 * run against every database backend. `open` gives a fresh, empty database (or a skip
 * reason when its backend is unreachable); the suite migrates and seeds it, and closes it
 * (closing must also discard it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/store/connect.js';
import { AccessStore } from '../../src/access/access-store.js';
import { PrincipalStore } from '../../src/access/principals.js';
import type { UserAccessTier } from '../../src/access/access.js';
import {
  DEVICE_PARTICIPANTS,
  PARTICIPANT_DEVICES,
  SESSION_MEMBERSHIPS,
  USERNAMES,
  USER_EXPECTATIONS,
  type TierExpectation,
} from './access-expected.js';
import { accessCasesContract } from './access-cases.js';
import { loadNames, openSeeded, type Names, type OpenEmptyDb } from './access-support.js';

export type { OpenEmptyDb } from './access-support.js';

const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();
const ids = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

function assertTier(
  n: Names,
  actual: UserAccessTier,
  expected: TierExpectation,
  what: string,
): void {
  assert.deepEqual(ids(actual.siteIds), ids(expected.sites), `${what}: sites`);
  assert.deepEqual(ids(actual.projectIds), ids(expected.projects), `${what}: projects`);
  assert.deepEqual(
    n.names('participant', actual.participantUuids),
    sorted(expected.participants),
    `${what}: participants`,
  );
  assert.deepEqual(
    n.names('device', actual.deviceUuids),
    sorted(expected.devices),
    `${what}: devices`,
  );
  assert.deepEqual(n.names('user', actual.userUuids), sorted(expected.users), `${what}: users`);
}

export function accessContract(open: OpenEmptyDb): void {
  describe('on the seeded test dataset (§8.2)', () => {
    let db: Db | { skip: string } = { skip: 'not opened' };
    let n: Names;
    let access: AccessStore;
    let principals: PrincipalStore;
    before(async () => {
      db = await openSeeded(open);
      if ('skip' in db) return;
      n = await loadNames(db);
      access = new AccessStore(db);
      principals = new PrincipalStore(db);
    });
    after(async () => {
      if (!('skip' in db)) await db.close();
    });
    const seeded =
      (body: () => Promise<void>) =>
      async (t: { skip(reason: string): void }): Promise<void> => {
        if ('skip' in db) return t.skip(db.skip);
        await body();
      };

    for (const username of USERNAMES) {
      test(
        `${username}: sites, projects, roles, participants, devices, users, and the admin tier`,
        seeded(async () => {
          const e = USER_EXPECTATIONS[username];
          const a = await access.userAccess(n.uuid('user', username));
          assert.ok(a);
          assert.equal(a.kind, 'user');
          assert.equal(a.userUuid, n.uuid('user', username));
          assert.equal(a.superadmin, e.superadmin);
          assertTier(n, a, e, username);
          assert.deepEqual(
            Object.fromEntries(a.projectRoles),
            e.projectRoles,
            `${username}: project roles`,
          );
          assert.deepEqual(Object.fromEntries(a.siteRoles), e.siteRoles, `${username}: site roles`);
          assertTier(n, a.admin, e.admin, `${username} (admin only)`);
        }),
      );
    }

    test(
      'observed on OpenTera: only admin sees Secret Participant; admin, siteadmin, user, user3 see Participant #1, the Watch and the Kit',
      seeded(async () => {
        for (const username of USERNAMES) {
          const a = await access.userAccess(n.uuid('user', username));
          assert.ok(a);
          const secret = a.participantUuids.has(n.uuid('participant', 'Secret Participant'));
          assert.equal(secret, username === 'admin', `${username} and Secret Participant`);
          if (['admin', 'siteadmin', 'user', 'user3'].includes(username)) {
            assert.ok(a.participantUuids.has(n.uuid('participant', 'Participant #1')), username);
            assert.ok(a.deviceUuids.has(n.uuid('device', 'Apple Watch #W05P1')), username);
            assert.ok(a.deviceUuids.has(n.uuid('device', 'Kit Télé #1')), username);
          }
        }
      }),
    );

    test(
      'participant access: itself and its linked devices',
      seeded(async () => {
        for (const [name, devices] of Object.entries(PARTICIPANT_DEVICES)) {
          const a = await access.participantAccess(n.uuid('participant', name));
          assert.ok(a, name);
          assert.equal(a.kind, 'participant');
          assert.equal(a.participantUuid, n.uuid('participant', name));
          assert.deepEqual(n.names('device', a.deviceUuids), sorted(devices), name);
        }
      }),
    );

    test(
      'device access: itself and its linked participants',
      seeded(async () => {
        for (const [name, participants] of Object.entries(DEVICE_PARTICIPANTS)) {
          const a = await access.deviceAccess(n.uuid('device', name));
          assert.ok(a, name);
          assert.equal(a.kind, 'device');
          assert.equal(a.deviceUuid, n.uuid('device', name));
          assert.deepEqual(n.names('participant', a.participantUuids), sorted(participants), name);
        }
      }),
    );

    test(
      'accessFor dispatches on the kind; unknown uuids give null',
      seeded(async () => {
        assert.equal((await access.accessFor('user', n.uuid('user', 'user4')))?.kind, 'user');
        assert.equal(
          (await access.accessFor('participant', n.uuid('participant', 'Participant #3')))?.kind,
          'participant',
        );
        assert.equal(
          (await access.accessFor('device', n.uuid('device', 'Robot A')))?.kind,
          'device',
        );
        for (const kind of ['user', 'participant', 'device'] as const) {
          assert.equal(await access.accessFor(kind, randomUUID()), null, kind);
        }
        // A uuid of another kind is unknown for this kind.
        assert.equal(await access.userAccess(n.uuid('participant', 'Participant #1')), null);
      }),
    );

    test(
      'session memberships',
      seeded(async () => {
        for (const m of SESSION_MEMBERSHIPS) {
          const got = await access.sessionMemberships(m.kind, n.uuid(m.kind, m.name));
          assert.deepEqual(n.names('session', got), sorted(m.sessions), `${m.kind} ${m.name}`);
        }
        assert.equal((await access.sessionMemberships('user', randomUUID())).size, 0);
      }),
    );

    test(
      'principal records: names, enabled, project/site names, onlineable',
      seeded(async () => {
        const admin = await principals.find('user', n.uuid('user', 'admin'));
        assert.deepEqual(admin, {
          kind: 'user',
          uuid: n.uuid('user', 'admin'),
          id: 1,
          name: 'Super Admin',
          enabled: true,
        });
        const p1 = await principals.find('participant', n.uuid('participant', 'Participant #1'));
        assert.deepEqual(p1, {
          kind: 'participant',
          uuid: n.uuid('participant', 'Participant #1'),
          id: 1,
          name: 'Participant #1',
          enabled: true,
          projectName: 'Default Project #1',
          siteName: 'Default Site',
        });
        const secret = await principals.find(
          'participant',
          n.uuid('participant', 'Secret Participant'),
        );
        assert.equal(secret?.projectName, 'Secret Project #1');
        assert.equal(secret?.siteName, 'Top Secret Site');
        assert.equal(
          (await principals.find('participant', n.uuid('participant', 'Participant #2')))?.enabled,
          false,
        );
        const robot = await principals.find('device', n.uuid('device', 'Robot A'));
        assert.deepEqual(robot, {
          kind: 'device',
          uuid: n.uuid('device', 'Robot A'),
          id: 3,
          name: 'Robot A',
          enabled: false,
          onlineable: true,
        });
        assert.equal(await principals.find('user', randomUUID()), null);
        assert.equal(
          await principals.find('device', n.uuid('user', 'admin')),
          null,
          'a user uuid is not a device',
        );
      }),
    );

    test(
      'findMany returns the known principals keyed by uuid',
      seeded(async () => {
        const wanted = USERNAMES.map((u) => n.uuid('user', u));
        const unknown = randomUUID();
        const found = await principals.findMany('user', [...wanted, unknown, wanted[0]!]);
        assert.deepEqual(sorted(found.keys()), sorted(wanted));
        assert.equal(found.get(n.uuid('user', 'user4'))?.name, 'No Access User!');
        assert.equal((await principals.findMany('device', [])).size, 0);
        const devices = await principals.findMany('device', [
          n.uuid('device', 'Apple Watch #W05P1'),
        ]);
        assert.equal(
          devices.get('b707e0b2-e649-47e7-a938-2b949c423f73')?.name,
          'Apple Watch #W05P1',
        );
      }),
    );
  });

  accessCasesContract(open);
}
