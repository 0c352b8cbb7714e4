/**
 * `import-opentera` against a PostgreSQL database built from OpenTera 1.3's schema and test
 * dataset (test/fixtures/opentera-*.sql), into a SQLite file and into PostgreSQL:
 * - every row arrives with its id, uuid and values; the report counts each table; sequences move
 *   past the copied ids;
 * - every login of the test dataset works through a real TeraRelay server on the imported
 *   database (user and participant passwords, participant and device static tokens), and the
 *   refusals OpenTera gives stay refusals;
 * - every principal's access sets equal what the property tests' SQL oracle computes on the
 *   fixture itself (loaded into SQLite: the oracle reads OpenTera's tables, nothing of TeraRelay);
 * - soft-deleted rows keep `deleted_at`; deleted link rows stay behind;
 * - a non-empty target, a non-OpenTera source and the OpenTera database itself as target are
 *   refused (exit 2); a copy failing midway leaves the target empty (one transaction).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { openDb, type Db } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { seedIfEmpty } from '../../src/store/seed/seed.js';
import { AccessStore } from '../../src/access/access-store.js';
import { importOpenTeraInto } from '../../src/store/import/import-opentera.js';
import { ImportError } from '../../src/store/import/errors.js';
import { formatReport, type ImportReport } from '../../src/store/import/report.js';
import { IMPORT_PLAN } from '../../src/store/import/tables.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { basic, bearer, startTestServer, type TestServer } from '../kit/server.js';
import { run } from '../kit/cli.js';
import { Oracle, TOPIC, type Kind, type PlainEvent } from '../property/oracle.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const [SCHEMA, DATASET] = await Promise.all([
  readFile(join(FIXTURES, 'opentera-1.3-schema.sql'), 'utf8'),
  readFile(join(FIXTURES, 'opentera-test-dataset.sql'), 'utf8'),
]);

type Skippable<T> = T | { skip: string };

/** A PostgreSQL database with OpenTera's schema and test dataset, then `extra` SQL. */
async function openTeraSource(extra = ''): Promise<Skippable<TestDatabase>> {
  const db = await createTestDatabase();
  if ('skip' in db) return db;
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(SCHEMA);
    await c.query(DATASET);
    if (extra) await c.query(extra);
  } finally {
    await c.end();
  }
  return db;
}

/** Plain SQL on the source, no TeraRelay code involved. */
async function sourceQuery<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

interface Target {
  url: string;
  drop(): Promise<void>;
}

const TARGETS: Array<{ name: string; open(): Promise<Skippable<Target>> }> = [
  {
    name: 'a SQLite file',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'terarelay-import-'));
      return {
        url: `sqlite:${join(dir, 'terarelay.db')}`,
        drop: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  { name: 'PostgreSQL', open: () => createTestDatabase() },
];

/** The source and a fresh target for one describe block, dropped after it. */
function importSuite(name: string, target: (typeof TARGETS)[number], extraSql = '') {
  const state: { source?: TestDatabase; target?: Target; skip?: string } = {};
  before(async () => {
    const source = await openTeraSource(extraSql);
    if ('skip' in source) return void (state.skip = source.skip);
    state.source = source;
    const t = await target.open();
    if ('skip' in t) return void (state.skip = t.skip);
    state.target = t;
  });
  after(async () => {
    await state.target?.drop();
    await state.source?.drop();
  });
  return {
    get skip() {
      return state.skip;
    },
    get source() {
      return state.source!;
    },
    get target() {
      return state.target!;
    },
    name,
  };
}

const iso = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : v);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** Timestamps as epoch ms (ISO strings from either engine), every other value as is. */
const normal = (row: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => {
      const value = iso(v);
      return [k, typeof value === 'string' && TIMESTAMP.test(value) ? Date.parse(value) : value];
    }),
  );

