/**
 * The History contract (src/seams/history/history.ts) and the ResumeTokens contract
 * (src/seams/history/tokens.ts), run against every implementation. `open` makes a fresh history
 * per test with the given bounds (or a skip reason when its backend is unreachable), with the
 * plain bus beside it; the suite closes it. Every test uses its own random topic names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../src/seams/bus/bus.js';
import type { History, HistoryBounds } from '../../src/seams/history/history.js';
import type { ResumeTokens } from '../../src/seams/history/tokens.js';
import { comparePositions, ZERO_POSITION } from '../../src/seams/history/positions.js';
import { Collector, text } from '../kit/bus.js';
import { storeTest } from '../kit/with-store.js';
import { waitFor } from '../kit/waiting.js';

export interface OpenedHistory {
  history: History;
  /** The plain bus the history publishes the unchanged bytes on. */
  raw: Bus;
  close(): Promise<void>;
}

export type OpenHistory = (bounds: HistoryBounds) => Promise<OpenedHistory | { skip: string }>;

const BOUNDS: HistoryBounds = { size: 1000, seconds: 300, idleTtlMs: 600_000 };

interface Delivered {
  topic: string;
  position: string | null;
  text: string;
}

class Deliveries {
  readonly items: Delivered[] = [];
  readonly handler = (topic: string, position: string | null, payload: Uint8Array): void => {
    this.items.push({ topic, position, text: Buffer.from(payload).toString() });
  };

  async atLeast(count: number): Promise<Delivered[]> {
    await waitFor(() => this.items.length >= count, { what: `${count} deliveries` });
    return this.items;
  }
}

const topicName = (): string => `websocket.user.${randomUUID()}.events`;

