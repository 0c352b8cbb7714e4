/**
 * Cached: a value kept for its TTL, loaded once for concurrent gets, loaded again after
 * invalidate() (a load running across an invalidate() is not kept), and never kept when the
 * load failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cached } from '../../src/util/cache.js';

/** A load whose calls are counted and that each caller resolves by hand. */
function manualLoad<T>() {
  const calls: Array<{ resolve(v: T): void; reject(e: Error): void }> = [];
  const load = () =>
    new Promise<T>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, load };
}

test('kept for the TTL, loaded again after it', async () => {
  let now = 1000;
  let loads = 0;
  const cached = new Cached(
    async () => ++loads,
    50,
    () => now,
  );
  assert.equal(await cached.get(), 1);
  now += 49;
  assert.equal(await cached.get(), 1, 'still within the TTL');
  now += 1;
  assert.equal(await cached.get(), 2, 'the TTL passed');
});

test('concurrent gets share one load', async () => {
  const { calls, load } = manualLoad<string>();
  const cached = new Cached(load, 10_000);
  const a = cached.get();
  const b = cached.get();
  assert.equal(calls.length, 1);
  calls[0]!.resolve('rows');
  assert.deepEqual(await Promise.all([a, b]), ['rows', 'rows']);
  assert.equal(await cached.get(), 'rows');
  assert.equal(calls.length, 1);
});

test('invalidate: the next get loads again; a load it overtook is not kept', async () => {
  const { calls, load } = manualLoad<string>();
  const cached = new Cached(load, 10_000);
  const early = cached.get();
  cached.invalidate();
  const late = cached.get();
  assert.equal(calls.length, 2, 'a get after invalidate() does not wait for the older load');
  calls[0]!.resolve('before the change');
  calls[1]!.resolve('after the change');
  assert.equal(await early, 'before the change');
  assert.equal(await late, 'after the change');
  assert.equal(await cached.get(), 'after the change');
  assert.equal(calls.length, 2);

  cached.invalidate();
  const next = cached.get();
  assert.equal(calls.length, 3);
  calls[2]!.resolve('again');
  assert.equal(await next, 'again');
});

test('a failed load rejects its gets and is not kept', async () => {
  const { calls, load } = manualLoad<string>();
  const cached = new Cached(load, 10_000);
  const failing = cached.get();
  calls[0]!.reject(new Error('database down'));
  await assert.rejects(failing, /database down/);
  const retried = cached.get();
  assert.equal(calls.length, 2);
  calls[1]!.resolve('rows');
  assert.equal(await retried, 'rows');
});
