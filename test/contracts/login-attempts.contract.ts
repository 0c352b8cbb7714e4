/**
 * The LoginAttempts contract (src/seams/login-attempts/login-attempts.ts), run against every implementation.
 * `open` makes a fresh store per test (or a skip reason when its backend is unreachable);
 * the suite closes it. Keys are random per test so implementations may share a backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LoginAttempts } from '../../src/seams/login-attempts/login-attempts.js';
import { eventually } from '../kit/eventually.js';
import { storeTest, type Opened } from '../kit/with-store.js';

export type OpenLoginAttempts = () => Promise<Opened<LoginAttempts>>;

const MINUTE = 60_000;

/** Registers the contract tests in the current describe block. */
export function loginAttemptsContract(open: OpenLoginAttempts): void {
  const withStore = storeTest(open);
  const key = (): string => `user:${randomUUID()}|203.0.113.7`;

  test(
    'increment counts from 1, get reads, reset deletes',
    withStore(async (store) => {
      const k = key();
      assert.equal(await store.get(k), 0);
      assert.equal(await store.increment(k, MINUTE), 1);
      assert.equal(await store.increment(k, MINUTE), 2);
      assert.equal(await store.increment(k, MINUTE), 3);
      assert.equal(await store.get(k), 3);
      await store.reset(k);
      assert.equal(await store.get(k), 0);
      await store.reset(k);
      assert.equal(await store.increment(k, MINUTE), 1);
    }),
  );

  test(
    'concurrent increments are all counted',
    withStore(async (store) => {
      const k = key();
      const counts = await Promise.all(
        Array.from({ length: 50 }, () => store.increment(k, MINUTE)),
      );
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(await store.get(k), 50);
    }),
  );

  test(
    'a counter expires at the end of its window, then starts again from 1',
    withStore(async (store) => {
      const k = key();
      await store.increment(k, 50);
      await store.increment(k, 50);
      assert.ok(await eventually(async () => (await store.get(k)) === 0), 'never expired');
      assert.equal(await store.increment(k, MINUTE), 1);
      assert.equal(await store.get(k), 1);
    }),
  );

  test(
    'later increments do not extend the window',
    withStore(async (store) => {
      const k = key();
      assert.equal(await store.increment(k, 300), 1);
      // Had any of these restarted the window, the counter would outlive the poll below.
      assert.equal(await store.increment(k, 10 * MINUTE), 2);
      assert.equal(await store.increment(k, 10 * MINUTE), 3);
      assert.ok(await eventually(async () => (await store.get(k)) === 0), 'window was extended');
    }),
  );

  test(
    'keys are independent',
    withStore(async (store) => {
      const a = key();
      const b = key();
      const odd = `participant:${randomUUID()}|::ffff:10.0.0.1|é*?[]`;
      await store.increment(a, MINUTE);
      await store.increment(a, MINUTE);
      await store.increment(b, MINUTE);
      await store.increment(odd, MINUTE);
      assert.equal(await store.get(a), 2);
      assert.equal(await store.get(b), 1);
      assert.equal(await store.get(odd), 1);
      await store.reset(a);
      assert.equal(await store.get(a), 0);
      assert.equal(await store.get(b), 1);
      assert.equal(await store.get(odd), 1);
    }),
  );

  test(
    'a non-positive or fractional window is refused',
    withStore(async (store) => {
      for (const bad of [0, -1, 1.5, Number.NaN])
        await assert.rejects(store.increment(key(), bad), { code: 'INTERNAL' });
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
