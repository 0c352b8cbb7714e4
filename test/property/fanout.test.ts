/**
 * Property: over random access topologies and random event streams, what each live
 * connection receives (over real wss, either wire format) equals what the independent oracle
 * (./oracle.ts: plain SQL over the same SQLite file, nothing from src/) says it may see,
 * topic by topic and in order.
 *
 * Replay a failure with PROPERTY_SEED=<seed> (printed on failure); PROPERTY_RUNS sets how
 * many random topologies one run tries (default 3).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import {
  ArchiveEventSchema,
  DatabaseEventSchema,
  DeviceEventSchema,
  JoinSessionEventSchema,
  JoinSessionReplyEventSchema,
  LeaveSessionEventSchema,
  LogEventSchema,
  ParticipantEventSchema,
  StopSessionEventSchema,
  UserEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import { connect, frameTag, pack, parseFrame, publish, type ParsedFrame } from '../kit/sockets.js';
import { Oracle, TOPIC, type Kind, type PlainEvent, type Published } from './oracle.js';
import { generateTopology, Rng, type Topology } from './topology.js';

const END = 'prop:end';

function toAny(e: PlainEvent): Any {
  switch (e.type) {
    case 'UserEvent':
      return pack(UserEventSchema, { userUuid: e.uuid, type: e.eventType, userFullname: e.tag });
    case 'ParticipantEvent':
      return pack(ParticipantEventSchema, {
        participantUuid: e.uuid,
        type: e.eventType,
        participantName: e.tag,
      });
    case 'DeviceEvent':
      return pack(DeviceEventSchema, { deviceUuid: e.uuid, type: e.eventType, deviceName: e.tag });
    case 'JoinSessionEvent':
      return pack(JoinSessionEventSchema, {
        sessionUuid: e.session,
        sessionUsers: e.users,
        sessionParticipants: e.participants,
        sessionDevices: e.devices,
        joinMsg: e.tag,
      });
    case 'JoinSessionReplyEvent':
      return pack(JoinSessionReplyEventSchema, {
        sessionUuid: e.session,
        userUuid: e.user,
        participantUuid: e.participant,
        deviceUuid: e.device,
        joinReply: 2,
        replyMsg: e.tag,
      });
    case 'LeaveSessionEvent':
      return pack(LeaveSessionEventSchema, { sessionUuid: e.session, serviceUuid: e.tag });
    case 'StopSessionEvent':
      return pack(StopSessionEventSchema, { sessionUuid: e.session, serviceUuid: e.tag });
    case 'ArchiveEvent':
      return pack(ArchiveEventSchema, { ownerUuid: e.owner, archiveUrl: e.tag });
    case 'DatabaseEvent':
      return pack(DatabaseEventSchema, { type: 2, objectType: e.tag, objectValue: '{}' });
    case 'LogEvent':
      return pack(LogEventSchema, { message: e.tag });
  }
}

const tagOf = (f: ParsedFrame): string | undefined => {
  const v = frameTag(f);
  return typeof v === 'string' && v.startsWith('prop:') ? v : undefined;
};

/** A random stream of TeraEvents over the topics connections listen to (and some they do not). */
function generateStream(
  rng: Rng,
  topology: Topology,
  principals: Array<{ kind: Kind; uuid: string }>,
): Published[] {
  const fresh = [rng.uuid(), rng.uuid(), rng.uuid()];
  const sessions = [...topology.sessions, ...fresh, rng.uuid()];
  const all = {
    user: topology.users,
    participant: topology.participants,
    device: topology.devices,
  };
  const some = (kind: Kind) => [
    ...rng.subset(all[kind], 3),
    ...(rng.chance(0.1) ? [rng.uuid()] : []),
  ];
  const any = (kind: Kind) =>
    rng.chance(0.95) && all[kind].length > 0 ? rng.pick(all[kind]) : rng.uuid();
  const stream: Published[] = [];
  for (let i = 0; i < 160; i++) {
    const roll = rng.next();
    let topic: string;
    if (roll < 0.4) topic = TOPIC.userManagerEvents;
    else if (roll < 0.55) topic = TOPIC.fileTransferEvents;
    else if (roll < 0.95 && principals.length > 0) {
      const p = rng.pick(principals);
      topic = TOPIC.direct(p.kind, p.uuid);
    } else topic = TOPIC.direct(rng.pick(['user', 'participant', 'device'] as const), any('user'));
    const events: PlainEvent[] = [];
    for (let j = rng.chance(0.3) ? rng.int(2, 4) : 1; j > 0; j--) {
      const tag = `prop:${i}:${j}`;
      const type = rng.int(0, 11);
      const eventType = rng.pick([0, 1, 2, 5, 6, 7]);
      const session = rng.pick(sessions);
      if (type <= 1) events.push({ type: 'UserEvent', uuid: any('user'), eventType, tag });
      else if (type <= 3)
        events.push({ type: 'ParticipantEvent', uuid: any('participant'), eventType, tag });
      else if (type <= 5) events.push({ type: 'DeviceEvent', uuid: any('device'), eventType, tag });
      else if (type === 6)
        events.push({
          type: 'JoinSessionEvent',
          session,
          users: some('user'),
          participants: some('participant'),
          devices: some('device'),
          tag,
        });
      else if (type === 7) {
        const by = rng.pick(['user', 'participant', 'device'] as const);
        events.push({
          type: 'JoinSessionReplyEvent',
          session,
          user: by === 'user' ? any('user') : '',
          participant: by === 'participant' ? any('participant') : '',
          device: by === 'device' ? any('device') : '',
          tag,
        });
      } else if (type === 8) events.push({ type: 'LeaveSessionEvent', session, tag });
      else if (type === 9) events.push({ type: 'StopSessionEvent', session, tag });
      else if (type === 10)
        events.push({
          type: 'ArchiveEvent',
          owner: any(rng.pick(['user', 'participant', 'device'] as const)),
          tag,
        });
      else events.push({ type: rng.chance(0.5) ? 'DatabaseEvent' : 'LogEvent', tag });
    }
    stream.push({ topic, events });
  }
  return stream;
}