export function historyContract(open: OpenHistory): void {
  const withHistory = (body: (h: OpenedHistory) => Promise<void>, bounds = BOUNDS) =>
    storeTest(() => open(bounds))(body);

  test(
    'a publish reaches its topic handlers once, with a position; the plain bus gets the bytes',
    withHistory(async ({ history, raw }) => {
      const topic = topicName();
      const d = new Deliveries();
      const plain = new Collector();
      await history.subscribe(topic, d.handler);
      await raw.subscribe(topic, plain.handler);
      await history.publish(topic, text('one'));
      const [got] = await d.atLeast(1);
      assert.equal(got?.topic, topic);
      assert.equal(got?.text, 'one');
      assert.match(got?.position ?? '', /^\d+-\d+$/);
      await plain.atLeast(1);
      assert.deepEqual(plain.texts(), ['one']);
      // A sentinel on the same topic: nothing else came before it.
      await history.publish(topic, text('end'));
      await d.atLeast(2);
      assert.deepEqual(
        d.items.map((i) => i.text),
        ['one', 'end'],
      );
    }),
  );

  test(
    'positions grow across topics in publish order, and head is the last one',
    withHistory(async ({ history }) => {
      const [a, b] = [topicName(), topicName()];
      const d = new Deliveries();
      await history.subscribe(a, d.handler);
      await history.subscribe(b, d.handler);
      const sent = Array.from({ length: 50 }, (_, i) => ({ topic: i % 3 ? a : b, text: `e${i}` }));
      for (const s of sent) await history.publish(s.topic, text(s.text));
      await d.atLeast(50);
      const positions = d.items.map((i) => i.position!);
      assert.deepEqual(
        d.items.map((i) => i.text),
        sent.map((s) => s.text),
      );
      for (let i = 1; i < positions.length; i++)
        assert.ok(comparePositions(positions[i - 1]!, positions[i]!) < 0, 'strictly growing');
      const head = await history.head();
      assert.equal(head.position, positions.at(-1));
      assert.equal((await history.head()).epoch, head.epoch, 'the epoch is stable');
    }),
  );

  test(
    'since gives the events after a position on the topics asked, in order, not the others',
    withHistory(async ({ history }) => {
      const [a, b, other] = [topicName(), topicName(), topicName()];
      const { epoch } = await history.head();
      const d = new Deliveries();
      await history.subscribe(a, d.handler);
      for (let i = 0; i < 30; i++) {
        const topic = [a, b, other][i % 3]!;
        await history.publish(topic, text(`e${i}`));
      }
      await d.atLeast(10);
      const cut = d.items[3]!.position!; // the position of e9 (a)
      const replay = await history.since(epoch, cut, [a, b, a]);
      assert.ok(replay.recovered);
      const expected = Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i > 9 && i % 3 !== 2)
        .map((i) => `e${i}`);
      assert.deepEqual(
        replay.entries.map((e) => Buffer.from(e.payload).toString()),
        expected,
      );
      assert.ok(replay.entries.every((e) => e.topic === a || e.topic === b));
      assert.equal(replay.head.position, (await history.head()).position);
      const none = await history.since(epoch, replay.head.position, [a, b]);
      assert.ok(none.recovered);
      assert.equal(none.entries.length, 0);
      const fromStart = await history.since(epoch, ZERO_POSITION, [topicName()]);
      assert.ok(fromStart.recovered, 'a topic without history loses nothing');
      assert.equal(fromStart.entries.length, 0);
    }),
  );

  test(
    'a prefix subscription gets the events of every topic starting with it, in position order',
    withHistory(async ({ history }) => {
      const prefix = `websocket.user.${randomUUID()}-`;
      const [a, b, other] = [`${prefix}1.events`, `${prefix}2.events`, topicName()];
      const byPrefix = new Deliveries();
      const exact = new Deliveries();
      await history.subscribePrefix(prefix, byPrefix.handler);
      await history.subscribe(a, exact.handler);
      const sent = [
        [a, 'a1'],
        [other, 'o1'],
        [b, 'b1'],
        [a, 'a2'],
        [other, 'o2'],
        [b, 'b2'],
      ] as const;
      for (const [topic, s] of sent) await history.publish(topic, text(s));
      // The sentinel, after everything: the handler hears its topics in position order.
      await history.publish(b, text('end'));
      await byPrefix.atLeast(5);
      assert.deepEqual(
        byPrefix.items.map((i) => [i.topic, i.text]),
        [
          [a, 'a1'],
          [b, 'b1'],
          [a, 'a2'],
          [b, 'b2'],
          [b, 'end'],
        ],
      );
      const positions = byPrefix.items.map((i) => i.position!);
      for (let i = 1; i < positions.length; i++)
        assert.ok(comparePositions(positions[i - 1]!, positions[i]!) < 0, 'strictly growing');
      // A topic heard both ways: each subscription gets it once, with the same position.
      await exact.atLeast(2);
      assert.deepEqual(
        exact.items.map((i) => [i.text, i.position]),
        byPrefix.items.filter((i) => i.topic === a).map((i) => [i.text, i.position]),
      );
    }),
  );

  test(
    'since refuses another epoch and a position never given out',
    withHistory(async ({ history }) => {
      const topic = topicName();
      await history.publish(topic, text('x'));
      const head = await history.head();
      const other = await history.since(`${head.epoch}x`, ZERO_POSITION, [topic]);
      assert.deepEqual(other.recovered ? null : other.reason, 'epoch');
      assert.equal(other.head.epoch, head.epoch, 'tells the current epoch');
      const [ms] = head.position.split('-');
      const ahead = await history.since(head.epoch, `${Number(ms) + 1000}-0`, [topic]);
      assert.deepEqual(ahead.recovered ? null : ahead.reason, 'position');
    }),
  );

  test(
    'trimmed by count: a position before the last kept events is not recovered',
    withHistory(
      async ({ history }) => {
        const topic = topicName();
        const d = new Deliveries();
        await history.subscribe(topic, d.handler);
        const { epoch, position: start } = await history.head();
        for (let i = 0; i < 300; i++) await history.publish(topic, text(`e${i}`));
        await d.atLeast(300);
        const trimmed = await history.since(epoch, start, [topic]);
        assert.deepEqual(trimmed.recovered ? null : trimmed.reason, 'trimmed');
        const recent = await history.since(epoch, d.items[294]!.position!, [topic]);
        assert.ok(recent.recovered);
        assert.deepEqual(
          recent.entries.map((e) => Buffer.from(e.payload).toString()),
          ['e295', 'e296', 'e297', 'e298', 'e299'],
        );
      },
      { size: 10, seconds: 300, idleTtlMs: 600_000 },
    ),
  );

  test(
    'trimmed by age: events older than the bound go at the next appends',
    withHistory(
      async ({ history }) => {
        const topic = topicName();
        const { epoch, position: start } = await history.head();
        for (let i = 0; i < 150; i++) await history.publish(topic, text(`old${i}`));
        // Redis trims whole stream nodes (about 100 entries): keep appending until it did.
        await waitFor(
          async () => {
            await history.publish(topic, text('new'));
            const replay = await history.since(epoch, start, [topic]);
            return !replay.recovered && replay.reason === 'trimmed';
          },
          { what: 'old events trimmed by age' },
        );
      },
      { size: 100_000, seconds: 1, idleTtlMs: 600_000 },
    ),
  );
}

export type OpenTokens = () => Promise<
  (ResumeTokens & { close(): Promise<void> }) | { skip: string }
>;

export function resumeTokensContract(open: OpenTokens): void {
  const withTokens = (body: (t: ResumeTokens) => Promise<void>) => storeTest(open)(body);
  const record = () => ({
    kind: 'participant' as const,
    uuid: randomUUID(),
    connection: randomUUID(),
  });

  test(
    'save then find; another save replaces; unknown is null',
    withTokens(async (tokens) => {
      const [hash, first, second] = [randomUUID(), record(), record()];
      assert.equal(await tokens.find(hash), null);
      await tokens.save(hash, first, 60_000);
      assert.deepEqual(await tokens.find(hash), first);
      await tokens.save(hash, second, 60_000);
      assert.deepEqual(await tokens.find(hash), second);
    }),
  );

  test(
    'a record expires, unless extended',
    withTokens(async (tokens) => {
      const [kept, lapsed, absent] = [randomUUID(), randomUUID(), randomUUID()];
      await tokens.save(kept, record(), 300);
      await tokens.save(lapsed, record(), 300);
      await tokens.extend([kept, absent], 60_000);
      await waitFor(async () => (await tokens.find(lapsed)) === null, { what: 'expiry' });
      assert.notEqual(await tokens.find(kept), null);
      assert.equal(await tokens.find(absent), null, 'extend does not create');
    }),
  );
}
