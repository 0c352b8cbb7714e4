import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { RedisBus } from '../../src/seams/bus/redis.js';
import { MemoryHistory, MemoryResumeTokens } from '../../src/seams/history/memory.js';
import { RedisHistory } from '../../src/seams/history/redis.js';
import { RedisResumeTokens } from '../../src/seams/history/tokens-redis.js';
import type { HistoryBounds } from '../../src/seams/history/history.js';
import { ZERO_POSITION } from '../../src/seams/history/positions.js';
import { Metrics } from '../../src/metrics.js';
import { historyContract, resumeTokensContract } from '../contracts/history.contract.js';
import { redisSuite } from '../kit/redis-suite.js';
import { text } from '../kit/bus.js';
import { waitFor } from '../kit/waiting.js';

const log = pino({ level: 'silent' });
const BOUNDS: HistoryBounds = { size: 1000, seconds: 300, idleTtlMs: 600_000 };

describe('MemoryHistory', () => {
  historyContract(async (bounds) => {
    const raw = new MemoryBus({ log });
    const history = new MemoryHistory({ raw, bounds, log });
    return { history, raw, close: async () => (await history.close(), await raw.close()) };
  });

  test('a new history (a restarted node) has another epoch', async () => {
    const raw = new MemoryBus({ log });
    const [a, b] = [
      new MemoryHistory({ raw, bounds: BOUNDS }),
      new MemoryHistory({ raw, bounds: BOUNDS }),
    ];
    const topic = `websocket.user.${randomUUID()}.events`;
    await a.publish(topic, text('x'));
    const before = await a.head();
    const replay = await b.since(before.epoch, ZERO_POSITION, [topic]);
    assert.deepEqual(replay.recovered ? null : replay.reason, 'epoch');
    await Promise.all([a.close(), b.close(), raw.close()]);
  });
});

describe('MemoryResumeTokens', () => {
  resumeTokensContract(async () => new MemoryResumeTokens());
});

describe('RedisHistory', () => {
  const suite = redisSuite();
  const node = (bounds: HistoryBounds = BOUNDS) => {
    const server = suite.server;
    if ('skip' in server) throw new Error(server.skip);
    const metrics = new Metrics();
    const name = randomUUID().slice(0, 8);
    const raw = new RedisBus({ url: server.url, log, metrics, name: `bus:${name}` });
    const history = new RedisHistory({ url: server.url, bus: raw, bounds, log, metrics, name });
    return { history, raw, close: async () => (await history.close(), await raw.close()) };
  };

  historyContract(async (bounds) => ('skip' in suite.server ? suite.server : node(bounds)));

  for (const by of ['topic', 'prefix'] as const)
    test(`what others PUBLISH on a topic is appended once, however many nodes hear it (by ${by})`, async (t) => {
      if ('skip' in suite.server) return t.skip(suite.server.skip);
      const [a, b] = [suite.own(node()), suite.own(node())];
      const admin = suite.client('admin');
      const id = randomUUID();
      const topic = `websocket.participant.${id}.events`;
      const got: Array<{ node: string; position: string | null; text: string }> = [];
      for (const [name, n] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const handler = (_t: string, position: string | null, payload: Uint8Array): number =>
          got.push({ node: name, position, text: Buffer.from(payload).toString() });
        if (by === 'topic') await n.history.subscribe(topic, handler);
        else await n.history.subscribePrefix(`websocket.participant.${id}`, handler);
      }
      // Not a history topic, though under the prefix: neither kept nor delivered.
      await admin.publish(`websocket.participant.${id}.other`, Buffer.from('not kept'));
      // A Python service: a plain PUBLISH, twice the same bytes is one event; then TeraRelay's own.
      await admin.publish(topic, Buffer.from('from python'));
      // The nodes append what they hear after Redis answered the PUBLISH: wait for it, so that
      // TeraRelay's publish comes after it in the history too.
      await waitFor(() => got.filter((g) => g.text === 'from python').length === 2, {
        what: 'the Python event on both nodes',
      });
      await a.history.publish(topic, text('from terarelay'));
      await waitFor(() => got.length >= 4, { what: 'both events on both nodes' });
      assert.equal(await admin.xlen(`terarelay:h:${topic}`), 2, 'each appended once');
      assert.equal(await admin.exists(`terarelay:h:websocket.participant.${id}.other`), 0);
      assert.ok(got.every((g) => g.text !== 'not kept'));
      const byNode = (n: string) => got.filter((g) => g.node === n);
      assert.deepEqual(
        byNode('a').map((g) => g.text),
        ['from python', 'from terarelay'],
      );
      assert.deepEqual(
        byNode('a').map((g) => g.position),
        byNode('b').map((g) => g.position),
        'the same positions on both nodes',
      );
      const { epoch } = await a.history.head();
      const replay = await b.history.since(epoch, ZERO_POSITION, [topic]);
      assert.ok(replay.recovered);
      assert.deepEqual(
        replay.entries.map((e) => e.position),
        byNode('a').map((g) => g.position),
      );
    });

  test('a flushed Redis gives a new epoch: earlier positions are not recovered', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const n = suite.own(node());
    const admin = suite.client('admin');
    const topic = `websocket.user.${randomUUID()}.events`;
    await n.history.publish(topic, text('x'));
    const before = await n.history.head();
    await admin.flushall();
    const replay = await n.history.since(before.epoch, before.position, [topic]);
    assert.deepEqual(replay.recovered ? null : replay.reason, 'epoch');
    assert.notEqual(replay.head.epoch, before.epoch);
    assert.equal((await n.history.head()).epoch, replay.head.epoch);
  });
});

describe('RedisResumeTokens', () => {
  const suite = redisSuite();
  resumeTokensContract(async () =>
    'skip' in suite.server
      ? suite.server
      : new RedisResumeTokens({ redis: suite.client(), prefix: `test:${randomUUID()}:` }),
  );
});
