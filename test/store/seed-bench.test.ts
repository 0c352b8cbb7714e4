/** `--seed bench:N`: the load-test dataset's rows on every backend, and its logins on a real server. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { seedIfEmpty, type SeedReport } from '../../src/store/seed/seed.js';
import {
  BENCH_PASSWORD,
  BENCH_PROJECTS,
  benchDevice,
  benchParticipant,
} from '../../src/store/seed/bench.js';
import { SETTING, getSetting } from '../../src/store/queries/settings.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { verifyHs256 } from '../../src/auth/jwt.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { ParticipantEventSchema, ParticipantEvent_EventType } from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { BACKENDS, backendSuite } from '../kit/backends.js';
import {
  basic,
  openSocket,
  startTestServer,
  type TestServer,
  type TestSocket,
} from '../kit/server.js';
import { nextMatching, pack, parseFrame, publish, seeded } from '../kit/sockets.js';

const N = 25;

test('--seed accepts bench:N for N from 1 to 100000', () => {
  for (const seed of ['bench:1', 'bench:5000', 'bench:100000'])
    assert.equal(loadConfig({ env: {}, flags: { seed } }).seed, seed);
  for (const seed of ['bench:0', 'bench:-1', 'bench:100001', 'bench:', 'bench:1.5'])
    assert.throws(
      () => loadConfig({ env: {}, flags: { seed } }),
      (e: unknown) => e instanceof ConfigError && e.setting === '--seed',
      seed,
    );
});

for (const backend of BACKENDS) {
  describe(`seed bench:${N} on ${backend.name}`, () => {
    let report: SeedReport | null = null;
    const suite = backendSuite(backend, async (db) => {
      await migrateToLatest(db);
      report = await seedIfEmpty(db, `bench:${N}`);
    });
    const k = (): Kysely<Database> => suite.db.kysely;
    const count = async (table: keyof Database): Promise<number> => {
      const row = await k()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    test('row counts: admin, N watchers, N project users, N participants, N devices', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      assert.equal(await count('t_users'), 1 + 2 * N);
      assert.equal(await count('t_projects'), BENCH_PROJECTS);
      assert.equal(await count('t_users_groups'), BENCH_PROJECTS);
      assert.equal(await count('t_participants_groups'), BENCH_PROJECTS);
      assert.equal(await count('t_users_users_groups'), N);
      assert.equal(await count('t_participants'), N);
      assert.equal(await count('t_devices'), N);
      assert.equal(await count('t_devices_projects'), N);
      assert.equal(await count('t_devices_sites'), N);
      assert.equal(await count('t_devices_participants'), N);
      const superadmins = await k()
        .selectFrom('t_users')
        .select('user_username')
        .where('user_superadmin', '=', true)
        .execute();
      assert.equal(superadmins.length, 1 + N, 'admin and the watchers');
    });

    test('one cheap bcrypt hash of the documented password for every bench user', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const hashes = await k()
        .selectFrom('t_users')
        .select('user_password')
        .where('user_username', '!=', 'admin')
        .distinct()
        .execute();
      assert.equal(hashes.length, 1);
      assert.match(hashes[0]!.user_password, /^\$2b\$04\$/);
      assert.ok(await verifyPassword(BENCH_PASSWORD, hashes[0]!.user_password));
    });

    test('participants and devices carry static tokens signed with their keys', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const deviceKey = (await getSetting(suite.db, SETTING.TokenEncryptionKey))!;
      const participantKey = (await getSetting(suite.db, SETTING.ParticipantTokenEncryptionKey))!;
      const devices = await k().selectFrom('t_devices').selectAll().execute();
      for (const d of devices) {
        const claims = await verifyHs256(d.device_token!, deviceKey);
        assert.equal(claims?.device_uuid, d.device_uuid);
        assert.equal(claims?.id_device, d.id_device);
        assert.equal(d.device_enabled && d.device_onlineable, true);
      }
      const participants = await k().selectFrom('t_participants').selectAll().execute();
      for (const p of participants) {
        const claims = await verifyHs256(p.participant_token!, participantKey);
        assert.equal(claims?.participant_uuid, p.participant_uuid);
        assert.equal(p.participant_token_enabled, true);
      }
      const device1 = devices.find((d) => d.device_name === benchDevice(1));
      const shown = report?.credentials.find((c) => c.kind === 'device');
      assert.equal(shown?.token, device1?.device_token, 'the report shows device 1 token');
      assert.equal(await seedIfEmpty(suite.db, `bench:${N}`), null, 'seeding twice is a no-op');
    });
  });
}

describe(`a server seeded with bench:${N}`, () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  before(async () => {
    server = await startTestServer({ seed: `bench:${N}` });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  /** Logs a user in with the bench password and opens its websocket; reads its own CONNECTED. */
  async function watch(username: string): Promise<TestSocket> {
    const r = await server.request('/api/user/login?with_websocket=true', {
      headers: { authorization: basic(username, BENCH_PASSWORD) },
    });
    assert.equal(r.status, 200, r.text);
    const { socket, status } = await openSocket(r.json<{ websocket_url: string }>().websocket_url);
    assert.ok(socket, `upgrade refused with ${status}`);
    sockets.push(socket);
    const first = parseFrame(await socket.next());
    assert.equal(first.fields.type, 'USER_CONNECTED');
    return socket;
  }

  const participantEvent = (uuid: string, name: string) =>
    pack(ParticipantEventSchema, {
      participantUuid: uuid,
      participantName: name,
      type: ParticipantEvent_EventType.PARTICIPANT_CONNECTED,
    });

  test('a watcher logs in with the bench password and sees every participant', async () => {
    const socket = await watch('bench-watcher-1');
    const { participants } = await seeded(server);
    const last = benchParticipant(N);
    await publish(server, USER_MANAGER_EVENTS, [participantEvent(participants[last]!, last)]);
    const frame = await nextMatching(socket, (f) => f.type === 'ParticipantEvent');
    assert.equal(frame.fields.participantName, last);
  });

  test("a project user sees its project's participants only", async () => {
    const socket = await watch('bench-user-1');
    const { participants } = await seeded(server);
    // Participant 2 is in project 2, participant 1 in project 1 (bench-user-1's): one topic
    // keeps its order, so the first ParticipantEvent read shows whether participant 2 passed.
    for (const i of [2, 1]) {
      const name = benchParticipant(i);
      await publish(server, USER_MANAGER_EVENTS, [participantEvent(participants[name]!, name)]);
    }
    const frame = await nextMatching(socket, (f) => f.type === 'ParticipantEvent');
    assert.equal(frame.fields.participantName, benchParticipant(1));
  });

  test('a device logs in with its static token and connects', async () => {
    const device = await server.deps.db.kysely
      .selectFrom('t_devices')
      .select(['device_token', 'device_uuid'])
      .where('device_name', '=', benchDevice(3))
      .executeTakeFirstOrThrow();
    const r = await server.request(
      `/api/device/login?token=${encodeURIComponent(device.device_token!)}`,
    );
    assert.equal(r.status, 200, r.text);
    const body = r.json<{
      device_info: { device_uuid: string };
      participants_info: Array<{ participant_name: string }>;
      websocket_url: string;
    }>();
    assert.equal(body.device_info.device_uuid, device.device_uuid);
    assert.deepEqual(
      body.participants_info.map((p) => p.participant_name),
      [benchParticipant(3)],
    );
    const { socket, status } = await openSocket(body.websocket_url);
    assert.ok(socket, `upgrade refused with ${status}`);
    sockets.push(socket);
    const first = parseFrame(await socket.next());
    assert.equal(first.fields.type, 'DEVICE_CONNECTED');
  });
});
