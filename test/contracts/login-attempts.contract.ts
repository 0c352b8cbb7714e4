/**
 * The LoginAttempts contract (src/seams/login-attempts/login-attempts.ts), run against every implementation.
 * `open` makes a fresh store per test (or a skip reason when its backend is unreachable);
 * the suite closes it. Names and keys are random per test so implementations may share a backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { LoginAttempts } from '../../src/seams/login-attempts/login-attempts.js';
import { storeTest, type Opened } from '../kit/with-store.js';
import { waitFor } from '../kit/waiting.js';

export type OpenLoginAttempts = () => Promise<Opened<LoginAttempts>>;

const MINUTE = { points: 3, durationSeconds: 60 };

/** Registers the contract tests in the current describe block. */
export function loginAttemptsContract(open: OpenLoginAttempts): void {
  const withStore = storeTest(open);
  const name = (): string => `n${randomUUID()}`;
  const key = (): string => `user:${randomUUID()}:203.0.113.7`;
  const count = async (store: LoginAttempts, n: string, k: string, o = MINUTE) =>
    (await store.counter(n, o).get(k))?.consumedPoints ?? 0;

  test(
    'consume counts from 1 and resolves up to the points, then rejects with the count kept',
    withStore(async (store) => {
      const counter = store.counter(name(), MINUTE);
      const k = key();
      assert.equal(await counter.get(k), null);
      for (let i = 1; i <= 3; i++) assert.equal((await counter.consume(k)).consumedPoints, i);
      const over = await counter.consume(k).then(
        () => assert.fail('the 4th consume resolved'),
        (e: unknown) => e,
      );
      assert.ok(over instanceof RateLimiterRes, 'a refusal is a RateLimiterRes');
      assert.equal(over.consumedPoints, 4);
      assert.equal((await counter.get(k))?.consumedPoints, 4);
    }),
  );

  test(
    'reward takes one back; delete forgets',
    withStore(async (store) => {
      const n = name();
      const counter = store.counter(n, MINUTE);
      const k = key();
      await counter.consume(k);
      await counter.consume(k);
      await counter.reward(k);
      assert.equal(await count(store, n, k), 1);
      await counter.delete(k);
      assert.equal(await count(store, n, k), 0);
      assert.equal((await counter.consume(k)).consumedPoints, 1);
    }),
  );

  test(
    'concurrent consumes are all counted',
    withStore(async (store) => {
      const counter = store.counter(name(), { points: 100, durationSeconds: 60 });
      const k = key();
      const counts = await Promise.all(
        Array.from({ length: 50 }, async () => (await counter.consume(k)).consumedPoints),
      );
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    }),
  );

  test(
    'a count expires at the end of its first window, then starts again from 1',
    withStore(async (store) => {
      const counter = store.counter(name(), { points: 5, durationSeconds: 1 });
      const k = key();
      await counter.consume(k);
      await counter.consume(k);
      // Had a later consume restarted the window, the count would outlive the first one.
      await waitFor(async () => (await counter.get(k)) === null, {
        what: 'the count to expire with its first window',
      });
      assert.equal((await counter.consume(k)).consumedPoints, 1);
    }),
  );

  test(
    'one name is one counter; names and keys are independent',
    withStore(async (store) => {
      const a = name();
      const b = name();
      const k = key();
      const odd = `participant:${randomUUID()}:::ffff:10.0.0.1|é*?[]`;
      assert.equal(store.counter(a, MINUTE), store.counter(a, MINUTE));
      await store.counter(a, MINUTE).consume(k);
      await store.counter(a, MINUTE).consume(k);
      await store.counter(b, MINUTE).consume(k);
      await store.counter(a, MINUTE).consume(odd);
      assert.equal(await count(store, a, k), 2);
      assert.equal(await count(store, b, k), 1);
      assert.equal(await count(store, a, odd), 1);
    }),
  );

  test(
    'options that are not positive integers, or differ for one name, are refused',
    withStore(async (store) => {
      const n = name();
      store.counter(n, MINUTE);
      assert.throws(() => store.counter(n, { points: 4, durationSeconds: 60 }), {
        code: 'INTERNAL',
      });
      for (const [points, durationSeconds] of [
        [0, 60],
        [3, 0],
        [1.5, 60],
        [3, Number.NaN],
      ] as const)
        assert.throws(() => store.counter(name(), { points, durationSeconds }), {
          code: 'INTERNAL',
        });
    }),
  );

  test(
    'close is idempotent',
    withStore(async (store) => {
      await store.close();
      await store.close();
    }),
  );
}
