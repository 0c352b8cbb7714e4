/**
 * Every access computation runs a number of queries that does not depend on data size: the
 * counts on OpenTera's test dataset equal the counts after the data grew ten times, with the
 * measured principals' own access sets growing too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb, type Db } from '../../src/store/connect.js';
import { AccessStore } from '../../src/access/access-store.js';
import { PrincipalStore } from '../../src/access/principals.js';
import { loadNames, openSeeded, type Names } from '../contracts/access-support.js';
import { USERNAMES } from '../contracts/access-expected.js';
import * as R from './rows.js';

const PARTICIPANTS = ['Participant #1', 'Participant #2', 'Participant #3', 'Secret Participant'];
const DEVICES = ['Apple Watch #W05P1', 'Kit Télé #1', 'Robot A'];

/** Queries run by each computation, keyed by computation and principal. */
async function countQueries(
  db: Db,
  counter: { n: number },
  n: Names,
): Promise<Map<string, number>> {
  const access = new AccessStore(db);
  const principals = new PrincipalStore(db);
  const counts = new Map<string, number>();
  const measure = async (key: string, run: () => Promise<unknown>): Promise<void> => {
    counter.n = 0;
    await run();
    counts.set(key, counter.n);
  };
  for (const u of USERNAMES) {
    const uuid = n.uuid('user', u);
    await measure(`userAccess ${u}`, () => access.userAccess(uuid));
    await measure(`accessFor user ${u}`, () => access.accessFor('user', uuid));
    await measure(`sessionMemberships user ${u}`, () => access.sessionMemberships('user', uuid));
    await measure(`find user ${u}`, () => principals.find('user', uuid));
  }
  for (const p of PARTICIPANTS) {
    const uuid = n.uuid('participant', p);
    await measure(`participantAccess ${p}`, () => access.participantAccess(uuid));
    await measure(`sessionMemberships participant ${p}`, () =>
      access.sessionMemberships('participant', uuid),
    );
    await measure(`find participant ${p}`, () => principals.find('participant', uuid));
  }
  for (const d of DEVICES) {
    const uuid = n.uuid('device', d);
    await measure(`deviceAccess ${d}`, () => access.deviceAccess(uuid));
    await measure(`sessionMemberships device ${d}`, () =>
      access.sessionMemberships('device', uuid),
    );
    await measure(`find device ${d}`, () => principals.find('device', uuid));
  }
  const allUsers = await db.kysely.selectFrom('t_users').select('user_uuid').execute();
  await measure('findMany users', () =>
    principals.findMany(
      'user',
      allUsers.map((r) => r.user_uuid),
    ),
  );
  return counts;
}

/**
 * Adds nine times the test dataset around it: sites, projects (some on Default Site), user
 * groups (new ones, and new grants for the seeded ones), users, participants, devices,
 * device links and sessions, so that the seeded principals see more of everything.
 */
async function growTenTimes(db: Db): Promise<void> {
  const k = db.kysely;
  const other = await R.addService(k, 'GeneratedService');
  for (let i = 1; i <= 9; i++) {
    const site = await R.addSite(k, `Generated Site ${i}`);
    const pa = await R.addProject(k, site, `Generated A${i}`);
    const pb = await R.addProject(k, 1, `Generated B${i} (Default Site)`);
    const siteB = await R.addSite(k, `Generated Site ${i}b`);
    const pc = await R.addProject(k, siteB, `Generated C${i}`);
    const gUsers = await R.addGroup(k, `Generated users ${i}`);
    await R.grant(k, gUsers, await R.coreRole(k, 'user', { idProject: pa }));
    await R.grant(k, gUsers, await R.coreRole(k, 'user', { idProject: pb }));
    const gSite = await R.addGroup(k, `Generated site admins ${i}`);
    await R.grant(k, gSite, await R.coreRole(k, 'admin', { idSite: site }));
    const gProject = await R.addGroup(k, `Generated project admins ${i}`);
    await R.grant(k, gProject, await R.coreRole(k, 'admin', { idProject: pc }));
    const gOther = await R.addGroup(k, `Generated other service ${i}`);
    await R.grant(k, gOther, await R.addRole(k, other, 'therapist', { idProject: pc }));
    await R.addGroup(k, `Generated no access ${i}`);
    // The seeded groups reach the new projects too.
    await R.grant(k, 1, await R.coreRole(k, 'user', { idProject: pb }));
    await R.grant(k, 1, await R.coreRole(k, 'user', { idProject: pa }));
    await R.grant(k, 2, await R.coreRole(k, 'admin', { idProject: pb }));
    await R.grant(k, 4, await R.coreRole(k, 'user', { idProject: pc }));

    const users = [
      await R.addUser(k, `gen${i}-users`, [gUsers]),
      await R.addUser(k, `gen${i}-site`, [gSite, 1]),
      await R.addUser(k, `gen${i}-project`, [gProject, 2]),
      await R.addUser(k, `gen${i}-other`, [gOther]),
      await R.addUser(k, `gen${i}-both`, [gUsers, gProject, 4]),
      await R.addUser(k, `gen${i}-disabled`, [gUsers], false),
    ];
    const parts = [
      await R.addParticipant(k, pa, `Generated participant A${i}`),
      await R.addParticipant(k, pb, `Generated participant B${i}`),
      await R.addParticipant(k, pb, `Generated participant B'${i}`),
      await R.addParticipant(k, pc, `Generated participant C${i}`),
    ];
    const devices = [
      await R.addDevice(k, `Generated device ${i}a`, {
        sites: [1, site],
        participants: [1, parts[0]!.id],
      }),
      await R.addDevice(k, `Generated device ${i}b`, {
        sites: [site, siteB],
        participants: [2, parts[1]!.id],
      }),
      await R.addDevice(k, `Generated device ${i}c`, { sites: [1], participants: [parts[2]!.id] }),
    ];
    for (let s = 0; s < 28; s++) {
      await R.addSession(k, {
        users: [1, 2, 3, 5, users[s % users.length]!.id],
        participants: [1, 2, parts[s % parts.length]!.id],
        devices: [1, 2, devices[s % devices.length]!.id],
      });
    }
  }
}

test('access computations run the same number of queries on ten times the data', async () => {
  const counter = { n: 0 };
  const db = await openSeeded(() =>
    openDb('sqlite::memory:', { log: (e) => void (e.level === 'query' && counter.n++) }),
  );
  assert.ok(!('skip' in db));
  try {
    const before = await countQueries(db, counter, await loadNames(db));
    const access = new AccessStore(db);
    const n = await loadNames(db);
    const small = await access.userAccess(n.uuid('user', 'user'));

    await growTenTimes(db);
    const after = await countQueries(db, counter, await loadNames(db));
    const large = await access.userAccess(n.uuid('user', 'user'));

    assert.ok(small && large);
    assert.ok(
      large.participantUuids.size >= 10 * small.participantUuids.size,
      'the measured sets grew',
    );
    assert.ok(large.userUuids.size >= 10 * small.userUuids.size, 'the measured sets grew');
    assert.ok(large.deviceUuids.size >= 10 * small.deviceUuids.size, 'the measured sets grew');
    const membership = await access.sessionMemberships('user', n.uuid('user', 'admin'));
    assert.ok(membership.size >= 10 * 8, 'sessions grew');
    for (const [key, count] of before) assert.ok(count >= 1, `${key} ran a query`);
    assert.deepEqual(Object.fromEntries(after), Object.fromEntries(before));
  } finally {
    await db.close();
  }
});