/** The oracle's sets for one principal, read from what it lets that principal receive. */
function oracleSets(
  oracle: Oracle,
  kind: Kind,
  uuid: string,
  all: Record<'users' | 'participants' | 'devices' | 'sessions', string[]>,
): Record<'users' | 'participants' | 'devices' | 'sessions', string[]> {
  const probe = (type: 'UserEvent' | 'ParticipantEvent' | 'DeviceEvent', of: string[]) =>
    of.map((u): PlainEvent => ({ type, uuid: u, eventType: 0, tag: `${type}|${u}` }));
  const events: PlainEvent[] = [
    ...probe('UserEvent', all.users),
    ...probe('ParticipantEvent', all.participants),
    ...probe('DeviceEvent', all.devices),
    ...all.sessions.map((s): PlainEvent => ({
      type: 'LeaveSessionEvent',
      session: s,
      tag: `Session|${s}`,
    })),
  ];
  const tags = oracle
    .expected(kind, uuid, [{ topic: TOPIC.userManagerEvents, events }])
    .get(TOPIC.userManagerEvents);
  const of = (prefix: string) =>
    (tags ?? [])
      .filter((t) => t.startsWith(`${prefix}|`))
      .map((t) => t.slice(prefix.length + 1))
      .sort();
  return {
    users: of('UserEvent'),
    participants: of('ParticipantEvent'),
    devices: of('DeviceEvent'),
    sessions: of('Session'),
  };
}

