/**
 * Typed events from a real server, in both wire formats: presence of participants and devices,
 * a device status, the four session events sent by a service (`publishDirect`), and an event
 * type the SDK does not type (an ArchiveEvent), which arrives raw. Then the decoders alone on
 * malformed and unknown input: they never throw.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  decodeBinaryFrame,
  decodeTextFrame,
  type DeviceStatusEvent,
  type JoinSessionEvent,
  type JoinSessionReplyEvent,
  type LeaveSessionEvent,
  type PrincipalEvent,
  type RelayEvent,
  type StopSessionEvent,
  type TeraRelayClient,
  type UnknownEvent,
} from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../kit/server.js';
import { seeded, type Seeded } from '../kit/sockets.js';
import { clientOf, offline, Recorder, seededToken } from './kit.js';

describe('SDK typed events', () => {
  let server: TestServer;
  let ids: Seeded;
  let relay: TeraRelayClient;
  let serviceToken: string;
  let serviceUuid: string;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    relay = clientOf(server);
    const service = await server.deps.db.kysely
      .selectFrom('t_services')
      .select('service_uuid')
      .where('service_key', '=', 'VideoRehabService')
      .executeTakeFirstOrThrow();
    serviceUuid = service.service_uuid;
    serviceToken = await server.deps.tokens.signService(serviceUuid);
  });
  after(() => server.close());

  for (const format of ['json', 'binary'] as const) {
    test(`${format} frames: presence, device status, session events, unknown types`, async (t) => {
      const admin = ids.users.admin!;
      const p1 = ids.participants['Participant #1']!;
      const watch = ids.devices['Apple Watch #W05P1']!;
      const session = await relay.login({ user: 'admin', password: 'admin' });
      const connection = relay.connect(session, { format });
      t.after(() => connection.close());
      const seen = new Recorder(connection);
      await connection.opened();

      const participant = relay.connect(
        await relay.login({ participant: 'participant1', password: 'opentera' }),
      );
      t.after(() => participant.close());
      const came = await seen.event<PrincipalEvent>(
        (e) => e.type === 'participant' && e.uuid === p1 && e.change === 'connected',
        'participant connected',
      );
      assert.equal(came.kind, 'participant');
      assert.equal(came.name, 'Participant #1');
      assert.equal(typeof came.projectName, 'string');
      assert.ok(came.time > 0);
      assert.equal(came.topic, 'module.TeraServer.UserManagerModule.events');

      const device = await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') });
      const deviceConnection = relay.connect(device);
      t.after(() => deviceConnection.close());
      await seen.event(
        (e) => e.type === 'device' && e.uuid === watch && e.change === 'connected',
        'device connected',
      );
      await relay.sendDeviceStatus(deviceConnection, { battery: 87, charging: true }, 1700000000.5);
      const status = await seen.event<DeviceStatusEvent>(
        (e) => e.type === 'device_status',
        'device status',
      );
      assert.deepEqual(
        { kind: status.kind, uuid: status.uuid, name: status.name },
        { kind: 'device', uuid: watch, name: 'Apple Watch #W05P1' },
      );
      assert.deepEqual(status.status, { battery: 87, charging: true });
      assert.equal(status.timestamp, 1700000000.5);

      const service = relay.service(serviceToken);
      const sessionUuid = randomUUID();
      const topic = await service.publishDirect('user', admin, {
        '@type': 'JoinSessionEvent',
        sessionUuid,
        sessionUrl: 'https://example.org/rehab/1',
        sessionCreatorName: 'Site Admin',
        sessionUsers: [admin],
        sessionParticipants: [p1],
        joinMsg: 'Join me',
        sessionParameters: '{"video": true}',
        serviceUuid,
      });
      assert.equal(topic, `websocket.user.${admin}.events`);
      const join = await seen.event<JoinSessionEvent>(
        (e) => e.type === 'join_session',
        'join session',
      );
      assert.deepEqual(
        {
          kind: join.kind,
          uuid: join.uuid,
          sessionUrl: join.sessionUrl,
          creatorName: join.creatorName,
          users: join.users,
          participants: join.participants,
          devices: join.devices,
          message: join.message,
          parameters: join.parameters,
          serviceUuid: join.serviceUuid,
          topic: join.topic,
        },
        {
          kind: 'session',
          uuid: sessionUuid,
          sessionUrl: 'https://example.org/rehab/1',
          creatorName: 'Site Admin',
          users: [admin],
          participants: [p1],
          devices: [],
          message: 'Join me',
          parameters: '{"video": true}',
          serviceUuid,
          topic,
        },
      );

      await service.publishDirect('user', admin, {
        '@type': 'type.googleapis.com/opentera.protobuf.JoinSessionReplyEvent',
        sessionUuid,
        participantUuid: p1,
        joinReply: 'REPLY_DENIED',
        replyMsg: 'not now',
      });
      const reply = await seen.event<JoinSessionReplyEvent>(
        (e) => e.type === 'join_session_reply',
        'join session reply',
      );
      assert.deepEqual(
        [reply.kind, reply.uuid, reply.sessionUuid, reply.reply, reply.message],
        ['participant', p1, sessionUuid, 'denied', 'not now'],
      );

      await service.publishDirect('user', admin, {
        '@type': 'LeaveSessionEvent',
        sessionUuid,
        serviceUuid,
        leavingParticipants: [p1],
      });
      const leave = await seen.event<LeaveSessionEvent>(
        (e) => e.type === 'leave_session',
        'leave session',
      );
      assert.deepEqual(
        [leave.kind, leave.uuid, leave.participants, leave.users, leave.serviceUuid],
        ['session', sessionUuid, [p1], [], serviceUuid],
      );

      await service.publishDirect('user', admin, {
        '@type': 'StopSessionEvent',
        sessionUuid,
        serviceUuid,
      });
      const stop = await seen.event<StopSessionEvent>((e) => e.type === 'stop_session', 'stop');
      assert.deepEqual(
        [stop.kind, stop.uuid, stop.serviceUuid],
        ['session', sessionUuid, serviceUuid],
      );

      await service.publishDirect('user', admin, {
        '@type': 'ArchiveEvent',
        ownerUuid: admin,
        archiveUrl: 'https://example.org/archive.zip',
      });
      const archive = await seen.event<UnknownEvent>((e) => e.type === 'unknown', 'archive');
      assert.equal(archive.typeName, 'opentera.protobuf.ArchiveEvent');
      assert.equal(archive.kind, null);
      assert.equal(archive.raw.archiveUrl, 'https://example.org/archive.zip');

      await participant.close();
      await deviceConnection.close();
      await seen.event(
        (e) => e.type === 'participant' && e.uuid === p1 && e.change === 'disconnected',
        'participant disconnected',
      );
      await seen.event(
        (e) => e.type === 'device' && e.uuid === watch && e.change === 'disconnected',
        'device disconnected',
      );
      const order = seen.events
        .filter((e) => e.type !== 'user')
        .map((e) => `${e.type}${'change' in e ? `:${e.change}` : ''}`);
      const expected = [
        'participant:connected',
        'device:connected',
        'device_status',
        'join_session',
        'join_session_reply',
        'leave_session',
        'stop_session',
        'unknown',
      ];
      assert.deepEqual(order.slice(0, expected.length), expected);
      assert.equal(seen.events[0]?.type, 'user', 'the first event is the own CONNECTED');
      await connection.close();
      await offline(server, 'user', admin);
    });
  }
});

describe('event decoders never throw', () => {
  const unknowns = (events: RelayEvent[]) => events.map((e) => e.type);

  test('malformed text frames become unknown events', () => {
    assert.deepEqual(unknowns(decodeTextFrame('not json')), ['unknown']);
    assert.deepEqual(unknowns(decodeTextFrame('42')), ['unknown']);
    assert.deepEqual(unknowns(decodeTextFrame('{"message": {"@type": "x"}}')), ['unknown']);
    const noUuid = JSON.stringify({
      message: {
        '@type': 'type.googleapis.com/opentera.protobuf.TeraEvent',
        header: { topic: 't', time: 5 },
        events: [
          { '@type': 'type.googleapis.com/opentera.protobuf.UserEvent', type: 'USER_CONNECTED' },
          { '@type': 'type.googleapis.com/opentera.protobuf.FutureEvent', field: 1 },
          null,
          'text',
        ],
      },
    });
    const events = decodeTextFrame(noUuid);
    assert.deepEqual(unknowns(events), ['unknown', 'unknown', 'unknown', 'unknown']);
    assert.equal((events[1] as UnknownEvent).typeName, 'opentera.protobuf.FutureEvent');
    assert.equal(events[1]!.raw.field, 1);
    assert.equal(events[1]!.topic, 't');
  });

  test('a known type with an unknown enum value keeps its kind and uuid, change unknown', () => {
    const frame = JSON.stringify({
      message: {
        '@type': 'type.googleapis.com/opentera.protobuf.TeraEvent',
        header: { topic: 't', time: 1 },
        events: [
          {
            '@type': 'type.googleapis.com/opentera.protobuf.ParticipantEvent',
            participant_uuid: 'p',
            type: 99,
          },
        ],
      },
    });
    const [e] = decodeTextFrame(frame);
    assert.equal(e?.type, 'participant');
    assert.equal((e as PrincipalEvent).uuid, 'p');
    assert.equal((e as PrincipalEvent).change, 'unknown');
  });

  test('bytes that are not a TeraMessage become one unknown event', () => {
    assert.deepEqual(unknowns(decodeBinaryFrame(new Uint8Array([0xff, 0xff, 0xff]))), ['unknown']);
    assert.deepEqual(unknowns(decodeBinaryFrame(new Uint8Array())), ['unknown']);
  });
});
