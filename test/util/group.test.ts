/** A group of one is the bare item; a Set appears with the second item and goes with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asSet,
  hasItem,
  itemsOf,
  sizeOf,
  withItem,
  withoutItem,
  type Group,
} from '../../src/util/group.js';

test('grows from nothing to a bare item to a Set, and back', () => {
  const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
  let g: Group<{ n: number }> | undefined = withItem(undefined, a);
  assert.equal(g, a);
  assert.equal(withItem(g, a), a, 'adding the same item again keeps it bare');
  g = withItem(g, b);
  assert.ok(g instanceof Set);
  g = withItem(g, c);
  assert.equal(sizeOf(g), 3);
  assert.ok(hasItem(g, b));
  g = withoutItem(g, b)!;
  assert.ok(g instanceof Set && !hasItem(g, b));
  g = withoutItem(g, a)!;
  assert.equal(g, c, 'one left: bare again');
  assert.equal(withoutItem(g, a), c, 'removing an absent item changes nothing');
  assert.equal(withoutItem(g, c), undefined);
});

test('itemsOf is a copy; asSet holds the items', () => {
  const [a, b] = [{ n: 1 }, { n: 2 }];
  const g = withItem(withItem(undefined, a), b);
  const items = itemsOf(g);
  withoutItem(g, a);
  assert.deepEqual(items, [a, b]);
  assert.deepEqual([...asSet(g)], [b]);
  assert.deepEqual(itemsOf(undefined), []);
  assert.equal(sizeOf(undefined), 0);
});