/** The fixture loaded into a SQLite file (sequences skipped), for the oracle. */
async function fixtureOracle(): Promise<{ oracle: Oracle; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'terarelay-oracle-'));
  const path = join(dir, 'opentera.sqlite');
  const db = new Database(path);
  db.exec(SCHEMA.replace(/^CREATE SEQUENCE [^;\n]*;$/gm, ''));
  db.exec(DATASET);
  db.close();
  const oracle = new Oracle(path);
  return {
    oracle,
    async close() {
      oracle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** The number a `SELECT count(*) AS n …` returns on the source. */
async function sourceCount(url: string, text: string): Promise<number> {
  return Number((await sourceQuery<{ n: string }>(url, text))[0]?.n);
}

async function rowCounts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table } of IMPORT_PLAN) {
    const r = await db.kysely
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

for (const backend of TARGETS) {
  describe(`import-opentera into ${backend.name}`, () => {
    const suite = importSuite('dataset', backend);
    let report: ImportReport;
    const skipped = (t: { skip(m: string): void }): boolean => {
      if (suite.skip) t.skip(suite.skip);
      return suite.skip !== undefined;
    };
    before(async () => {
      if (!suite.skip) report = await importOpenTeraInto(suite.source.url, suite.target.url);
    });

    test('the report counts every table, as many rows as OpenTera holds, nothing left behind', async (t) => {
      if (skipped(t)) return;
      for (const { table, copied, leftBehind } of report.tables) {
        const n = await sourceCount(suite.source.url, `SELECT count(*) AS n FROM ${table}`);
        assert.equal(copied, n, table);
        assert.equal(leftBehind, 0, table);
      }
      assert.deepEqual(
        report.tables.map((r) => r.table),
        IMPORT_PLAN.map((p) => p.table),
      );
      assert.deepEqual(report.settings.leftBehind, []);
      assert.deepEqual(report.tokens.devices, { verified: 3, failed: [], keyPresent: true });
      assert.deepEqual(report.tokens.participants, { verified: 2, failed: [], keyPresent: true });
    });

    test('every TeraRelay table is imported, and every row keeps its id, uuid and values', async (t) => {
      if (skipped(t)) return;
      const db = await openDb(suite.target.url);
      try {
        const { rows: tables } =
          db.dialect === 'postgres'
            ? await sql<{ name: string }>`select table_name as name from information_schema.tables
                where table_schema = current_schema() and table_name like 't\\_%'`.execute(
                db.kysely,
              )
            : await sql<{ name: string }>`select name from sqlite_master
                where type = 'table' and name like 't\\_%' escape '\\'`.execute(db.kysely);
        assert.deepEqual(
          sorted(tables.map((r) => r.name)),
          sorted(IMPORT_PLAN.map((p) => p.table)),
          'the import plan names every OpenTera table of the TeraRelay schema',
        );
        for (const plan of IMPORT_PLAN) {
          const expected = await sourceQuery<Record<string, unknown>>(
            suite.source.url,
            `SELECT ${plan.columns.join(', ')} FROM ${plan.table} ORDER BY ${plan.id}`,
          );
          const actual = await db.kysely
            .selectFrom(plan.table)
            .select(plan.columns as never)
            .orderBy(plan.id as never)
            .execute();
          assert.deepEqual(
            actual.map((r) => normal(r as Record<string, unknown>)),
            expected.map(normal),
            plan.table,
          );
        }
      } finally {
        await db.close();
      }
    });

    describe('through a real TeraRelay server on the imported database', () => {
      let server: TestServer;
      const uuids = new Map<string, string>();
      const tokens = new Map<string, string>();
      before(async () => {
        if (suite.skip) return;
        for (const r of await sourceQuery<{ name: string; uuid: string; token: string | null }>(
          suite.source.url,
          `SELECT user_username AS name, user_uuid AS uuid, NULL AS token FROM t_users
           UNION ALL SELECT participant_name, participant_uuid, participant_token FROM t_participants
           UNION ALL SELECT device_name, device_uuid, device_token FROM t_devices`,
        )) {
          uuids.set(r.name, r.uuid);
          if (r.token) tokens.set(r.name, r.token);
        }
        server = await startTestServer({ db: suite.target.url, seed: 'none' });
      });
      after(async () => {
        await server?.close();
      });

      test('every user logs in with the password OpenTera had (bcrypt hashes kept)', async (t) => {
        if (skipped(t)) return;
        for (const username of ['admin', 'siteadmin', 'user', 'user2', 'user3', 'user4']) {
          const r = await server.request('/api/user/login', {
            headers: { authorization: basic(username, username) },
          });
          assert.equal(r.status, 200, `${username}: ${r.text}`);
          assert.equal(r.json<{ user_uuid: string }>().user_uuid, uuids.get(username));
        }
        const wrong = await server.request('/api/user/login', {
          headers: { authorization: basic('user', 'admin') },
        });
        assert.equal(wrong.status, 401);
      });

      test('participants log in with their password and with their static tokens', async (t) => {
        if (skipped(t)) return;
        const byPassword = await server.request('/api/participant/login', {
          headers: { authorization: basic('participant1', 'opentera') },
        });
        assert.equal(byPassword.status, 200, byPassword.text);
        assert.equal(
          byPassword.json<{ participant_uuid: string }>().participant_uuid,
          uuids.get('Participant #1'),
        );
        for (const name of ['Participant #1', 'Secret Participant']) {
          const r = await server.request('/api/participant/login', {
            headers: { authorization: bearer(tokens.get(name)!) },
          });
          assert.equal(r.status, 200, `${name}: ${r.text}`);
          const body = r.json<{ participant_uuid: string; base_token: string }>();
          assert.equal(body.participant_uuid, uuids.get(name));
          assert.equal(body.base_token, tokens.get(name));
        }
      });

      test('devices log in with their static tokens; the disabled robot is refused as on OpenTera', async (t) => {
        if (skipped(t)) return;
        for (const name of ['Apple Watch #W05P1', 'Kit Télé #1']) {
          const r = await server.request(
            `/api/device/login?token=${encodeURIComponent(tokens.get(name)!)}`,
          );
          assert.equal(r.status, 200, `${name}: ${r.text}`);
          assert.equal(
            r.json<{ device_info: { device_uuid: string } }>().device_info.device_uuid,
            uuids.get(name),
          );
        }
        const robot = await server.request('/api/device/login', {
          headers: { authorization: bearer(tokens.get('Robot A')!) },
        });
        assert.equal(robot.status, 401);
        assert.equal(robot.json(), 'Disabled device');
      });
    });

    test("every principal's access sets equal the oracle's on the OpenTera fixture", async (t) => {
      if (skipped(t)) return;
      const { oracle, close } = await fixtureOracle();
      const db = await openDb(suite.target.url);
      try {
        const access = new AccessStore(db);
        const list = async (sql: string) =>
          (await sourceQuery<{ uuid: string }>(suite.source.url, sql)).map((r) => r.uuid);
        const all = {
          users: await list('SELECT user_uuid AS uuid FROM t_users'),
          participants: await list('SELECT participant_uuid AS uuid FROM t_participants'),
          devices: await list('SELECT device_uuid AS uuid FROM t_devices'),
          sessions: await list('SELECT session_uuid AS uuid FROM t_sessions'),
        };
        let seen = 0;
        for (const uuid of all.users) {
          const want = oracleSets(oracle, 'user', uuid, all);
          const a = (await access.userAccess(uuid))!;
          assert.deepEqual(sorted(a.userUuids), want.users, `user ${uuid}: users`);
          assert.deepEqual(sorted(a.participantUuids), want.participants, `user ${uuid}`);
          assert.deepEqual(sorted(a.deviceUuids), want.devices, `user ${uuid}: devices`);
          assert.deepEqual(
            sorted(await access.sessionMemberships('user', uuid)),
            want.sessions,
            `user ${uuid}: sessions`,
          );
          seen += want.users.length + want.participants.length + want.devices.length;
        }
        for (const uuid of all.participants) {
          const want = oracleSets(oracle, 'participant', uuid, all);
          assert.deepEqual(
            sorted((await access.participantAccess(uuid))!.deviceUuids),
            want.devices,
          );
          assert.deepEqual(
            sorted(await access.sessionMemberships('participant', uuid)),
            want.sessions,
          );
          seen += want.devices.length + want.sessions.length;
        }
        for (const uuid of all.devices) {
          const want = oracleSets(oracle, 'device', uuid, all);
          assert.deepEqual(
            sorted((await access.deviceAccess(uuid))!.participantUuids),
            want.participants,
          );
          assert.deepEqual(sorted(await access.sessionMemberships('device', uuid)), want.sessions);
          seen += want.participants.length + want.sessions.length;
        }
        // The superadmin alone sees 6 users, 4 participants and 3 devices: the sets are not empty.
        assert.ok(seen > 13, `the oracle's sets hold ${seen} entries`);
      } finally {
        await db.close();
        await close();
      }
    });

    test('sequences move past the copied ids: the next inserts get fresh ids', async (t) => {
      if (skipped(t)) return;
      const db = await openDb(suite.target.url);
      try {
        const site = await db.kysely
          .insertInto('t_sites')
          .values({ site_name: 'After the import' })
          .returning('id_site')
          .executeTakeFirstOrThrow();
        assert.equal(site.id_site, 3);
        const group = await db.kysely
          .insertInto('t_users_groups')
          .values({ user_group_name: 'After the import' })
          .returning('id_user_group')
          .executeTakeFirstOrThrow();
        assert.equal(group.id_user_group, 6);
        await db.kysely.deleteFrom('t_sites').where('id_site', '=', 3).execute();
        await db.kysely.deleteFrom('t_users_groups').where('id_user_group', '=', 6).execute();
      } finally {
        await db.close();
      }
    });
  });
}

const DELETED = '2025-02-01 09:00:00+00';
const SOFT_DELETES = `
  UPDATE t_users SET deleted_at = '${DELETED}' WHERE user_username = 'user4';
  UPDATE t_users_users_groups SET deleted_at = '${DELETED}' WHERE id_user_user_group = 4;
  UPDATE t_devices_sites SET deleted_at = '${DELETED}' WHERE id_device_site = 2;
  UPDATE t_services_roles SET deleted_at = '${DELETED}' WHERE id_service_role IN (7, 8);
  UPDATE t_sessions_types SET deleted_at = '${DELETED}' WHERE id_session_type = 4;
  UPDATE t_sessions SET deleted_at = '${DELETED}' WHERE id_session = 1;
  UPDATE t_sessions_users SET deleted_at = '${DELETED}' WHERE id_session = 1;
  UPDATE t_sessions_participants SET deleted_at = '${DELETED}' WHERE id_session = 1;
  INSERT INTO t_sessions_types_sites VALUES (1, 7, 4, 2, NULL);
  INSERT INTO t_sessions_users VALUES (1, 22, 2, NULL, NULL);
  INSERT INTO t_server_settings VALUES (1, 6, 'LegacyFlag', 'on');
  UPDATE t_devices SET device_token = 'not.a.token' WHERE device_name = 'Robot A';
`;

for (const backend of TARGETS) {
  describe(`soft-deleted OpenTera rows, into ${backend.name}`, () => {
    const suite = importSuite('soft deletes', backend, SOFT_DELETES);
    test('deleted_at is kept where TeraRelay keeps it; deleted links and their grants stay behind', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const report = await importOpenTeraInto(suite.source.url, suite.target.url);
      const line = (table: string) => report.tables.find((r) => r.table === table)!;
      assert.deepEqual(line('t_users'), {
        table: 't_users',
        copied: 6,
        leftBehind: 0,
        softDeleted: 1,
      });
      assert.equal(line('t_users_users_groups').leftBehind, 1);
      assert.equal(line('t_devices_sites').leftBehind, 1);
      assert.equal(line('t_services_roles').leftBehind, 2);
      assert.equal(line('t_services_access').leftBehind, 2, 'the grants of deleted roles');
      assert.equal(line('t_sessions_types').softDeleted, 1);
      assert.equal(line('t_sessions').softDeleted, 1);
      assert.equal(line('t_sessions_users').leftBehind, 2, "session 1's member, a null member");
      assert.equal(line('t_sessions_participants').leftBehind, 1);
      assert.equal(line('t_sessions_types_sites').leftBehind, 1, 'a duplicate pair');
      assert.deepEqual(report.settings.leftBehind, ['LegacyFlag']);
      assert.deepEqual(report.tokens.devices, { verified: 2, failed: [3], keyPresent: true });
      const printed = formatReport(report);
      assert.match(printed, /^ {2}t_users +6 {2}\(1 soft-deleted, deleted_at kept\)$/m);
      assert.match(printed, /^ {2}t_devices_sites +2 {2}\(1 left behind: deleted in OpenTera/m);
      assert.match(printed, /; left behind: LegacyFlag$/m);
      assert.match(
        printed,
        /^Warning: 1 of 3 device tokens do not verify with TokenEncryptionKey \(device ids 3\)/m,
      );

      const db = await openDb(suite.target.url);
      try {
        const k = db.kysely;
        const user4 = await k
          .selectFrom('t_users')
          .select(['id_user', 'deleted_at'])
          .where('user_username', '=', 'user4')
          .executeTakeFirstOrThrow();
        assert.deepEqual(user4, { id_user: 6, deleted_at: '2025-02-01T09:00:00.000Z' });
        const session = await k
          .selectFrom('t_sessions')
          .select('deleted_at')
          .where('id_session', '=', 1)
          .executeTakeFirstOrThrow();
        assert.equal(session.deleted_at, '2025-02-01T09:00:00.000Z');
        const ids = async (table: string, id: string) =>
          (
            await sql<{ id: number }>`select ${sql.ref(id)} as id from ${sql.table(table)}
              order by ${sql.ref(id)}`.execute(k)
          ).rows.map((r) => r.id);
        assert.deepEqual(await ids('t_devices_sites', 'id_device_site'), [1, 3]);
        assert.deepEqual(
          await ids('t_services_access', 'id_service_access'),
          [1, 2, 3, 4, 5, 7, 9],
        );
        // What OpenTera no longer showed, TeraRelay does not show: siteadmin (admin of Default
        // Site) no longer sees the Kit, whose link to the site was deleted.
        const kit = await k
          .selectFrom('t_devices')
          .select('device_uuid')
          .where('device_name', '=', 'Kit Télé #1')
          .executeTakeFirstOrThrow();
        const siteadmin = await k
          .selectFrom('t_users')
          .select('user_uuid')
          .where('user_username', '=', 'siteadmin')
          .executeTakeFirstOrThrow();
        const access = await new AccessStore(db).userAccess(siteadmin.user_uuid);
        assert.equal(access!.deviceUuids.has(kit.device_uuid), false);
        assert.equal(access!.deviceUuids.size, 1);
      } finally {
        await db.close();
      }
    });
  });
}

/** A participant link to a participant that does not exist: PostgreSQL lets OpenTera's lax FKs drift. */
const DANGLING = `
  ALTER TABLE t_devices_participants DROP CONSTRAINT t_devices_participants_id_participant_fkey;
  INSERT INTO t_devices_participants VALUES (1, 4, 3, 99, NULL);
`;

for (const backend of TARGETS) {
  describe(`a copy failing midway, into ${backend.name}`, () => {
    const suite = importSuite('dangling', backend, DANGLING);
    test('fails with COPY_FAILED naming the table, and nothing is written', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      await assert.rejects(importOpenTeraInto(suite.source.url, suite.target.url), (e) => {
        assert.ok(e instanceof ImportError);
        assert.equal(e.code, 'COPY_FAILED');
        assert.equal(e.exitCode, 1);
        assert.match(e.message, /^copying t_devices_participants failed: .+; nothing was written$/);
        return true;
      });
      const db = await openDb(suite.target.url);
      try {
        const counts = await rowCounts(db);
        assert.deepEqual(
          Object.entries(counts).filter(([, n]) => n > 0),
          [],
          'every table is empty, those copied before t_devices_participants included',
        );
      } finally {
        await db.close();
      }
    });
  });
}

