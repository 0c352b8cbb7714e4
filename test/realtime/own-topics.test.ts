/**
 * A principal's own topics (its direct events, `websocket.<kind>.<uuid>.events`, and its commands,
 * `module.TeraServer.TwistedModule.events.<uuid>`) are heard node-wide by the hub, on every
 * backend (memory or Redis bus, history off or on):
 * - a direct event reaches its principal's members only, all of them; a command closes the
 *   members of its uuid only; a message for a principal with no member here reaches no one;
 * - on Redis, however many members a node holds, it keeps one pattern per family and one
 *   channel per shared topic: no subscription of its own per connection.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Bus, BusHandler, Subscription } from '../../src/seams/bus/bus.js';
import { AppError } from '../../src/errors.js';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { RedisBus } from '../../src/seams/bus/redis.js';
import { HistoryBus } from '../../src/seams/history/bus.js';
import type { History } from '../../src/seams/history/history.js';
import { MemoryHistory } from '../../src/seams/history/memory.js';
import { RedisHistory } from '../../src/seams/history/redis.js';
import { createCodec } from '../../src/protocol/codec.js';
import { DeviceEventSchema, disconnectCommand, teraEvent } from '../../src/protocol/messages.js';
import type { CloseKind } from '../../src/errors.js';
import type { PrincipalKind } from '../../src/principal.js';
import { Hub, type HubMember } from '../../src/realtime/hub.js';
import { acceptAll } from '../kit/scopes.js';
import { SHARED_TOPICS } from '../../src/realtime/gateway.js';
import {
  directTopic,
  directTopicOwner,
  twistedCommandsTopic,
  TWISTED_COMMANDS_PREFIX,
} from '../../src/topics.js';
import { Metrics } from '../../src/metrics.js';
import { pack } from '../kit/sockets.js';
import { redisSuite, type RedisSuite } from '../kit/redis-suite.js';
import { subscriptionsOf } from '../kit/redis.js';
import { waitFor } from '../kit/waiting.js';

const log = pino({ level: 'silent' });
const codec = createCodec();
const BOUNDS = { size: 100, seconds: 60, idleTtlMs: 300_000 };

interface Member extends HubMember {
  readonly frames: string[];
  closed: CloseKind | null;
}

function member(kind: PrincipalKind, uuid: string): Member {
  return {
    id: randomUUID(),
    principal: { kind, uuid },
    format: 'json',
    scope: acceptAll(kind, uuid),
    frames: [],
    closed: null,
    send(frame) {
      this.frames.push(Buffer.from(frame as Uint8Array).toString());
    },
    close(kind) {
      this.closed = kind;
    },
  };
}

/** What a node is made of here: the bus producers publish on, the hub, and how to close them. */
interface Node {
  bus: Bus;
  hub: Hub<Member>;
  close(): Promise<void>;
}

type Backend = { name: string; open(): Promise<Node | { skip: string }> };

function node(raw: Bus, history: History | null, extra: () => Promise<void>): Node {
  const bus = history ? new HistoryBus(raw, history) : raw;
  const hub = new Hub<Member>({ bus, codec, ...(history ? { history } : {}) });
  return {
    bus,
    hub,
    close: async () => {
      await hub.close();
      await history?.close();
      await raw.close();
      await extra();
    },
  };
}

const redisNode = (suite: RedisSuite, withHistory: boolean): Node | { skip: string } => {
  const server = suite.server;
  if ('skip' in server) return server;
  const metrics = new Metrics();
  const name = randomUUID().slice(0, 8);
  const raw = new RedisBus({ url: server.url, log, metrics, name: `bus:${name}` });
  const history = withHistory
    ? new RedisHistory({ url: server.url, bus: raw, bounds: BOUNDS, log, metrics, name })
    : null;
  return node(raw, history, async () => {});
};

/** A device status event about `uuid`, marked with `mark` (its status text). */
const directEvent = (kind: PrincipalKind, uuid: string, mark: string): Uint8Array =>
  codec.encodeEvent(
    teraEvent(directTopic(kind, uuid), [
      pack(DeviceEventSchema, { deviceUuid: randomUUID(), type: 7, deviceStatus: mark }),
    ]),
  );

const disconnect = (uuid: string): Uint8Array =>
  codec.encodeModuleMessage(disconnectCommand(twistedCommandsTopic(uuid), 'test'));

function ownTopicsSuite(backend: Backend): void {
  test(`${backend.name}: direct events and commands reach their principal's members only`, async (t) => {
    const opened = await backend.open();
    if ('skip' in opened) return t.skip(opened.skip);
    const { bus, hub } = opened;
    try {
      const [u, d, absent] = [randomUUID(), randomUUID(), randomUUID()];
      const user = [member('user', u), member('user', u)];
      const device = member('device', d);
      // Another kind with the same uuid as the user: its direct topic is another one.
      const sameUuid = member('participant', u);
      for (const m of [...user, device, sameUuid]) await hub.add(m, SHARED_TOPICS);

      await bus.publish(directTopic('user', absent), directEvent('user', absent, 'nobody'));
      await bus.publish(directTopic('user', u), directEvent('user', u, 'for the user'));
      await bus.publish(directTopic('participant', u), directEvent('participant', u, 'for p'));
      // The barrier: the device's event comes after the others, through the same hub.
      await bus.publish(directTopic('device', d), directEvent('device', d, 'for the device'));
      await waitFor(() => device.frames.length === 1, { what: "the device's event" });
      await waitFor(
        () => user.every((m) => m.frames.length === 1) && sameUuid.frames.length === 1,
        {
          what: 'the user and participant events',
        },
      );
      for (const m of user) assert.match(m.frames[0]!, /for the user/);
      assert.match(sameUuid.frames[0]!, /for p/);
      assert.match(device.frames[0]!, /for the device/);
      assert.ok(![...user, device, sameUuid].some((m) => m.frames.join().includes('nobody')));

      // A command for the uuid closes both kinds' members with it, not the device.
      await bus.publish(twistedCommandsTopic(absent), disconnect(absent));
      await bus.publish(twistedCommandsTopic(u), disconnect(u));
      await waitFor(() => user.every((m) => m.closed !== null) && sameUuid.closed !== null, {
        what: 'the members of the uuid closed',
      });
      for (const m of [...user, sameUuid]) assert.equal(m.closed, 'CLIENT_DISCONNECT');
      // Barrier for the device: a command of its own comes after, through the same path.
      await bus.publish(
        twistedCommandsTopic(d),
        codec.encodeModuleMessage(disconnectCommand(twistedCommandsTopic(d), 'test')),
      );
      await waitFor(() => device.closed !== null, { what: "the device's own command" });

      // A removed member hears nothing more; the others of its principal still do.
      const [gone, stays] = user;
      hub.remove(gone!);
      await bus.publish(directTopic('user', u), directEvent('user', u, 'after'));
      await waitFor(() => stays!.frames.length === 2, { what: 'the event after removal' });
      assert.equal(gone!.frames.length, 1);
    } finally {
      await opened.close();
    }
  });
}

