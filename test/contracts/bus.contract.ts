/**
 * The Bus contract (src/seams/bus/bus.ts), run against every implementation. `open` makes a fresh
 * bus per test (or a skip reason when its backend is unreachable); the suite closes it. Every
 * test uses its own random topic names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Bus } from '../../src/seams/bus/bus.js';
import { barrier, Collector, text } from '../kit/bus.js';
import { storeTest } from '../kit/with-store.js';

export type OpenBus = () => Promise<Bus | { skip: string }>;

export function busContract(open: OpenBus): void {
  const withBus = (body: (bus: Bus, prefix: string) => Promise<void>) =>
    storeTest(open)((bus) => body(bus, `test.${randomUUID()}`));

  test(
    'a subscriber gets what is published after subscribe resolves, topic and bytes',
    withBus(async (bus, prefix) => {
      const c = new Collector();
      await bus.subscribe(`${prefix}.a`, c.handler);
      await bus.publish(`${prefix}.a`, text('hello'));
      const [m] = await c.atLeast(1);
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
      await c.atLeast(1000);
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
      await Promise.all([a.atLeast(3), b.atLeast(3)]);
      await barrier(bus, prefix, a, b);
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
      await Promise.all([gone.atLeast(1), stays.atLeast(1)]);

      await subGone.unsubscribe();
      await bus.publish(prefix, text('after'));
      await stays.atLeast(2, 'the message after unsubscribe, on the other handler');
      await barrier(bus, prefix, stays);
      assert.deepEqual(gone.texts(), ['before']);

      await subStays.unsubscribe();
      await bus.publish(prefix, text('nobody'));

      // The topic works again for a new subscriber; its barrier follows 'nobody' too.
      const again = new Collector();
      await bus.subscribe(prefix, again.handler);
      await bus.publish(prefix, text('again'));
      await again.atLeast(1);
      await barrier(bus, prefix, again);
      assert.deepEqual(stays.texts(), ['before', 'after']);
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
      await b.atLeast(1);
      await barrier(bus, prefix, b);
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
      await c.atLeast(2);
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
      await ok.atLeast(2);
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
      const [m1, m2, m3] = await c.atLeast(3);
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
      await Promise.all([exact.atLeast(1), glob.atLeast(1)]);
      // Every message went through the same bus before these barriers.
      await barrier(bus, `${prefix}.a.b`, exact);
      await barrier(bus, `${prefix}.x.*`, glob);
      assert.deepEqual(exact.texts(), ['right']);
      assert.deepEqual(glob.texts(), ['literal glob']);
    }),
  );

  test(
    'a prefix subscription hears every topic starting with it, by name, in publish order',
    withBus(async (bus, prefix) => {
      const narrow = new Collector();
      const glob = new Collector();
      await bus.subscribePrefix(`${prefix}.a.`, narrow.handler);
      // Glob characters in a prefix are literal.
      await bus.subscribePrefix(`${prefix}.*?[x]\\.`, glob.handler);
      const topics = [
        ['.a.1', true],
        ['.a', false],
        ['.a.', true],
        ['.ab.1', false],
        ['.A.1', false],
        ['.a.x.y', true],
        ['.b.a.1', false],
        ['.*?[x]\\.1', false],
        ['.z?[x]\\.1', false],
        ['.*?x\\.1', false],
        ['.a.2', true],
      ] as const;
      for (const [rest] of topics) await bus.publish(`${prefix}${rest}`, text(rest));
      await bus.publish(`x${prefix}.a.1`, text('not at the start'));
      await bus.publish(`${prefix}.*?[x]\\.y`, text('literal glob'));
      // The sentinel: a prefix subscription keeps one publisher's order across its topics.
      await bus.publish(`${prefix}.a.end`, text('end'));
      await narrow.atLeast(5);
      assert.deepEqual(
        narrow.received.map((r) => [r.topic, r.payload.toString()]),
        [
          ...topics.filter(([, match]) => match).map(([rest]) => [`${prefix}${rest}`, rest]),
          [`${prefix}.a.end`, 'end'],
        ],
      );
      await glob.atLeast(2);
      await barrier(bus, `${prefix}.*?[x]\\.y`, glob);
      assert.deepEqual(
        glob.received.map((r) => r.topic),
        [`${prefix}.*?[x]\\.1`, `${prefix}.*?[x]\\.y`],
      );
    }),
  );

  test(
    'exact and prefix subscriptions matching one message each hear it once; unsubscribe ends one',
    withBus(async (bus, prefix) => {
      const topic = `${prefix}.a.1`;
      const exact = new Collector();
      const byPrefix = new Collector();
      const wide = new Collector();
      await bus.subscribe(topic, exact.handler);
      const sub = await bus.subscribePrefix(`${prefix}.a.`, byPrefix.handler);
      await bus.subscribePrefix(`${prefix}.`, wide.handler);
      await bus.publish(topic, text('both'));
      await barrier(bus, topic, exact, byPrefix, wide);
      assert.deepEqual(exact.texts(), ['both']);
      assert.deepEqual(byPrefix.texts(), ['both']);
      assert.deepEqual(wide.texts(), ['both']);

      await sub.unsubscribe();
      await sub.unsubscribe();
      await bus.publish(topic, text('after'));
      await barrier(bus, topic, exact, wide);
      assert.deepEqual(byPrefix.texts(), ['both']);
      assert.deepEqual(exact.texts(), ['both', 'after']);
      assert.deepEqual(wide.texts(), ['both', 'after']);

      // The same prefix subscribed again hears what follows.
      const again = new Collector();
      await bus.subscribePrefix(`${prefix}.a.`, again.handler);
      await bus.publish(topic, text('again'));
      await barrier(bus, topic, again);
      assert.deepEqual(again.texts(), ['again']);
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