interface Live {
  kind: Kind;
  uuid: string;
  socket: TestSocket;
}

async function runOnce(seed: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-prop-'));
  const path = join(dir, 'prop.db');
  let server: TestServer | null = null;
  let oracle: Oracle | null = null;
  const live: Live[] = [];
  try {
    server = await startTestServer({ db: `sqlite:${path}`, seed: 'defaults' });
    const rng = new Rng(seed);
    const raw = new Database(path);
    const topology = generateTopology(raw, rng);
    raw.close();
    oracle = new Oracle(path);
    const principals = oracle.connectable();
    for (const p of principals) {
      const protocols = (binary: boolean) => (binary ? { protocols: ['opentera-protobuf'] } : {});
      const binary = rng.chance(0.5);
      live.push({ ...p, socket: await connect(server, p.kind, p.uuid, protocols(binary)) });
      if (rng.chance(0.3))
        live.push({ ...p, socket: await connect(server, p.kind, p.uuid, protocols(!binary)) });
    }

    const stream = generateStream(rng, topology, principals);
    for (const { topic, events } of stream) await publish(server, topic, events.map(toAny));
    const end = (p: { uuid: string }) =>
      pack(ArchiveEventSchema, { ownerUuid: p.uuid, archiveUrl: END });
    await publish(server, TOPIC.userManagerEvents, principals.map(end));
    await publish(server, TOPIC.fileTransferEvents, principals.map(end));
    for (const p of principals) await publish(server, TOPIC.direct(p.kind, p.uuid), [end(p)]);

    for (const c of live) {
      const got = new Map<string, string[]>();
      for (let ends = 0; ends < 3;) {
        const f = parseFrame(await c.socket.next());
        assert.equal(f.count, 1, 'one event per frame');
        if (f.fields.archiveUrl === END) {
          ends++;
          continue;
        }
        const tag = tagOf(f);
        if (tag) got.set(f.topic, [...(got.get(f.topic) ?? []), tag]);
      }
      const want = oracle.expected(c.kind, c.uuid, stream);
      const topics = [...new Set([...got.keys(), ...want.keys()])].sort();
      for (const topic of topics) {
        assert.deepEqual(
          got.get(topic) ?? [],
          want.get(topic) ?? [],
          `${c.kind} ${c.uuid} on ${topic}`,
        );
      }
    }
  } finally {
    for (const c of live) c.socket.close();
    oracle?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fan-out property', () => {
  const fixed = process.env.PROPERTY_SEED;
  const runs = fixed ? 1 : Number(process.env.PROPERTY_RUNS ?? 3);
  for (let i = 0; i < runs; i++) {
    const seed = fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
    test(`random topology and events (seed ${seed})`, async () => {
      try {
        await runOnce(seed);
      } catch (err) {
        console.error(`fan-out property failed: replay with PROPERTY_SEED=${seed}`);
        throw err;
      }
    });
  }
});
