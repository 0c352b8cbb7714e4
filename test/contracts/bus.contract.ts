/**
 * The Bus contract (src/seams/bus/bus.ts), run against every implementation. `open` makes a fresh
 * bus per test (or a skip reason when its backend is unreachable); the suite closes it. Every
 * test uses its own random topic names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../src/seams/bus/bus.js';
import { Collector, pause, text } from '../kit/waiting.js';

export type OpenBus = () => Promise<Bus | { skip: string }>;

/** How long a test waits to see that something is not delivered. */
const GRACE_MS = 150;

export function busContract(open: OpenBus): void {
  const withBus =
    (body: (bus: Bus, prefix: string) => Promise<void>) =>
    async (t: { skip(reason: string): void }): Promise<void> => {
      const bus = await open();
      if ('skip' in bus) return t.skip(bus.skip);
      try {
        await body(bus, `test.${randomUUID()}`);
      } finally {
        await bus.close();
      }
    };

  test(
    'a subscriber gets what is published after subscribe resolves, topic and bytes',
    withBus(async (bus, prefix) => {
      const c = new Collector();
      await bus.subscribe(`${prefix}.a`, c.handler);
      await bus.publish(`${prefix}.a`, text('hello'));
      const [m] = await c.until(1);
      assert.equal(m?.topic, `${prefix}.a`);
      assert.equal(m?.payload.toString(), 'hello');
    }),
  );

  test(
    '1000 messages on one topic arrive in publish order',
    withBus(async (bus, prefix) => {
      const c = new Collector();
      await bus.subscribe(prefix, c.handler);
      const sent = Array.from({ length: 1000 }, (_, i) => String(i));
      await Promise.all(sent.map((s) => bus.publish(prefix, text(s))));
      await c.until(1000);
      assert.deepEqual(c.texts(), sent);
    }),
  );

  test(
    'two handlers on one topic each get every message once',
    withBus(async (bus, prefix) => {
      const a = new Collector();
      const b = new Collector();
      await bus.subscribe(prefix, a.handler);
      await bus.subscribe(prefix, b.handler);
      for (const s of ['1', '2', '3']) await bus.publish(prefix, text(s));
      await Promise.all([a.until(3), b.until(3)]);
      await pause(GRACE_MS);
      assert.deepEqual(a.texts(), ['1', '2', '3']);
      assert.deepEqual(b.texts(), ['1', '2', '3']);
    }),
  );

  test(
    'unsubscribe stops delivery to that handler only; the last one stops the topic',
    withBus(async (bus, prefix) => {
      const gone = new Collector();
      const stays = new Collector();
      const subGone = await bus.subscribe(prefix, gone.handler);
      const subStays = await bus.subscribe(prefix, stays.handler);
      await bus.publish(prefix, text('before'));
      await Promise.all([gone.until(1), stays.until(1)]);

      await subGone.unsubscribe();
      await bus.publish(prefix, text('after'));
      await stays.until(2, 'the message after unsubscribe, on the other handler');
      await pause(GRACE_MS);
      assert.deepEqual(gone.texts(), ['before']);

      await subStays.unsubscribe();
      await bus.publish(prefix, text('nobody'));
      await pause(GRACE_MS);
      assert.deepEqual(stays.texts(), ['before', 'after']);

      // The topic works again for a new subscriber.
      const again = new Collector();
      await bus.subscribe(prefix, again.handler);
      await bus.publish(prefix, text('again'));
      await again.until(1);
      await pause(GRACE_MS);
      assert.deepEqual(again.texts(), ['again']);
      assert.deepEqual(gone.texts(), ['before']);
    }),
  );

  test(
    'unsubscribe is idempotent and never removes another handler',
    withBus(async (bus, prefix) => {
      const a = new Collector();
      const b = new Collector();
      const subA = await bus.subscribe(prefix, a.handler);
      await bus.subscribe(prefix, b.handler);
      // The same function subscribed twice is two subscriptions.
      const subB2 = await bus.subscribe(prefix, b.handler);
      await Promise.all([subA.unsubscribe(), subA.unsubscribe()]);
      await subA.unsubscribe();
      await subB2.unsubscribe();
      await subB2.unsubscribe();
      await bus.publish(prefix, text('x'));
      await b.until(1);
      await pause(GRACE_MS);
      assert.deepEqual(b.texts(), ['x']);
      assert.deepEqual(a.texts(), []);
    }),
  );

  test(
    'handlers run after publish has returned; a handler may publish without re-entrancy',
    withBus(async (bus, prefix) => {
      let returned = false;
      let calledBeforeReturn = false;
      let depth = 0;
      let maxDepth = 0;
      const c = new Collector();
      await bus.subscribe(prefix, (topic, payload) => {
        if (!returned) calledBeforeReturn = true;
        maxDepth = Math.max(maxDepth, ++depth);
        // Publishing from a handler must not call this handler again before it returns.
        if (Buffer.from(payload).toString() === 'first') void bus.publish(prefix, text('second'));
        c.handler(topic, payload);
        depth--;
      });
      const publishing = bus.publish(prefix, text('first'));
      returned = true;
      await publishing;
      await c.until(2);
      assert.equal(calledBeforeReturn, false, 'a handler ran inside publish');
      assert.equal(maxDepth, 1, 'a handler was re-entered');
      assert.deepEqual(c.texts(), ['first', 'second']);
    }),
  );

  test(
    'a throwing handler affects neither the other handlers nor later messages',
    withBus(async (bus, prefix) => {
      let thrown = 0;
      const ok = new Collector();
      await bus.subscribe(prefix, () => {
        thrown++;
        throw new Error('handler failure (expected by the test)');
      });
      await bus.subscribe(prefix, ok.handler);
      await bus.publish(prefix, text('1'));
      await bus.publish(prefix, text('2'));
      await ok.until(2);
      assert.equal(thrown, 2);
      assert.deepEqual(ok.texts(), ['1', '2']);
    }),
  );

  test(
    'binary payloads keep all 256 byte values, and an empty payload stays empty',
    withBus(async (bus, prefix) => {
      const c = new Collector();
      await bus.subscribe(prefix, c.handler);
      const all = Uint8Array.from({ length: 512 }, (_, i) => (i < 256 ? i : 511 - i));
      await bus.publish(prefix, all);
      await bus.publish(prefix, new Uint8Array(0));
      // A view into a larger buffer sends only its own bytes.
      const backing = Uint8Array.from([9, 9, 0, 255, 128, 9]);
      await bus.publish(prefix, backing.subarray(2, 5));
      const [m1, m2, m3] = await c.until(3);
      assert.deepEqual([...(m1?.payload ?? [])], [...all]);
      assert.equal(m2?.payload.length, 0);
      assert.deepEqual([...(m3?.payload ?? [])], [0, 255, 128]);
    }),
  );

  test(
    'topics are exact names: no prefix, pattern or case matching',
    withBus(async (bus, prefix) => {
      const exact = new Collector();
      const glob = new Collector();
      await bus.subscribe(`${prefix}.a.b`, exact.handler);
      await bus.subscribe(`${prefix}.x.*`, glob.handler);
      for (const other of ['', '.a', '.a.b.c', '.a.*', '.a.?', '.A.b', '.a.b ', '.x.y', '.x']) {
        await bus.publish(`${prefix}${other}`, text(`wrong${other}`));
      }
      await bus.publish(`${prefix}.a.b`, text('right'));
      await bus.publish(`${prefix}.x.*`, text('literal glob'));
      await Promise.all([exact.until(1), glob.until(1)]);
      await pause(GRACE_MS);
      assert.deepEqual(exact.texts(), ['right']);
      assert.deepEqual(glob.texts(), ['literal glob']);
    }),
  );

  test(
    'close is idempotent; publish after close resolves',
    withBus(async (bus, prefix) => {
      await bus.close();
      await bus.close();
      await bus.publish(prefix, text('late'));
    }),
  );
}