describe('refusals', () => {
  let source: Skippable<TestDatabase> = { skip: 'not created' };
  const drops: Array<() => Promise<void>> = [];
  before(async () => {
    source = await openTeraSource();
  });
  after(async () => {
    for (const drop of drops) await drop();
    if (!('skip' in source)) await source.drop();
  });

  test('a target that already holds data is refused (TARGET_NOT_EMPTY) and left as it was', async (t) => {
    if ('skip' in source) return t.skip(source.skip);
    const target = await createTestDatabase();
    if ('skip' in target) return t.skip(target.skip);
    drops.push(() => target.drop());
    const db = await openDb(target.url);
    try {
      await migrateToLatest(db);
      await seedIfEmpty(db, 'defaults');
      const before = await rowCounts(db);
      await assert.rejects(importOpenTeraInto(source.url, target.url), (e) => {
        assert.ok(e instanceof ImportError);
        assert.equal(e.code, 'TARGET_NOT_EMPTY');
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /already holds data \(t_server_settings, t_services/);
        return true;
      });
      assert.deepEqual(await rowCounts(db), before);
    } finally {
      await db.close();
    }
  });

  test('the OpenTera database itself as target is refused before anything is created there', async (t) => {
    if ('skip' in source) return t.skip(source.skip);
    await assert.rejects(importOpenTeraInto(source.url, source.url), { code: 'SAME_DATABASE' });
    const n = await sourceCount(
      source.url,
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'terarelay%'`,
    );
    assert.equal(n, 0);
  });

  test('a source that is not an OpenTera 1.3 database is refused, naming what it lacks', async (t) => {
    if ('skip' in source) return t.skip(source.skip);
    const older = await createTestDatabase();
    if ('skip' in older) return t.skip(older.skip);
    drops.push(() => older.drop());
    await sourceQuery(older.url, SCHEMA);
    await sourceQuery(older.url, 'ALTER TABLE t_users DROP COLUMN user_2fa_enabled');
    await assert.rejects(
      importOpenTeraInto(older.url, 'sqlite::memory:'),
      (e) =>
        e instanceof ImportError &&
        e.code === 'SOURCE_NOT_OPENTERA' &&
        /is not an OpenTera 1\.3 database: it lacks t_users\.user_2fa_enabled$/.test(e.message),
    );
    await assert.rejects(importOpenTeraInto('sqlite:/tmp/opentera.db', 'sqlite::memory:'), {
      code: 'SOURCE_NOT_POSTGRES',
    });
  });

  test('the command prints a count per table, then refuses a second run with exit code 2', async (t) => {
    if ('skip' in source) return t.skip(source.skip);
    const dir = await mkdtemp(join(tmpdir(), 'terarelay-import-cli-'));
    drops.push(() => rm(dir, { recursive: true, force: true }));
    const args = ['import-opentera', source.url, '--db', `sqlite:${join(dir, 'terarelay.db')}`];
    const first = await run(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^ {2}t_users +6$/m);
    assert.match(first.stdout, /^ {2}t_sessions +28$/m);
    assert.match(
      first.stdout,
      /Static tokens verified with the copied keys: 3 device tokens, 2 participant tokens\./,
    );
    assert.doesNotMatch(first.stdout, /AcSQss02ksPL1XoEMYC0kMm5rXuyjJ4W/, 'no key is printed');
    const second = await run(args);
    assert.equal(second.code, 2);
    assert.equal(second.stdout, '');
    assert.match(
      second.stderr,
      /^terarelay: import-opentera: sqlite:.+ already holds data \(.+\): import into a new, empty database/,
    );
    assert.equal(second.stderr.trim().split('\n').length, 1);
  });
});
