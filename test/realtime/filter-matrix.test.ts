/**
 * The filtering matrix over real wss, on OpenTera's test dataset (spec §8.2): principal ×
 * event → receives or not, derived from spec §5.2/§5.4 and DESIGN.md's decisions.
 *
 * Who sees whom on §8.2 (spec §8.2 "derived expectations"):
 * - admin (superadmin): every user, participant and device;
 * - siteadmin, user, user2, user3: participants #1–#3 (projects 1–2), devices Watch and Kit
 *   (Default Site), users user/user2/user3; siteadmin also sees itself;
 * - user4: only itself;
 * - Participant #1: devices linked to it (Watch); #3 and Secret Participant: none;
 * - Watch: participants #1 and #2 (linked); Kit: participant #2.
 * Added for the test: session S1 with members user3, Participant #3 and Watch.
 * Decisions: presence events about oneself never pass (own CONNECTED comes directly);
 * StopSessionEvent passes on the direct channel only; DatabaseEvent never passes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import { directTopic, FILE_TRANSFER_EVENTS, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  ArchiveEventSchema,
  DatabaseEventSchema,
  DeviceEvent_EventType as D,
  DeviceEventSchema,
  JoinSessionEventSchema,
  JoinSessionReplyEvent_ReplyType,
  JoinSessionReplyEventSchema,
  LeaveSessionEventSchema,
  ParticipantEvent_EventType as P,
  ParticipantEventSchema,
  StopSessionEventSchema,
  UserEvent_EventType as U,
  UserEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import type { PrincipalKind } from '../../src/principal.js';
import { connect, frameTag, pack, parseFrame, publish, seeded } from '../kit/sockets.js';
import { USERNAMES } from '../contracts/access-expected.js';

const OBSERVERS = [...USERNAMES, 'p1', 'p3', 'ps', 'watch', 'kit'] as const;
type Observer = (typeof OBSERVERS)[number];
/** Every subject an event may be about: the observers plus Participant #2 and Robot A. */
type Subject = Observer | 'p2' | 'robot';

const S1 = 'c0ffee00-0000-4000-8000-000000000001';
const S_NEW = 'c0ffee00-0000-4000-8000-000000000002';

type Uuid = (s: Subject) => string;
interface Row {
  tag: string;
  /** 'um' UserManager events, 'ft' FileTransfer events, or an observer's direct topic. */
  topic: 'um' | 'ft' | { direct: Observer };
  event: (uuid: Uuid, tag: string) => Any;
  receivers: Observer[];
  /** Rows with the same group go out in one TeraEvent, in order. */
  group?: string;
}

const STAFF: Observer[] = ['admin', 'siteadmin', 'user', 'user2', 'user3'];
const user = (s: Subject, type: U) => (uuid: Uuid, tag: string) =>
  pack(UserEventSchema, { userUuid: uuid(s), type, userFullname: tag });
const participant = (s: Subject, type: P) => (uuid: Uuid, tag: string) =>
  pack(ParticipantEventSchema, { participantUuid: uuid(s), type, participantName: tag });
const device = (s: Subject, type: D) => (uuid: Uuid, tag: string) =>
  pack(DeviceEventSchema, { deviceUuid: uuid(s), type, deviceName: tag, deviceStatus: '{}' });

