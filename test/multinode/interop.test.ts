/**
 * Drop-in interop with OpenTera's Python services: a node on Redis and PostgreSQL, driven from
 * outside through OpenTera's Redis protocol only (plain ioredis links, binary protobuf payloads,
 * the JSON RPC replies of spec §6.3), as VideoRehab, FileTransfer or Logging would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify } from 'jose';
import { basic, bearer, startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import {
  ArchiveEvent_StatusType,
  ArchiveEventSchema,
  DeviceEvent_EventType,
  JoinSessionEventSchema,
  ServerCommand_CommandType,
  ServerCommandSchema,
  StopSessionEventSchema,
  UserEvent_EventType,
  UserEventSchema,
} from '../../src/protocol/messages.js';
import {
  directTopic,
  serviceEventsTopic,
  twistedCommandsTopic,
  USER_MANAGER_RPC,
} from '../../src/topics.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { connect, nextMatching, pack, seeded, type Seeded } from '../kit/sockets.js';
import { OpenTeraService } from '../kit/opentera-redis.js';

describe('OpenTera Redis interop', () => {
  let redis: PrivateRedis | { skip: string };
  let pg: TestDatabase | { skip: string };
  let server: TestServer | null = null;
  let service: OpenTeraService;
  let ids: Seeded;
  let admin: TestSocket;
  const skip = (): string | null => ('skip' in redis ? redis.skip : 'skip' in pg ? pg.skip : null);

  before(async () => {
    redis = await startPrivateRedis();
    pg = await createTestDatabase();
    if ('skip' in redis || 'skip' in pg) return;
    server = await startTestServer({ redis: redis.url, db: pg.url, seed: 'test' });
    service = new OpenTeraService(redis.url);
    ids = await seeded(server);
    admin = await connect(server, 'user', ids.users.admin!);
  });
  after(async () => {
    admin?.close();
    service?.close();
    await server?.close();
    if (!('skip' in pg)) await pg.drop();
    if (!('skip' in redis)) await redis.close();
  });

  test('a TeraEvent published on websocket.<kind>.<uuid>.events reaches the socket', async (t) => {
    if (skip()) return t.skip(skip()!);
    const user = ids.users.user!;
    const socket = await connect(server!, 'user', user);
    const event = pack(JoinSessionEventSchema, {
      sessionUuid: 'b0000000-0000-4000-8000-000000000001',
      sessionUrl: 'https://rehab.example.org/s/1',
      sessionUsers: [user],
    });
    assert.equal(await service.publishEvent(directTopic('user', user), [event]), 1, 'one node');
    const frame = await nextMatching(socket, (f) => f.type === 'JoinSessionEvent');
    assert.equal(frame.topic, directTopic('user', user));
    assert.equal(frame.fields.sessionUrl, 'https://rehab.example.org/s/1');
    socket.close();
  });

  test('an ArchiveEvent on service.FileTransferService.events reaches its owner only', async (t) => {
    if (skip()) return t.skip(skip()!);
    const event = pack(ArchiveEventSchema, {
      archiveUuid: 'archive-1',
      ownerUuid: ids.users.admin!,
      status: ArchiveEvent_StatusType.STATUS_COMPLETED,
    });
    await service.publishEvent(serviceEventsTopic('FileTransferService'), [event]);
    const frame = await nextMatching(admin, (f) => f.type === 'ArchiveEvent');
    assert.equal(frame.fields.archiveUuid, 'archive-1');
    assert.equal(frame.topic, serviceEventsTopic('FileTransferService'));
  });

  test('session events sent to the UserManagerModule set busy state and announce JOINED/LEFT', async (t) => {
    if (skip()) return t.skip(skip()!);
    const session = 'b0000000-0000-4000-8000-000000000002';
    const user = ids.users.user!;
    const p1 = ids.participants['Participant #1']!;
    await service.sendToUserManager('VideoRehabService', [
      pack(JoinSessionEventSchema, {
        sessionUuid: session,
        sessionUsers: [user],
        sessionParticipants: [p1],
      }),
    ]);
    const about = (uuid: string) => (f: { fields: Record<string, unknown> }) =>
      (f.fields.userUuid ?? f.fields.participantUuid) === uuid &&
      String(f.fields.type).endsWith('_SESSION');
    assert.equal((await nextMatching(admin, about(user))).fields.type, 'USER_JOINED_SESSION');
    const joined = await nextMatching(admin, about(p1));
    assert.equal(joined.fields.type, 'PARTICIPANT_JOINED_SESSION');
    assert.equal(joined.fields.participantName, 'Participant #1');

    const busy = await service.call('busy_users');
    assert.deepEqual(busy?.return_value, { [user]: session });
    const status = await service.call('status_participants');
    assert.deepEqual(status?.return_value, { [p1]: { online: false, busy: true } });

    await service.sendToUserManager('VideoRehabService', [
      pack(StopSessionEventSchema, { sessionUuid: session }),
    ]);
    assert.equal((await nextMatching(admin, about(user))).fields.type, 'USER_LEFT_SESSION');
    assert.equal((await nextMatching(admin, about(p1))).fields.type, 'PARTICIPANT_LEFT_SESSION');
    assert.deepEqual((await service.call('busy_participants'))?.return_value, {});
  });

  test('RPC on module.TeraServer.UserManagerModule.rpc answers in JSON on reply_to', async (t) => {
    if (skip()) return t.skip(skip()!);
    const adminUuid = ids.users.admin!;
    const online = await service.replies('online_users');
    assert.equal(online.length, 1, 'exactly one reply');
    assert.deepEqual(online[0], {
      method: 'online_users',
      id: service.lastId,
      pattern: USER_MANAGER_RPC,
      status: 'OK',
      return_value: [adminUuid],
    });
    const statusUsers = await service.call('status_users');
    assert.deepEqual(statusUsers?.return_value, { [adminUuid]: { online: true, busy: false } });

    const watch = ids.devices['Apple Watch #W05P1']!;
    const offline = await service.call('update_device_status', [
      watch,
      '{"battery": 1}',
      1700000000,
    ]);
    assert.equal(offline?.status, 'OK');
    assert.equal(offline?.return_value, null, 'offline device: null');

    const device = await connect(server!, 'device', watch);
    await nextMatching(admin, (f) => f.fields.deviceUuid === watch); // DEVICE_CONNECTED
    assert.deepEqual((await service.call('online_devices'))?.return_value, [watch]);
    const updated = await service.call('update_device_status', [
      watch,
      '{"battery": 80}',
      1700000000.5,
    ]);
    assert.deepEqual(updated?.return_value, {
      uuid: watch,
      status: '{"battery": 80}',
      timestamp: 1700000000.5,
    });
    const changed = await nextMatching(admin, (f) => f.fields.deviceUuid === watch);
    assert.equal(changed.fields.type, 'DEVICE_STATUS_CHANGED');
    assert.equal(
      changed.fields.deviceStatus,
      '{"status": "{\\"battery\\": 80}", "timestamp": 1700000000.5}',
    );
    const statuses = await service.call('status_devices');
    assert.deepEqual(statuses?.return_value, {
      [watch]: {
        online: true,
        busy: false,
        status: { status: '{"battery": 80}', timestamp: 1700000000.5 },
      },
    });

    const bad = await service.call('update_device_status', [watch]);
    assert.equal(bad?.status, 'Error');
    assert.equal(bad?.return_value, null);
    assert.equal(await service.call('no_such_method'), undefined, 'unknown: no reply');
    device.close();
    const gone = await nextMatching(admin, (f) => f.fields.deviceUuid === watch);
    assert.equal(
      gone.fields.type,
      DeviceEvent_EventType[DeviceEvent_EventType.DEVICE_DISCONNECTED],
    );
  });

  test('a disconnect command on module.TeraServer.TwistedModule.events.<uuid> closes with 4000', async (t) => {
    if (skip()) return t.skip(skip()!);
    const user3 = ids.users.user3!;
    const socket = await connect(server!, 'user', user3);
    const command = pack(ServerCommandSchema, {
      type: ServerCommand_CommandType.CMD_CLIENT_DISCONNECT,
    });
    await service.publishModuleMessage(twistedCommandsTopic(user3), [command]);
    assert.equal((await socket.waitClose()).code, 4000);
    const off = await nextMatching(
      admin,
      (f) => f.fields.userUuid === user3 && f.fields.type !== 'USER_CONNECTED',
    );
    assert.equal(off.fields.type, UserEvent_EventType[UserEvent_EventType.USER_DISCONNECTED]);
  });

  test('a TeraEvent on the RPC channel gets no reply and breaks nothing', async (t) => {
    if (skip()) return t.skip(skip()!);
    const junk = pack(UserEventSchema, { userUuid: ids.users.user!, type: 1 });
    await service.publishEvent(USER_MANAGER_RPC, [junk]);
    assert.deepEqual((await service.call('online_users'))?.return_value, [ids.users.admin]);
  });
  test('a service validates a TeraRelay user token with the key read from Redis', async (t) => {
    if (skip()) return t.skip(skip()!);
    const login = await server!.request('/api/user/login', {
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(login.status, 200, login.text);
    const token = login.json<{ user_token: string }>().user_token;
    const key = await service.redis.get('UserTokenAPIKey');
    assert.ok(key, 'UserTokenAPIKey is in Redis');
    const { payload } = await jwtVerify(token, new TextEncoder().encode(key), {
      algorithms: ['HS256'],
      issuer: 'TeraServer',
    });
    assert.equal(payload.user_uuid, ids.users.admin);
    for (const name of ['ParticipantTokenAPIKey', 'ServiceTokenAPIKey', 'DeviceTokenAPIKey'])
      assert.ok(await service.redis.get(name), `${name} is in Redis`);

    // Logout revokes the token in OpenTera's set, where services look it up (and, as in
    // OpenTera, ends the user's websockets: this test runs last).
    const logout = await server!.request('/api/user/logout', {
      headers: { authorization: bearer(token) },
    });
    assert.equal(logout.status, 200, logout.text);
    assert.equal(await service.redis.sismember('user_disabled_tokens', token), 1);
  });
});
