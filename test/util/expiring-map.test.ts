import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiringMap } from '../../src/util/expiring-map.js';
import { waitFor } from '../kit/waiting.js';

test('an expired entry is never returned, and a sweep drops the unread ones', () => {
  const map = new ExpiringMap<string, number>(0);
  map.set('a', 1, 1000);
  map.set('b', 2, 2000);
  map.set('c', 3, 3000);
  assert.equal(map.get('a', 999), 1);
  assert.equal(map.get('a', 1000), undefined, 'expired at its expiry');
  assert.equal(map.size, 2, 'read drops it');
  map.sweep(2500);
  assert.equal(map.size, 1);
  assert.equal(map.take('c', 2999)?.value, 3);
  assert.equal(map.get('c', 0), undefined, 'take removes');
  map.close();
  map.close();
});

test('the background sweep runs on its own', async () => {
  const map = new ExpiringMap<string, number>(10);
  map.set('gone', 1, Date.now() - 1);
  map.set('kept', 2, Date.now() + 60_000);
  await waitFor(() => map.size <= 1, { what: 'the sweep to drop the expired entry' });
  assert.equal(map.size, 1);
  map.close();
});
