/**
 * The hub asks only an event's audience (by kind and uuid) on a large topic: what every member
 * receives is still exactly what its own filter keeps, for every event type, with principals
 * that have several connections, a JoinSessionEvent naming one twice, and a principal in the
 * audience that does not listen to the topic.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { createCodec } from '../../src/protocol/codec.js';
import { Hub, type HubMember } from '../../src/realtime/hub.js';
import { AccessScope, canSee } from '../../src/access/scope.js';
import type { AccessSets } from '../../src/access/access.js';
import type { PrincipalKind } from '../../src/principal.js';
import {
  ArchiveEventSchema,
  DeviceEventSchema,
  JoinSessionEventSchema,
  JoinSessionReplyEventSchema,
  LeaveSessionEventSchema,
  ParticipantEventSchema,
  StopSessionEventSchema,
  UserEventSchema,
  forEachClientEvent,
  teraEvent,
  type Any,
  type ClientEvent,
} from '../../src/protocol/messages.js';
import { pack } from '../kit/sockets.js';

const TOPIC = 'module.TeraServer.UserManagerModule.events';
const OTHER = 'service.FileTransferService.events';
const DEVICES = 24;
const PARTICIPANTS = 12;
const USERS = 6;

interface Member extends HubMember {
  readonly scope: AccessScope;
  readonly got: number[];
}

const uuid = (kind: PrincipalKind, i: number): string => `${kind}-${i}`;

/** Device i is linked to participant i mod PARTICIPANTS; users see the even-numbered ones. */
function accessOf(kind: PrincipalKind, i: number): AccessSets {
  const range = (n: number, k: PrincipalKind, keep: (j: number) => boolean) =>
    new Set(
      Array.from({ length: n }, (_, j) => j)
        .filter(keep)
        .map((j) => uuid(k, j)),
    );
  if (kind === 'device')
    return {
      kind,
      deviceId: i,
      deviceUuid: uuid(kind, i),
      participantUuids: new Set([uuid('participant', i % PARTICIPANTS)]),
    };
  if (kind === 'participant')
    return {
      kind,
      participantId: i,
      participantUuid: uuid(kind, i),
      deviceUuids: range(DEVICES, 'device', (j) => j % PARTICIPANTS === i),
    };
  const tier = {
    siteIds: new Set<number>(),
    projectIds: new Set<number>(),
    userUuids: range(USERS, 'user', () => true),
    participantUuids: range(PARTICIPANTS, 'participant', (j) => j % 2 === 0),
    deviceUuids: range(DEVICES, 'device', (j) => j % 2 === 0),
  };
  return {
    kind,
    userId: i,
    userUuid: uuid(kind, i),
    superadmin: false,
    projectRoles: new Map(),
    siteRoles: new Map(),
    admin: tier,
    ...tier,
  };
}

