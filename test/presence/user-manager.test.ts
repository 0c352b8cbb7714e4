/**
 * The UserManager: session module messages update busy state and produce *_JOINED_SESSION /
 * *_LEFT_SESSION; POST /api/device/status produces DEVICE_STATUS_CHANGED for watchers; the
 * DatabaseEvent rules that end a principal's connections.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import { USER_MANAGER_MESSAGES } from '../../src/topics.js';
import {
  create,
  DatabaseEvent_EventType,
  DatabaseEventSchema,
  JoinSessionEventSchema,
  JoinSessionReplyEvent_ReplyType,
  JoinSessionReplyEventSchema,
  LeaveSessionEventSchema,
  moduleMessage,
  StopSessionEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import { revokedPrincipal } from '../../src/presence/revocation.js';
import {
  connect,
  nextMatching,
  pack,
  parseFrame,
  seeded,
  type ParsedFrame,
  type Seeded,
} from '../kit/sockets.js';

describe('user manager', () => {
  let server: TestServer;
  let ids: Seeded;
  let admin: TestSocket;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    admin = await connect(server, 'user', ids.users.admin!);
  });
  after(async () => {
    admin.close();
    await server.close();
  });

  const send = (data: Any[]) =>
    server.deps.bus.publish(
      USER_MANAGER_MESSAGES,
      server.deps.codec.encodeModuleMessage(
        moduleMessage('serviceVideoRehabService', USER_MANAGER_MESSAGES, data),
      ),
    );

  const nextSessionFrames = async (n: number): Promise<ParsedFrame[]> => {
    const out: ParsedFrame[] = [];
    while (out.length < n) {
      const f = parseFrame(await admin.next());
      if (String(f.fields.type).endsWith('_SESSION')) out.push(f);
    }
    return out;
  };
  const summary = (frames: ParsedFrame[]) =>
    frames.map((f) => [
      f.fields.type,
      f.fields.userUuid ?? f.fields.participantUuid ?? f.fields.deviceUuid,
    ]);

  test('join, reply, leave and stop update busy state and announce each entity', async () => {
    const { presence } = server.deps;
    const session = 'a0000000-0000-4000-8000-00000000000a';
    const [user, user3] = [ids.users.user!, ids.users.user3!];
    const p1 = ids.participants['Participant #1']!;
    const watch = ids.devices['Apple Watch #W05P1']!;

    await send([
      pack(JoinSessionEventSchema, {
        sessionUuid: session,
        sessionUsers: [user, user3, 'unknown-user-uuid'],
        sessionParticipants: [p1],
        sessionDevices: [watch],
      }),
    ]);
    const joined = await nextSessionFrames(4);
    assert.deepEqual(summary(joined), [
      ['USER_JOINED_SESSION', user],
      ['USER_JOINED_SESSION', user3],
      ['PARTICIPANT_JOINED_SESSION', p1],
      ['DEVICE_JOINED_SESSION', watch],
    ]);
    assert.equal(joined[0]?.fields.userFullname, 'Site User', 'names come from the database');
    assert.equal(joined[2]?.fields.participantProjectName, 'Default Project #1');
    assert.equal(joined[2]?.fields.participantSiteName, 'Default Site');
    assert.equal((await presence.busy('user')).get(user), session);
    assert.equal((await presence.busy('device')).get(watch), session);

    await send([
      pack(JoinSessionReplyEventSchema, {
        sessionUuid: session,
        userUuid: user,
        joinReply: JoinSessionReplyEvent_ReplyType.REPLY_ACCEPTED,
      }),
      pack(JoinSessionReplyEventSchema, {
        sessionUuid: session,
        userUuid: user3,
        joinReply: JoinSessionReplyEvent_ReplyType.REPLY_DENIED,
      }),
    ]);
    assert.deepEqual(summary(await nextSessionFrames(1)), [['USER_LEFT_SESSION', user3]]);
    assert.equal((await presence.busy('user')).has(user3), false);

    await send([
      pack(LeaveSessionEventSchema, { sessionUuid: session, leavingParticipants: [p1] }),
    ]);
    assert.deepEqual(summary(await nextSessionFrames(1)), [['PARTICIPANT_LEFT_SESSION', p1]]);

    await send([pack(StopSessionEventSchema, { sessionUuid: session })]);
    const stopped = summary(await nextSessionFrames(2));
    assert.deepEqual(stopped, [
      ['USER_LEFT_SESSION', user],
      ['DEVICE_LEFT_SESSION', watch],
    ]);
    for (const kind of ['user', 'participant', 'device'] as const) {
      assert.deepEqual(
        [...(await presence.busy(kind)).values()].filter((s) => s === session),
        [],
        kind,
      );
    }
  });

  test('POST /api/device/status gives watchers DEVICE_STATUS_CHANGED', async () => {
    const watch = ids.devices['Apple Watch #W05P1']!;
    const device = await connect(server, 'device', watch);
    const online = await nextMatching(admin, (f) => f.fields.deviceUuid === watch);
    assert.equal(online.fields.type, 'DEVICE_CONNECTED');
    const row = await server.deps.db.kysely
      .selectFrom('t_devices')
      .select('device_token')
      .where('device_uuid', '=', watch)
      .executeTakeFirstOrThrow();
    const res = await server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: `OpenTera ${row.device_token}` },
      body: { status: { battery: 80 }, timestamp: 1700000000 },
    });
    assert.equal(res.status, 200, res.text);
    const changed = await nextMatching(admin, (f) => f.fields.deviceUuid === watch);
    assert.equal(changed.fields.type, 'DEVICE_STATUS_CHANGED');
    assert.equal(changed.fields.deviceName, 'Apple Watch #W05P1');
    const own = await nextMatching(device, (f) => f.fields.deviceUuid === watch);
    assert.equal(own.fields.type, 'DEVICE_STATUS_CHANGED', 'the device sees its own status');
    device.close();
  });

  test('which DatabaseEvents end a principal’s connections', () => {
    const ev = (type: DatabaseEvent_EventType, value: unknown) =>
      create(DatabaseEventSchema, { type, objectType: 'user', objectValue: JSON.stringify(value) });
    const { DB_CREATE, DB_UPDATE, DB_DELETE } = DatabaseEvent_EventType;
    const table: Array<
      [string, ReturnType<typeof ev>, 'user' | 'participant' | 'device', string | null]
    > = [
      ['disabled', ev(DB_UPDATE, { user_uuid: 'u', user_enabled: false }), 'user', 'u'],
      ['enabled', ev(DB_UPDATE, { user_uuid: 'u', user_enabled: true }), 'user', null],
      [
        'soft-deleted',
        ev(DB_UPDATE, { participant_uuid: 'p', deleted_at: '2025-01-01' }),
        'participant',
        'p',
      ],
      [
        'deleted_at null',
        ev(DB_UPDATE, { participant_uuid: 'p', deleted_at: null }),
        'participant',
        null,
      ],
      ['deleted', ev(DB_DELETE, { device_uuid: 'd' }), 'device', 'd'],
      [
        'created disabled',
        ev(DB_CREATE, { device_uuid: 'd', device_enabled: false }),
        'device',
        'd',
      ],
      [
        'other kind field',
        ev(DB_UPDATE, { user_uuid: 'u', device_enabled: false }),
        'device',
        null,
      ],
      ['no uuid', ev(DB_DELETE, { id_user: 3 }), 'user', null],
      [
        'not JSON',
        create(DatabaseEventSchema, { type: DB_DELETE, objectValue: '{' }),
        'user',
        null,
      ],
      ['not an object', ev(DB_DELETE, 'u'), 'user', null],
    ];
    for (const [name, event, kind, expected] of table)
      assert.equal(revokedPrincipal(kind, event), expected, name);
  });
});