describe('own topics heard node-wide', () => {
  const suite = redisSuite();
  const backends: Backend[] = [
    { name: 'memory bus', open: async () => node(new MemoryBus({ log }), null, async () => {}) },
    {
      name: 'memory history',
      open: async () => {
        const raw = new MemoryBus({ log });
        return node(raw, new MemoryHistory({ raw, bounds: BOUNDS, log }), async () => {});
      },
    },
    { name: 'Redis bus', open: async () => redisNode(suite, false) },
    { name: 'Redis history', open: async () => redisNode(suite, true) },
  ];
  for (const backend of backends) ownTopicsSuite(backend);

  /** The channels and patterns of every bus's subscriber link. */
  const counts = (r: Redis) => subscriptionsOf(r, /^terarelay:bus:.+:sub$/);

  for (const withHistory of [false, true])
    test(`Redis${withHistory ? ' history' : ''}: 200 members, no subscription of their own`, async (t) => {
      const opened = redisNode(suite, withHistory);
      if ('skip' in opened) return t.skip(opened.skip);
      const admin = suite.client('admin');
      try {
        const members = Array.from({ length: 200 }, (_, i) =>
          member((['user', 'participant', 'device'] as const)[i % 3]!, randomUUID()),
        );
        await Promise.all(members.map((m) => opened.hub.add(m, SHARED_TOPICS)));
        // Each shared topic: one channel (and with history its delivery channel); each family
        // of own topics: one pattern (with history, direct events have their delivery one too).
        const live = withHistory ? { sub: 4, psub: 3 } : { sub: 2, psub: 2 };
        assert.deepEqual(await counts(admin), [live]);
        for (const m of members)
          assert.equal(opened.hub.memberCount(directTopic(m.principal.kind, m.principal.uuid)), 0);
        for (const m of members) opened.hub.remove(m);
        await waitFor(async () => (await counts(admin))[0]?.sub === 0, {
          what: 'the shared topics unsubscribed with their last member',
        });
        assert.equal((await counts(admin))[0]?.psub, live.psub, 'the node-wide patterns stay');
      } finally {
        await opened.close();
      }
    });
});

/** A MemoryBus whose prefix subscriptions to `failing` are refused while it is set. */
class RefusingBus extends MemoryBus {
  failing: string | null = null;
  override async subscribePrefix(prefix: string, handler: BusHandler): Promise<Subscription> {
    if (prefix === this.failing) throw new AppError('UNAVAILABLE', 'refused by the test');
    return super.subscribePrefix(prefix, handler);
  }
}

test('one own-topic subscription refused: the member is refused, the next one hears once', async () => {
  const bus = new RefusingBus({ log });
  const hub = new Hub<Member>({ bus, codec });
  try {
    bus.failing = TWISTED_COMMANDS_PREFIX;
    const refused = member('user', randomUUID());
    await assert.rejects(hub.add(refused, SHARED_TOPICS), /bus subscription failed/);
    assert.equal(hub.has(refused), false);
    bus.failing = null;
    const u = randomUUID();
    const m = member('user', u);
    await hub.add(m, SHARED_TOPICS);
    await bus.publish(directTopic('user', u), directEvent('user', u, 'once'));
    await bus.publish(directTopic('user', u), directEvent('user', u, 'sentinel'));
    await waitFor(() => m.frames.some((f) => f.includes('sentinel')), { what: 'the sentinel' });
    assert.equal(m.frames.length, 2, 'the direct prefix was not left subscribed by the refusal');
  } finally {
    await hub.close();
    await bus.close();
  }
});

test('own topic names: the owner of a direct topic, and the commands prefix', () => {
  const uuid = randomUUID();
  assert.deepEqual(directTopicOwner(directTopic('device', uuid)), { kind: 'device', uuid });
  assert.deepEqual(directTopicOwner(directTopic('user', uuid)), { kind: 'user', uuid });
  for (const other of [
    `websocket.service.${uuid}.events`,
    `websocket.user.${uuid}`,
    `websocket.user.${uuid}.events.x`,
    `websocket.user..events`,
    'module.TeraServer.UserManagerModule.events',
  ])
    assert.equal(directTopicOwner(other), null, other);
  assert.equal(twistedCommandsTopic(uuid), `${TWISTED_COMMANDS_PREFIX}${uuid}`);
  assert.equal(TWISTED_COMMANDS_PREFIX, 'module.TeraServer.TwistedModule.events.');
});
