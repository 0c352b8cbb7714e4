import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as settled } from 'node:timers/promises';
import { FairGate, type Release } from '../../src/auth/fair-gate.js';

/** A gate driven by hand: admissions are recorded in order as `<key>#<n>`. */
class Driver {
  readonly order: string[] = [];
  private readonly running: Array<{ id: string; release: Release }> = [];
  private readonly entered = new Map<string, number>();

  constructor(readonly gate: FairGate) {}

  /** Enters `count` more works of `key`, then lets every admission settle. */
  async enter(key: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const n = this.entered.get(key) ?? 0;
      this.entered.set(key, n + 1);
      void this.gate.enter(key).then((release) => {
        this.order.push(`${key}#${n}`);
        this.running.push({ id: `${key}#${n}`, release });
      });
    }
    await settled();
  }

  /** Releases the running work `id` (default: the one admitted first). */
  async finish(id?: string): Promise<void> {
    const at = id === undefined ? 0 : this.running.findIndex((r) => r.id === id);
    const [work] = this.running.splice(at, 1);
    assert.ok(work, `${id ?? 'some work'} is running`);
    work.release();
    await settled();
  }

  async finishAll(): Promise<void> {
    while (this.running.length > 0) await this.finish();
  }
}

test('a key runs at most perKey at once and the node at most total; the rest wait', async () => {
  const d = new Driver(new FairGate(3, 2));
  await d.enter('a', 4);
  await d.enter('b', 2);
  assert.deepEqual(d.order, ['a#0', 'a#1', 'b#0']);
  assert.equal(d.gate.runningCount(), 3);
  assert.equal(d.gate.waitingCount('a'), 2);
  assert.equal(d.gate.waitingCount('b'), 1);
  await d.finish('a#0');
  assert.deepEqual(d.order.slice(3), ['a#2'], 'the freed slot goes to the key under its bound');
  await d.finish('b#0');
  assert.deepEqual(d.order.slice(4), ['b#1']);
  await d.finishAll();
  assert.deepEqual(d.order.slice(5), ['a#3']);
  assert.equal(d.gate.runningCount(), 0);
  assert.equal(d.gate.waitingCount(), 0);
});

test('keys with waiting work take turns: a late key does not wait behind a backlog', async () => {
  const d = new Driver(new FairGate(1, 1));
  await d.enter('a', 5);
  await d.enter('b', 2);
  await d.enter('c', 1);
  await d.finishAll();
  assert.deepEqual(d.order, ['a#0', 'a#1', 'b#0', 'c#0', 'a#2', 'b#1', 'a#3', 'a#4']);
});

test('a key with room starts at once even while others wait at their bound', async () => {
  const d = new Driver(new FairGate(4, 1));
  await d.enter('a', 3);
  await d.enter('b', 1);
  assert.deepEqual(d.order, ['a#0', 'b#0']);
  await d.finish('a#0');
  assert.deepEqual(d.order, ['a#0', 'b#0', 'a#1']);
});

test('releasing twice frees one slot only', async () => {
  const d = new Driver(new FairGate(2, 2));
  const first = await d.gate.enter('a');
  await d.gate.enter('a');
  await d.enter('a', 2);
  first();
  first();
  await settled();
  assert.deepEqual(d.order, ['a#0']);
  assert.equal(d.gate.runningCount('a'), 2);
});

test('bounds must be positive integers with perKey at most total', () => {
  for (const [total, perKey] of [
    [0, 0],
    [2, 0],
    [1, 2],
    [1.5, 1],
  ] as const)
    assert.throws(() => new FairGate(total, perKey), { code: 'INTERNAL' });
});