describe('hub: fan-out to an audience', () => {
  const bus = new MemoryBus();
  const codec = createCodec();
  const hub = new Hub<Member>({ bus, codec });
  const members: Member[] = [];
  let seq = 0;

  const member = (kind: PrincipalKind, i: number, copy = 0): Member => ({
    id: `${uuid(kind, i)}#${copy}`,
    principal: { kind, uuid: uuid(kind, i) },
    format: 'json',
    scope: new AccessScope(kind, uuid(kind, i), accessOf(kind, i), new Set(['s-db'])),
    got: [],
    send() {
      this.got.push(seq);
    },
    close: () => {},
  });

  const offTopic = member('device', 5, 2);

  before(async () => {
    const all: Member[] = [];
    for (let i = 0; i < DEVICES; i++) all.push(member('device', i));
    for (let i = 0; i < PARTICIPANTS; i++) all.push(member('participant', i));
    for (let i = 0; i < USERS; i++) all.push(member('user', i));
    // Two connections of device 3 and of user 1.
    all.push(member('device', 3, 1), member('user', 1, 1));
    for (const m of all) {
      await hub.add(m, [{ topic: TOPIC, role: 'events' }]);
      members.push(m);
    }
    // In every audience of device 5's events, but not listening to TOPIC.
    await hub.add(offTopic, [{ topic: OTHER, role: 'events' }]);
  });
  after(async () => {
    await hub.close();
    await bus.close();
  });

  const device = (i: number, type: number) =>
    pack(DeviceEventSchema, { deviceUuid: uuid('device', i), type });
  const EVENTS: Array<[string, Any]> = [
    ['device 4 connected', device(4, 1)],
    ['device 3 status', device(3, 7)],
    ['device 5 status', device(5, 7)],
    ['device 7 status (a user cannot see it)', device(7, 7)],
    [
      'participant 2 joined',
      pack(ParticipantEventSchema, { participantUuid: uuid('participant', 2), type: 5 }),
    ],
    [
      'participant 2 connected',
      pack(ParticipantEventSchema, { participantUuid: uuid('participant', 2), type: 1 }),
    ],
    ['user 1 joined', pack(UserEventSchema, { userUuid: uuid('user', 1), type: 6 })],
    [
      'join session naming device 3 twice, participant 1 and user 2',
      pack(JoinSessionEventSchema, {
        sessionUuid: 's-new',
        sessionDevices: [uuid('device', 3), uuid('device', 3)],
        sessionParticipants: [uuid('participant', 1)],
        sessionUsers: [uuid('user', 2)],
      }),
    ],
    [
      'join reply in s-db',
      pack(JoinSessionReplyEventSchema, { sessionUuid: 's-db', deviceUuid: uuid('device', 9) }),
    ],
    ['leave s-new', pack(LeaveSessionEventSchema, { sessionUuid: 's-new' })],
    ['stop on a broadcast topic', pack(StopSessionEventSchema, { sessionUuid: 's-db' })],
    ['archive of participant 4', pack(ArchiveEventSchema, { ownerUuid: uuid('participant', 4) })],
  ];

  /** Publishes every event of EVENTS: each member must get exactly what its own filter keeps. */
  async function everyEventAsFiltered(): Promise<void> {
    for (const [what, any] of EVENTS) {
      seq++;
      let event: ClientEvent | undefined;
      forEachClientEvent(
        [any],
        (e) => (event = e),
        () => {},
      );
      assert.ok(event, what);
      // What each filter keeps, asked before the hub asks (a JoinSessionEvent records).
      const expected = members
        .filter((m) => hub.has(m) && canSee(m.scope, event!, 'broadcast'))
        .map((m) => m.id)
        .sort();
      await bus.publish(TOPIC, codec.encodeEvent(teraEvent(TOPIC, [any])));
      await new Promise((resolve) => setImmediate(resolve));
      const got = members
        .filter((m) => m.got.includes(seq))
        .map((m) => m.id)
        .sort();
      assert.deepEqual(got, expected, what);
      for (const m of members)
        assert.ok(m.got.filter((s) => s === seq).length <= 1, `${what}: ${m.id} once`);
    }
    assert.deepEqual(offTopic.got, [], 'a member of another topic gets nothing');
  }

  test('each member gets exactly what its own filter keeps', everyEventAsFiltered);

  test('after access changes through the hub, and a member gone, the same holds', async () => {
    const find = (id: string) => members.find((m) => m.id === id)!;
    // User 0 now sees the odd devices and participants (its own sets, shared with no one);
    // participant 2 loses its devices; device 4 its participant; one of user 1's two goes.
    const user0 = accessOf('user', 0);
    assert.equal(user0.kind, 'user');
    if (user0.kind !== 'user') return;
    const odd = (k: PrincipalKind, n: number) =>
      new Set(
        Array.from({ length: n }, (_, j) => j)
          .filter((j) => j % 2 === 1)
          .map((j) => uuid(k, j)),
      );
    hub.rescope(
      find('user-0#0'),
      {
        ...user0,
        participantUuids: odd('participant', PARTICIPANTS),
        deviceUuids: odd('device', DEVICES),
      },
      new Set(['s-db']),
    );
    const p2 = accessOf('participant', 2);
    hub.rescope(
      find('participant-2#0'),
      { ...p2, deviceUuids: new Set() } as AccessSets,
      new Set(),
    );
    const d4 = accessOf('device', 4);
    hub.rescope(
      find('device-4#0'),
      { ...d4, participantUuids: new Set() } as AccessSets,
      new Set(),
    );
    hub.remove(find('user-1#1'));
    await everyEventAsFiltered();
    assert.deepEqual(
      find('user-1#1').got.filter((s) => s > seq - EVENTS.length),
      [],
    );
  });
});
