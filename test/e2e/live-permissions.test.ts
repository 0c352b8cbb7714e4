/**
 * Live permission changes on one node, end to end: an admin changes access over the HTTP admin
 * API while websockets are open, and those connections see the new access without
 * reconnecting. A user added to a project's group starts receiving the presence of that
 * project's participants and devices, and stops once removed; a participant moved to another
 * project stops being seen by the users of the old one; a disabled or deleted user, participant
 * or device is disconnected (4000) and its tokens and websocket tickets stop working.
 *
 * An access refresh runs asynchronously after the change: each test first waits until a probe
 * (an event about the principal, published on the bus) is seen or not, then asserts on the
 * real presence events.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  basic,
  bearer,
  openSocket,
  startTestServer,
  type TestResponse,
  type TestServer,
  type TestSocket,
} from '../kit/server.js';
import {
  connect,
  frameTag,
  nextMatching,
  pack,
  publish,
  seeded,
  untilSentinel,
  wsUrl,
  type ParsedFrame,
  type Seeded,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import {
  DeviceEventSchema,
  ParticipantEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import type { PrincipalKind } from '../../src/principal.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { publishDatabaseEvent } from '../../src/admin/events.js';

const JOINED_SESSION = 5;
const DISCONNECT = { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' };
/** An upper bound for waits on a loaded machine, ms (never a timing assertion). */
const LONG = 30_000;

/** True when `f` is a presence event (`*_CONNECTED` / `*_DISCONNECTED`) about `uuid`. */
const presenceOf = (f: ParsedFrame, uuid: string, type: 'CONNECTED' | 'DISCONNECTED'): boolean =>
  (f.fields.participantUuid ?? f.fields.deviceUuid ?? f.fields.userUuid) === uuid &&
  String(f.fields.type).endsWith(`_${type}`);

const about = (f: ParsedFrame, uuid: string): boolean =>
  (f.fields.participantUuid ?? f.fields.deviceUuid ?? f.fields.userUuid) === uuid;

/** Reads `socket` until it has received the `type` presence event of every one of `uuids`. */
async function seesAll(
  socket: TestSocket,
  uuids: readonly string[],
  type: 'CONNECTED' | 'DISCONNECTED',
): Promise<void> {
  const missing = new Set(uuids);
  while (missing.size > 0) {
    const f = await nextMatching(socket, (g) => uuids.some((u) => presenceOf(g, u, type)), LONG);
    for (const u of uuids) if (presenceOf(f, u, type)) missing.delete(u);
  }
}

