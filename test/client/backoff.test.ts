/** The reconnect waits: full jitter under an exponential bound, a ceiling, 4001's longer wait, Retry-After. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/client/index.js';

const top = () => 0.999_999;
const bottom = () => 0;

test('waits are drawn under initial × 2^attempt, up to the ceiling', () => {
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: top });
  assert.deepEqual(
    Array.from({ length: 6 }, () => high.next()),
    [100, 200, 400, 800, 1000, 1000],
  );
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: bottom });
  assert.deepEqual(
    Array.from({ length: 3 }, () => low.next()),
    [0, 0, 0],
    'full jitter reaches down to zero',
  );
  let value = 0.5;
  const half = new Backoff({ initialMs: 100, maxMs: 1000, random: () => value });
  assert.equal(half.next(), 50);
  value = 0.25;
  assert.equal(half.next(), 50);
});

test('reset starts small again; attempt counts the waits since', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 10_000, random: top });
  b.next();
  b.next();
  b.next();
  assert.equal(b.attempt, 3);
  b.reset();
  assert.equal(b.attempt, 0);
  assert.equal(b.next(), 100);
});

test('the wait after a 4001 is at least half of afterSlowConsumerMs, drawn up to all of it', () => {
  const high = new Backoff({ initialMs: 100, afterSlowConsumerMs: 5000, random: top });
  assert.equal(high.next({ closeCode: 4001 }), 5000);
  assert.equal(high.next(), 200, 'the waits after a failed attempt are the usual ones');
  const low = new Backoff({ initialMs: 100, afterSlowConsumerMs: 5000, random: bottom });
  assert.equal(low.next({ closeCode: 4001 }), 2500);
  const other = new Backoff({ initialMs: 100, afterSlowConsumerMs: 5000, random: top });
  assert.equal(other.next({ closeCode: 1001 }), 100);
});

test("the server's Retry-After is a floor", () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, random: bottom });
  assert.equal(b.next({ retryAfterMs: 3000 }), 3000);
  assert.equal(b.next({ retryAfterMs: null }), 0);
});

test('bad options are refused', () => {
  assert.throws(() => new Backoff({ initialMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ maxMs: Number.NaN }), RangeError);
});