// prettier-ignore
const MATRIX: Row[] = [
  { tag: 'USER_CONNECTED admin', topic: 'um', event: user('admin', U.USER_CONNECTED), receivers: [] },
  { tag: 'USER_CONNECTED siteadmin', topic: 'um', event: user('siteadmin', U.USER_CONNECTED), receivers: ['admin'] },
  { tag: 'USER_CONNECTED user', topic: 'um', event: user('user', U.USER_CONNECTED), receivers: ['admin', 'siteadmin', 'user2', 'user3'] },
  { tag: 'USER_CONNECTED user2', topic: 'um', event: user('user2', U.USER_CONNECTED), receivers: ['admin', 'siteadmin', 'user', 'user3'] },
  { tag: 'USER_CONNECTED user3', topic: 'um', event: user('user3', U.USER_CONNECTED), receivers: ['admin', 'siteadmin', 'user', 'user2'] },
  { tag: 'USER_CONNECTED user4', topic: 'um', event: user('user4', U.USER_CONNECTED), receivers: ['admin'] },
  { tag: 'USER_DISCONNECTED user', topic: 'um', event: user('user', U.USER_DISCONNECTED), receivers: ['admin', 'siteadmin', 'user2', 'user3'] },
  { tag: 'USER_LEFT_SESSION user3', topic: 'um', event: user('user3', U.USER_LEFT_SESSION), receivers: STAFF },
  { tag: 'PARTICIPANT_CONNECTED p1', topic: 'um', event: participant('p1', P.PARTICIPANT_CONNECTED), receivers: [...STAFF, 'watch'] },
  { tag: 'PARTICIPANT_CONNECTED p2', topic: 'um', event: participant('p2', P.PARTICIPANT_CONNECTED), receivers: [...STAFF, 'watch', 'kit'] },
  { tag: 'PARTICIPANT_CONNECTED p3', topic: 'um', event: participant('p3', P.PARTICIPANT_CONNECTED), receivers: STAFF },
  { tag: 'PARTICIPANT_CONNECTED ps', topic: 'um', event: participant('ps', P.PARTICIPANT_CONNECTED), receivers: ['admin'] },
  { tag: 'PARTICIPANT_JOINED_SESSION p1', topic: 'um', event: participant('p1', P.PARTICIPANT_JOINED_SESSION), receivers: [...STAFF, 'p1', 'watch'] },
  { tag: 'DEVICE_CONNECTED watch', topic: 'um', event: device('watch', D.DEVICE_CONNECTED), receivers: [...STAFF, 'p1'] },
  { tag: 'DEVICE_CONNECTED kit', topic: 'um', event: device('kit', D.DEVICE_CONNECTED), receivers: STAFF },
  { tag: 'DEVICE_CONNECTED robot', topic: 'um', event: device('robot', D.DEVICE_CONNECTED), receivers: ['admin'] },
  { tag: 'DEVICE_STATUS_CHANGED watch', topic: 'um', event: device('watch', D.DEVICE_STATUS_CHANGED), receivers: [...STAFF, 'p1', 'watch'] },
  { tag: 'DEVICE_STATUS_CHANGED kit', topic: 'um', event: device('kit', D.DEVICE_STATUS_CHANGED), receivers: [...STAFF, 'kit'] },
  { tag: 'JoinSession S_NEW user+p1+kit', topic: 'um', receivers: ['user', 'p1', 'kit'],
    event: (uuid, tag) => pack(JoinSessionEventSchema, { sessionUuid: S_NEW, sessionUsers: [uuid('user')], sessionParticipants: [uuid('p1')], sessionDevices: [uuid('kit')], joinMsg: tag }) },
  { tag: 'LeaveSession S1', topic: 'um', receivers: ['user3', 'p3', 'watch'],
    event: (_u, tag) => pack(LeaveSessionEventSchema, { sessionUuid: S1, serviceUuid: tag }) },
  { tag: 'LeaveSession S_NEW (announced)', topic: 'um', receivers: ['user', 'p1', 'kit'],
    event: (_u, tag) => pack(LeaveSessionEventSchema, { sessionUuid: S_NEW, serviceUuid: tag }) },
  { tag: 'JoinSessionReply S1 by user3', topic: 'um', receivers: ['p3', 'watch'],
    event: (uuid, tag) => pack(JoinSessionReplyEventSchema, { sessionUuid: S1, userUuid: uuid('user3'), joinReply: JoinSessionReplyEvent_ReplyType.REPLY_DENIED, replyMsg: tag }) },
  { tag: 'JoinSessionReply S1 by p3', topic: 'um', receivers: ['user3', 'watch'],
    event: (uuid, tag) => pack(JoinSessionReplyEventSchema, { sessionUuid: S1, participantUuid: uuid('p3'), joinReply: JoinSessionReplyEvent_ReplyType.REPLY_ACCEPTED, replyMsg: tag }) },
  { tag: 'StopSession S1 broadcast', topic: 'um', receivers: [],
    event: (_u, tag) => pack(StopSessionEventSchema, { sessionUuid: S1, serviceUuid: tag }) },
  { tag: 'StopSession S1 direct to user3', topic: { direct: 'user3' }, receivers: ['user3'],
    event: (_u, tag) => pack(StopSessionEventSchema, { sessionUuid: S1, serviceUuid: tag }) },
  { tag: 'JoinSession direct to watch naming user4', topic: { direct: 'watch' }, receivers: ['watch'],
    event: (uuid, tag) => pack(JoinSessionEventSchema, { sessionUuid: S1, sessionUsers: [uuid('user4')], sessionDevices: [uuid('watch')], joinMsg: tag }) },
  { tag: 'USER_CONNECTED user4 direct to user3', topic: { direct: 'user3' }, event: user('user4', U.USER_CONNECTED), receivers: [] },
  { tag: 'ArchiveEvent owned by user2', topic: 'ft', receivers: ['user2'],
    event: (uuid, tag) => pack(ArchiveEventSchema, { archiveUuid: 'a1', ownerUuid: uuid('user2'), archiveUrl: tag }) },
  { tag: 'ArchiveEvent owned by p3', topic: 'ft', receivers: ['p3'],
    event: (uuid, tag) => pack(ArchiveEventSchema, { archiveUuid: 'a2', ownerUuid: uuid('p3'), archiveUrl: tag }) },
  { tag: 'DatabaseEvent', topic: 'um', receivers: [],
    event: (_u, tag) => pack(DatabaseEventSchema, { type: 2, objectType: tag, objectValue: '{}' }) },
  { tag: 'split: USER_CONNECTED user4', topic: 'um', group: 'split', event: user('user4', U.USER_CONNECTED), receivers: ['admin'] },
  { tag: 'split: PARTICIPANT_CONNECTED p1', topic: 'um', group: 'split', event: participant('p1', P.PARTICIPANT_CONNECTED), receivers: [...STAFF, 'watch'] },
  { tag: 'split: DEVICE_CONNECTED kit', topic: 'um', group: 'split', event: device('kit', D.DEVICE_CONNECTED), receivers: STAFF },
];