describe('live permission changes on one node', () => {
  let server: TestServer;
  let ids: Seeded;
  let adminAuth: string;
  let admin: TestSocket;
  const sockets: TestSocket[] = [];
  let seq = 0;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    const login = await server.request('/api/user/login', {
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(login.status, 200, login.text);
    adminAuth = bearer(login.json<{ user_token: string }>().user_token);
    admin = await open('user', ids.users.admin!);
  });
  after(async () => {
    for (const s of sockets) s.ws.terminate();
    await server.close();
  });

  async function open(kind: PrincipalKind, uuid: string): Promise<TestSocket> {
    const socket = await connect(server, kind, uuid);
    sockets.push(socket);
    return socket;
  }

  /** An admin API call as the superadmin; asserts it succeeded. */
  async function asAdmin(method: 'POST' | 'DELETE', path: string, body?: object) {
    const r = await server.request(path, {
      method,
      headers: { authorization: adminAuth },
      ...(body ? { body } : {}),
    });
    assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
    return r;
  }

  const idOf = async (table: 't_users' | 't_participants' | 't_devices', uuid: string) => {
    const k = server.deps.db.kysely;
    if (table === 't_users')
      return (
        await k
          .selectFrom('t_users')
          .select('id_user as id')
          .where('user_uuid', '=', uuid)
          .executeTakeFirstOrThrow()
      ).id;
    if (table === 't_participants')
      return (
        await k
          .selectFrom('t_participants')
          .select('id_participant as id')
          .where('participant_uuid', '=', uuid)
          .executeTakeFirstOrThrow()
      ).id;
    return (
      await k
        .selectFrom('t_devices')
        .select('id_device as id')
        .where('device_uuid', '=', uuid)
        .executeTakeFirstOrThrow()
    ).id;
  };

  /** Adds a user to a user group through OpenTera's user API. */
  async function addToGroup(idUser: number, idUserGroup: number): Promise<void> {
    await asAdmin('POST', '/api/user/users/usergroups', {
      user_user_group: { id_user: idUser, id_user_group: idUserGroup },
    });
  }

  /**
   * Publishes an event about the participant or device `uuid` (a JOINED_SESSION tagged with a
   * fresh marker), then a sentinel; true when `socket` (of `owner`) received the event.
   */
  async function probe(
    socket: TestSocket,
    owner: string,
    kind: 'participant' | 'device',
    uuid: string,
  ): Promise<boolean> {
    const tag = `probe${seq++}`;
    const event: Any =
      kind === 'participant'
        ? pack(ParticipantEventSchema, {
            participantUuid: uuid,
            type: JOINED_SESSION,
            participantName: tag,
          })
        : pack(DeviceEventSchema, { deviceUuid: uuid, type: JOINED_SESSION, deviceName: tag });
    await publish(server, USER_MANAGER_EVENTS, [event]);
    return (await untilSentinel(socket, owner, server)).some((f) => frameTag(f) === tag);
  }

  /** Waits until the access refresh makes `probe` answer `wanted`. */
  const settles = (wanted: boolean, check: () => Promise<boolean>, what: string) =>
    waitFor(async () => (await check()) === wanted, { what });

  test("a user added to a project's user group receives the presence of its participants and devices; removed, no longer", async () => {
    const user4 = ids.users.user4!;
    const p3 = ids.participants['Participant #3']!;
    const kit = ids.devices['Kit Télé #1']!;
    const group = await server.deps.db.kysely
      .selectFrom('t_users_groups')
      .select('id_user_group')
      .where('user_group_name', '=', 'Users - Project 1')
      .executeTakeFirstOrThrow();
    const watcher = await open('user', user4);
    assert.equal(await probe(watcher, user4, 'participant', p3), false, 'no access at first');

    // Added to the group as POST /api/user/userusergroups will add it; removed below through
    // POST /api/user/users (user_user_groups).
    const id = await idOf('t_users', user4);
    await addToGroup(id, group.id_user_group);
    await settles(true, () => probe(watcher, user4, 'participant', p3), 'access to Participant #3');
    const participant = await open('participant', p3);
    await nextMatching(watcher, (f) => presenceOf(f, p3, 'CONNECTED'), LONG);
    const device = await open('device', kit);
    await nextMatching(watcher, (f) => presenceOf(f, kit, 'CONNECTED'), LONG);

    // Removed: the same connection no longer sees them.
    await asAdmin('POST', '/api/user/users', { user: { id_user: id, user_user_groups: [] } });
    await settles(false, () => probe(watcher, user4, 'participant', p3), 'no access to P3');
    assert.equal(await probe(watcher, user4, 'device', kit), false, 'no access to the kit');
    participant.close();
    device.close();
    await seesAll(admin, [p3, kit], 'DISCONNECTED');
    const seen = await untilSentinel(watcher, user4, server);
    assert.deepEqual(
      seen.filter((f) => about(f, p3) || about(f, kit)),
      [],
      'no presence of the project once removed',
    );
    assert.equal(watcher.closed, null, 'never reconnected');
  });

  test('a participant moved to another project is no longer seen by the users of the old one', async () => {
    const user3 = ids.users.user3!; // Admins - Project 1
    const p3 = ids.participants['Participant #3']!;
    const k = server.deps.db.kysely;
    const project = async (name: string) =>
      (
        await k
          .selectFrom('t_projects')
          .select('id_project')
          .where('project_name', '=', name)
          .executeTakeFirstOrThrow()
      ).id_project;
    const watcher = await open('user', user3);
    assert.equal(await probe(watcher, user3, 'participant', p3), true, 'Project 1 is seen');

    const id = await idOf('t_participants', p3);
    await asAdmin('POST', '/api/user/participants', {
      participant: { id_participant: id, id_project: await project('Secret Project #1') },
    });
    try {
      await settles(false, () => probe(watcher, user3, 'participant', p3), 'P3 out of sight');
      const participant = await open('participant', p3);
      await nextMatching(admin, (f) => presenceOf(f, p3, 'CONNECTED'), LONG);
      const seen = await untilSentinel(watcher, user3, server);
      assert.deepEqual(
        seen.filter((f) => about(f, p3)),
        [],
        'the old project sees nothing',
      );
      participant.close();
      await nextMatching(admin, (f) => presenceOf(f, p3, 'DISCONNECTED'), LONG);
    } finally {
      await asAdmin('POST', '/api/user/participants', {
        participant: { id_participant: id, id_project: await project('Default Project #1') },
      });
    }
    await settles(true, () => probe(watcher, user3, 'participant', p3), 'P3 back in sight');
    watcher.close();
  });

  /** The upgrade answer for a ticket issued to `uuid` before it lost its right to connect. */
  const upgradeStatus = async (kind: PrincipalKind, ticket: string): Promise<number> => {
    const { socket, status } = await openSocket(wsUrl(server, kind, ticket));
    socket?.ws.terminate();
    return socket ? 101 : (status ?? 0);
  };
  const get = (path: string, authorization: string): Promise<TestResponse> =>
    server.request(path, { headers: { authorization } });
  /** A device's status post: 200 online, 403 offline, 401 for a token that no longer works. */
  const postStatus = (authorization: string): Promise<TestResponse> =>
    server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization },
      body: { status: {}, timestamp: 1 },
    });

  test('a disabled user is disconnected (4000); its token, password and tickets stop working', async () => {
    const uuid = ids.users.user2!;
    const id = await idOf('t_users', uuid);
    const login = await get('/api/user/login', basic('user2', 'user2'));
    assert.equal(login.status, 200);
    const token = bearer(login.json<{ user_token: string }>().user_token);
    assert.equal((await get('/api/user/users/online', token)).status, 200, 'token works');
    const socket = await open('user', uuid);
    const ticket = await server.deps.tickets.issue('user', uuid, 60_000);

    await asAdmin('POST', '/api/user/users', { user: { id_user: id, user_enabled: false } });
    try {
      assert.deepEqual(await socket.waitClose(LONG), DISCONNECT);
      assert.equal((await get('/api/user/users/online', token)).status, 401, 'token refused');
      assert.equal((await get('/api/user/login', basic('user2', 'user2'))).status, 401);
      assert.equal(await upgradeStatus('user', ticket), 403, 'ticket refused');
    } finally {
      await asAdmin('POST', '/api/user/users', { user: { id_user: id, user_enabled: true } });
    }
  });

  test('a disabled participant is disconnected (4000); its static and dynamic tokens and tickets stop working', async () => {
    const uuid = ids.participants['Participant #1']!;
    const id = await idOf('t_participants', uuid);
    const login = await get('/api/participant/login', basic('participant1', 'opentera'));
    assert.equal(login.status, 200, login.text);
    const { participant_token: dynamic, base_token: stat } = login.json<{
      participant_token: string;
      base_token: string;
    }>();
    for (const t of [dynamic, stat])
      assert.equal((await get('/api/participant/login', bearer(t))).status, 200, 'token works');
    const socket = await open('participant', uuid);
    const ticket = await server.deps.tickets.issue('participant', uuid, 60_000);

    await asAdmin('POST', '/api/user/participants', {
      participant: { id_participant: id, participant_enabled: false },
    });
    try {
      assert.deepEqual(await socket.waitClose(LONG), DISCONNECT);
      for (const t of [dynamic, stat])
        assert.equal((await get('/api/participant/login', bearer(t))).status, 401);
      assert.equal(
        (await get('/api/participant/login', basic('participant1', 'opentera'))).status,
        401,
      );
      assert.equal(await upgradeStatus('participant', ticket), 403, 'ticket refused');
    } finally {
      await asAdmin('POST', '/api/user/participants', {
        participant: { id_participant: id, participant_enabled: true },
      });
    }
  });

  test('a disabled device is disconnected (4000); its token and tickets stop working', async () => {
    const uuid = ids.devices['Apple Watch #W05P1']!;
    const id = await idOf('t_devices', uuid);
    const row = await server.deps.db.kysely
      .selectFrom('t_devices')
      .select('device_token')
      .where('id_device', '=', id)
      .executeTakeFirstOrThrow();
    const token = bearer(row.device_token!);
    const socket = await open('device', uuid);
    assert.equal((await postStatus(token)).status, 200, 'token works');
    const ticket = await server.deps.tickets.issue('device', uuid, 60_000);

    await asAdmin('POST', '/api/user/devices', {
      device: { id_device: id, device_enabled: false },
    });
    try {
      assert.deepEqual(await socket.waitClose(LONG), DISCONNECT);
      const r = await postStatus(token);
      assert.equal(r.status, 401);
      assert.equal(r.json(), 'Disabled device');
      assert.equal(await upgradeStatus('device', ticket), 403, 'ticket refused');
    } finally {
      await asAdmin('POST', '/api/user/devices', {
        device: { id_device: id, device_enabled: true },
      });
    }
    assert.equal((await postStatus(token)).status, 403, 'enabled again (and offline)');
  });

  test('a deleted user, participant and device are disconnected (4000); their tokens and tickets stop working', async () => {
    // Fresh principals, without dependants, so that they may be deleted.
    const created = await asAdmin('POST', '/api/user/users', {
      user: {
        id_user: 0,
        user_username: 'live_deleted',
        user_password: 'Live-Deleted-2024!',
        user_firstname: 'Live',
        user_lastname: 'Deleted',
        user_profile: '',
        user_enabled: true,
      },
    });
    const user = created.json<Array<{ id_user: number; user_uuid: string }>>()[0]!;
    const login = await get('/api/user/login', basic('live_deleted', 'Live-Deleted-2024!'));
    assert.equal(login.status, 200, login.text);
    const userToken = bearer(login.json<{ user_token: string }>().user_token);

    const project = await server.deps.db.kysely
      .selectFrom('t_projects')
      .select('id_project')
      .where('project_name', '=', 'Default Project #1')
      .executeTakeFirstOrThrow();
    const p = (
      await asAdmin('POST', '/api/user/participants', {
        participant: {
          id_participant: 0,
          id_project: project.id_project,
          participant_name: 'Live Deleted',
          participant_token_enabled: true,
        },
      })
    ).json<
      Array<{ id_participant: number; participant_uuid: string; participant_token: string }>
    >()[0]!;
    const type = await server.deps.db.kysely
      .selectFrom('t_devices_types')
      .select('id_device_type')
      .executeTakeFirstOrThrow();
    const d = (
      await asAdmin('POST', '/api/user/devices', {
        device: {
          id_device: 0,
          device_name: 'Live Deleted',
          id_device_type: type.id_device_type,
          device_enabled: true,
          device_onlineable: true,
        },
      })
    ).json<Array<{ id_device: number; device_uuid: string; device_token: string }>>()[0]!;
    const participantToken = bearer(p.participant_token);
    const deviceToken = bearer(d.device_token);
    assert.equal((await get('/api/participant/login', participantToken)).status, 200);

    const live = {
      user: await open('user', user.user_uuid),
      participant: await open('participant', p.participant_uuid),
      device: await open('device', d.device_uuid),
    };
    assert.equal((await postStatus(deviceToken)).status, 200, 'device token works');
    const tickets = {
      user: await server.deps.tickets.issue('user', user.user_uuid, 60_000),
      participant: await server.deps.tickets.issue('participant', p.participant_uuid, 60_000),
      device: await server.deps.tickets.issue('device', d.device_uuid, 60_000),
    };

    await asAdmin('DELETE', `/api/user/users?id=${user.id_user}`);
    await asAdmin('DELETE', `/api/user/participants?id=${p.id_participant}`);
    await asAdmin('DELETE', `/api/user/devices?id=${d.id_device}`);
    for (const socket of Object.values(live))
      assert.deepEqual(await socket.waitClose(LONG), DISCONNECT);
    assert.equal((await get('/api/user/users/online', userToken)).status, 401);
    assert.equal((await get('/api/participant/login', participantToken)).status, 401);
    assert.equal((await postStatus(deviceToken)).status, 401);
    for (const kind of ['user', 'participant', 'device'] as const)
      assert.equal(await upgradeStatus(kind, tickets[kind]), 403, `${kind} ticket refused`);
  });

  test('a delete event naming only the id still disconnects (4000): every node checks its principals', async () => {
    const k = server.deps.db.kysely;
    const type = await k
      .selectFrom('t_devices_types')
      .select('id_device_type')
      .executeTakeFirstOrThrow();
    const uuid = randomUUID();
    const { id_device } = await k
      .insertInto('t_devices')
      .values({
        device_uuid: uuid,
        device_name: 'Id Only',
        id_device_type: type.id_device_type,
        id_device_subtype: null,
        device_token: null,
        device_certificate: null,
        device_enabled: true,
        device_onlineable: true,
        device_config: null,
        device_infos: null,
        device_notes: null,
        device_lastonline: null,
        deleted_at: null,
      })
      .returning('id_device')
      .executeTakeFirstOrThrow();
    const socket = await open('device', uuid);
    await k
      .updateTable('t_devices')
      .set({ deleted_at: new Date().toISOString() })
      .where('id_device', '=', id_device)
      .execute();
    await publishDatabaseEvent(server.deps, 'device', 'delete', { id_device });
    assert.deepEqual(await socket.waitClose(LONG), DISCONNECT);
  });
});
