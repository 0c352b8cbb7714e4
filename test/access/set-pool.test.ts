/**
 * SetPool: equal contents give one set, whatever the order; other contents, other sets; a set no
 * one holds is collected and its entry forgotten.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SetPool } from '../../src/access/set-pool.js';
import { waitFor } from '../kit/waiting.js';

describe('SetPool', () => {
  test('equal contents, in any order and with repeats, give the same set', () => {
    const pool = new SetPool();
    const a = pool.intern(['b', 'a', 'c']);
    const b = pool.intern(new Set(['c', 'a', 'b', 'a']));
    assert.equal(a, b);
    assert.deepEqual([...a].sort(), ['a', 'b', 'c']);
    assert.equal(pool.size, 1);
  });

  test('other contents give other sets; numbers and strings differ; empty is one set', () => {
    const pool = new SetPool();
    const ab = pool.intern(['a', 'b']);
    assert.notEqual(pool.intern(['a']), ab);
    assert.notEqual(pool.intern(['a', 'b', 'c']), ab);
    const numbers = pool.intern([1, 2, 10]);
    assert.equal(pool.intern([10, 2, 1]), numbers, 'numeric order');
    assert.notEqual(pool.intern(['1', '2', '10']) as ReadonlySet<unknown>, numbers);
    assert.equal(pool.intern([]), pool.intern(new Set<string>()));
    assert.equal(pool.intern([]).size, 0);
  });

  test('a set no one holds is collected and forgotten', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = new SetPool();
    const kept = pool.intern(['kept']);
    (() => {
      for (let i = 0; i < 100; i++) pool.intern([`dropped-${i}`]);
    })();
    await waitFor(
      async () => {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
        return pool.size === 1;
      },
      { what: 'the dropped sets forgotten' },
    );
    assert.equal(pool.intern(['kept']), kept);
  });
});