const tagOf = frameTag;

describe('filtering matrix on the §8.2 dataset', () => {
  let server: TestServer;
  const uuids = new Map<Subject, string>();
  const kinds = new Map<Subject, PrincipalKind>();
  const sockets = new Map<Observer, TestSocket>();
  const uuid: Uuid = (s) => uuids.get(s) ?? assert.fail(`no uuid for ${s}`);

  before(async () => {
    server = await startTestServer();
    const ids = await seeded(server);
    for (const name of ['admin', 'siteadmin', 'user', 'user2', 'user3', 'user4'] as const) {
      uuids.set(name, ids.users[name]!);
      kinds.set(name, 'user');
    }
    const named: Array<[Subject, PrincipalKind, string | undefined]> = [
      ['p1', 'participant', ids.participants['Participant #1']],
      ['p2', 'participant', ids.participants['Participant #2']],
      ['p3', 'participant', ids.participants['Participant #3']],
      ['ps', 'participant', ids.participants['Secret Participant']],
      ['watch', 'device', ids.devices['Apple Watch #W05P1']],
      ['kit', 'device', ids.devices['Kit Télé #1']],
      ['robot', 'device', ids.devices['Robot A']],
    ];
    for (const [s, kind, id] of named) {
      uuids.set(s, id ?? assert.fail(`${s} not seeded`));
      kinds.set(s, kind);
    }
    // Session S1: members user3, Participant #3 and Watch.
    const k = server.deps.db.kysely;
    const idOf = async (table: 't_users' | 't_participants' | 't_devices', s: Subject) => {
      if (table === 't_users')
        return (
          await k
            .selectFrom(table)
            .select('id_user')
            .where('user_uuid', '=', uuid(s))
            .executeTakeFirstOrThrow()
        ).id_user;
      if (table === 't_participants')
        return (
          await k
            .selectFrom(table)
            .select('id_participant')
            .where('participant_uuid', '=', uuid(s))
            .executeTakeFirstOrThrow()
        ).id_participant;
      return (
        await k
          .selectFrom(table)
          .select('id_device')
          .where('device_uuid', '=', uuid(s))
          .executeTakeFirstOrThrow()
      ).id_device;
    };
    const session = await k
      .insertInto('t_sessions')
      .values({
        session_uuid: S1,
        id_session_type: 1,
        id_creator_user: 1,
        session_name: 'matrix S1',
        session_start_datetime: new Date().toISOString(),
        session_status: 1,
      })
      .returning('id_session')
      .executeTakeFirstOrThrow();
    await k
      .insertInto('t_sessions_users')
      .values({ id_session: session.id_session, id_user: await idOf('t_users', 'user3') })
      .execute();
    await k
      .insertInto('t_sessions_participants')
      .values({
        id_session: session.id_session,
        id_participant: await idOf('t_participants', 'p3'),
      })
      .execute();
    await k
      .insertInto('t_sessions_devices')
      .values({ id_session: session.id_session, id_device: await idOf('t_devices', 'watch') })
      .execute();

    for (const o of OBSERVERS)
      sockets.set(
        o,
        await connect(
          server,
          kinds.get(o)!,
          uuid(o),
          o === 'kit' || o === 'user2' ? { protocols: ['opentera-protobuf'] } : {},
        ),
      );
  });
  after(async () => {
    for (const s of sockets.values()) s.close();
    await server.close();
  });

  test('every principal receives exactly the events the matrix says', async () => {
    const topicOf = (t: Row['topic']) =>
      t === 'um'
        ? USER_MANAGER_EVENTS
        : t === 'ft'
          ? FILE_TRANSFER_EVENTS
          : directTopic(kinds.get(t.direct)!, uuid(t.direct));
    for (let i = 0; i < MATRIX.length;) {
      const row = MATRIX[i]!;
      const batch = [row];
      while (row.group && MATRIX[i + batch.length]?.group === row.group)
        batch.push(MATRIX[i + batch.length]!);
      await publish(
        server,
        topicOf(row.topic),
        batch.map((r) => r.event(uuid, r.tag)),
      );
      i += batch.length;
    }
    // End markers: one ArchiveEvent per observer on every topic it listens to.
    const end = (o: Observer) =>
      pack(ArchiveEventSchema, { ownerUuid: uuid(o), archiveUrl: 'end' });
    await publish(server, USER_MANAGER_EVENTS, OBSERVERS.map(end));
    await publish(server, FILE_TRANSFER_EVENTS, OBSERVERS.map(end));
    for (const o of OBSERVERS) await publish(server, directTopic(kinds.get(o)!, uuid(o)), [end(o)]);

    const received = new Map<string, Observer[]>();
    for (const o of OBSERVERS) {
      const socket = sockets.get(o)!;
      for (let ends = 0; ends < 3;) {
        const f = parseFrame(await socket.next());
        assert.equal(f.count, 1, 'one event per frame');
        const tag = tagOf(f);
        if (tag === 'end') ends++;
        else if (typeof tag === 'string' && MATRIX.some((r) => r.tag === tag))
          received.set(tag, [...(received.get(tag) ?? []), o]);
      }
    }
    for (const row of MATRIX) {
      assert.deepEqual(
        [...(received.get(row.tag) ?? [])].sort(),
        [...row.receivers].sort(),
        `receivers of "${row.tag}"`,
      );
    }
  });
});
