import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { RedisBus, type RedisBusOptions } from '../../src/seams/bus/redis.js';
import { isAppError } from '../../src/errors.js';
import { Metrics } from '../../src/metrics.js';
import { busContract } from '../contracts/bus.contract.js';
import { barrier, Collector, text } from '../kit/bus.js';
import { waitFor } from '../kit/waiting.js';
import { redisSuite } from '../kit/redis-suite.js';
import { subscriptionsOf } from '../kit/redis.js';

const log = pino({ level: 'silent' });

describe('MemoryBus', () => {
  busContract(async () => new MemoryBus({ log }));
});

describe('RedisBus', () => {
  const suite = redisSuite();
  const bus = (options: Partial<RedisBusOptions> = {}): RedisBus & { counters: Metrics } => {
    const server = suite.server;
    if ('skip' in server) throw new Error(server.skip);
    const metrics = new Metrics();
    const b = Object.assign(new RedisBus({ url: server.url, log, metrics, ...options }), {
      counters: metrics,
    });
    return suite.own(b);
  };
  const admin = (): Redis => suite.client('admin');
  const numsub = async (r: Redis, topic: string): Promise<number> => {
    const reply = (await r.pubsub('NUMSUB', topic)) as [string, number];
    return Number(reply[1]);
  };
  /** The patterns the subscriber link named `terarelay:<name>:sub` holds (CLIENT LIST). */
  const patternsOf = async (r: Redis, name: string): Promise<number> => {
    const [link] = await subscriptionsOf(r, new RegExp(`^terarelay:${name}:sub$`));
    return link?.psub ?? NaN;
  };
  const errors = async (metrics: Metrics, op: string): Promise<number> => {
    const values = (await metrics.busErrors.get()).values;
    return values.find((v) => v.labels.op === op)?.value ?? 0;
  };

  busContract(async () => ('skip' in suite.server ? suite.server : bus()));

  test('two nodes: one subscriber link per node, SUBSCRIBE ref-counted per topic', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const [a, b, r] = [bus({ name: 'node-a' }), bus({ name: 'node-b' }), admin()];
    const topic = `websocket.user.${randomUUID()}.events`;
    const other = `${topic}.other`;
    const [c1, c2, c3] = [new Collector(), new Collector(), new Collector()];
    const s1 = await b.subscribe(topic, c1.handler);
    const s2 = await b.subscribe(topic, c2.handler);
    await b.subscribe(other, c3.handler);
    assert.equal(await numsub(r, topic), 1, 'two handlers, one Redis subscription');
    const clients = String(await r.client('LIST'));
    assert.equal(clients.match(/name=terarelay:node-b:sub /g)?.length, 1);
    assert.equal(clients.match(/name=terarelay:node-b:pub /g)?.length, 1);

    await a.publish(topic, text('from a'));
    await Promise.all([c1.atLeast(1), c2.atLeast(1)]);
    await s1.unsubscribe();
    assert.equal(await numsub(r, topic), 1, 'one handler left');
    await s2.unsubscribe();
    assert.equal(await numsub(r, topic), 0, 'UNSUBSCRIBE after the last handler');
    assert.equal(await numsub(r, other), 1);

    // A Python service (or any plain client) publishing on the channel reaches the node.
    await r.publish(other, Buffer.from([0, 1, 2]));
    const [m] = await c3.atLeast(1);
    assert.deepEqual([...(m?.payload ?? [])], [0, 1, 2]);
  });

  test('prefix subscriptions: one PSUBSCRIBE per prefix and node, PUNSUBSCRIBE after the last', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const name = `node-${randomUUID()}`;
    const [b, r] = [bus({ name }), admin()];
    const prefix = `websocket.${randomUUID()}.`;
    const [c1, c2, other] = [new Collector(), new Collector(), new Collector()];
    const s1 = await b.subscribePrefix(prefix, c1.handler);
    const s2 = await b.subscribePrefix(prefix, c2.handler);
    const s3 = await b.subscribePrefix(`${prefix}x.`, other.handler);
    assert.equal(await patternsOf(r, name), 2, 'two handlers of one prefix, one pattern');

    // A plain client's publish (a Python service) reaches both handlers, once each.
    await r.publish(`${prefix}x.1`, Buffer.from([7]));
    await barrier(b, `${prefix}x.1`, c1, c2, other);
    for (const c of [c1, c2, other])
      assert.deepEqual(
        c.received.map((m) => [...m.payload]),
        [[7]],
      );

    await s1.unsubscribe();
    assert.equal(await patternsOf(r, name), 2, 'one handler left');
    await s2.unsubscribe();
    await s3.unsubscribe();
    assert.equal(await patternsOf(r, name), 0, 'PUNSUBSCRIBE after the last handler');
  });

  test('publish while Redis is down resolves, is counted, and reaches only this node', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const [a, b] = [bus(), bus({ offlineWaitMs: 100 })];
    const topic = `t.${randomUUID()}`;
    const [other, local, byPrefix] = [new Collector(), new Collector(), new Collector()];
    await a.subscribe(topic, other.handler);
    await b.subscribe(topic, local.handler);
    await b.subscribePrefix(topic.slice(0, 10), byPrefix.handler);
    await server.stop();
    try {
      await b.publish(topic, text('lost 1'));
      await Promise.all([b.publish(topic, text('lost 2')), b.publish(topic, text('lost 3'))]);
      assert.equal(await errors(b.counters, 'publish'), 3);
      await Promise.all([local.atLeast(3), byPrefix.atLeast(3)]);
      assert.deepEqual(local.texts(), ['lost 1', 'lost 2', 'lost 3'], 'local order kept');
      assert.deepEqual(byPrefix.texts(), ['lost 1', 'lost 2', 'lost 3'], 'to prefix handlers too');
    } finally {
      await server.start();
    }
    await waitFor(
      async () => {
        await b.publish(topic, text('back'));
        return other.received.length > 0;
      },
      { what: 'delivery after Redis is back' },
    );
    assert.ok(
      other.texts().every((s) => s === 'back'),
      'nothing published while down reaches another node',
    );
  });

  test('after a Redis restart the old topics deliver again, once', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const [a, b, r] = [bus(), bus(), admin()];
    const topics = [`t.${randomUUID()}`, `t.${randomUUID()}`];
    const got = topics.map(() => new Collector());
    for (const [i, topic] of topics.entries()) await b.subscribe(topic, got[i]!.handler);
    const prefixed = `p.${randomUUID()}.`;
    const byPrefix = new Collector();
    await b.subscribePrefix(prefixed, byPrefix.handler);
    await server.stop(true);
    await server.start();
    await waitFor(
      async () => {
        await a.publish(`${prefixed}1`, text('after restart'));
        return byPrefix.received.length > 0;
      },
      { what: 'delivery by prefix after the restart' },
    );
    for (const [i, topic] of topics.entries()) {
      await waitFor(
        async () => {
          await a.publish(topic, text('after restart'));
          return got[i]!.received.length > 0;
        },
        { what: `delivery on ${topic} after the restart` },
      );
    }
    await waitFor(async () => (await numsub(r, topics[0]!)) === 1, { what: 'one subscription' });
    // Exactly one delivery per publish from now on (no duplicate subscriptions).
    await barrier(a, topics[1]!, got[1]!); // the polls' publishes still on their way are in
    const count = got[1]!.received.length;
    await a.publish(topics[1]!, text('single'));
    await got[1]!.atLeast(count + 1);
    await barrier(a, topics[1]!, got[1]!);
    assert.equal(got[1]!.received.length, count + 1);
    await barrier(a, `${prefixed}1`, byPrefix);
    const heard = byPrefix.received.length;
    await a.publish(`${prefixed}2`, text('single'));
    await barrier(a, `${prefixed}2`, byPrefix);
    assert.equal(byPrefix.received.length, heard + 1, 'one pattern after the restart');
  });

  test('subscribe while Redis is down: resolves when Redis is back in time, else UNAVAILABLE', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const [a, b] = [bus(), bus({ subscribeTimeoutMs: 30_000 })];
    const quick = bus({ subscribeTimeoutMs: 100 });
    await Promise.all([a.publish('warm', text('')), quick.publish('warm', text(''))]);
    await server.stop();
    const topic = `t.${randomUUID()}`;
    const c = new Collector();
    let pendingSettled = false;
    const pending = b.subscribe(topic, c.handler).finally(() => (pendingSettled = true));
    try {
      await assert.rejects(
        quick.subscribe(`t.${randomUUID()}`, () => {}),
        (e) => {
          return isAppError(e) && e.code === 'UNAVAILABLE';
        },
      );
      assert.equal(await errors(quick.counters, 'subscribe'), 1);
      assert.equal(pendingSettled, false, 'still waiting for Redis');
    } finally {
      await server.start();
    }
    await pending;
    await waitFor(
      async () => {
        await a.publish(topic, text('late subscriber'));
        return c.received.length > 0;
      },
      { what: 'delivery to a subscription made while Redis was down' },
    );
  });

  test('close is idempotent and ends both links', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const r = admin();
    const b = bus({ name: 'closing' });
    await b.subscribe(`t.${randomUUID()}`, () => {});
    await b.close();
    await b.close();
    await waitFor(async () => !String(await r.client('LIST')).includes('name=terarelay:closing:'), {
      what: 'links closed',
    });
  });
});
