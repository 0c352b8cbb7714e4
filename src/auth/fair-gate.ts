/**
 * FairGate: admits work under two bounds, at most `perKey` at once for one key (a client
 * address) and at most `total` at once in all. What cannot start waits; nothing is refused.
 * When a slot frees, the keys with waiting work take turns (round-robin), each key's work in
 * arrival order: however much one key has queued, another key's work waits for at most one
 * admission per other waiting key. Pure: no I/O, no timers.
 */
import { AppError } from '../errors.js';

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export class FairGate {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  private readonly waitingByKey = new Map<string, Array<(release: Release) => void>>();
  /** Keys with waiting work, in turn order. */
  private readonly turns: string[] = [];

  constructor(
    private readonly total: number,
    private readonly perKey: number,
  ) {
    if (!(Number.isSafeInteger(perKey) && Number.isSafeInteger(total) && 1 <= perKey))
      throw new AppError('INTERNAL', `FairGate: bounds must be positive integers`);
    if (perKey > total)
      throw new AppError('INTERNAL', `FairGate: perKey ${perKey} > total ${total}`);
  }

  /** Resolves with the release of the slot once the work of `key` may start. */
  enter(key: string): Promise<Release> {
    if (!this.waitingByKey.has(key) && this.hasRoom(key)) return Promise.resolve(this.admit(key));
    return new Promise((resolve) => {
      const waiting = this.waitingByKey.get(key);
      if (waiting) waiting.push(resolve);
      else {
        this.waitingByKey.set(key, [resolve]);
        this.turns.push(key);
      }
    });
  }

  /** Work started and not released, in all and for `key`. */
  runningCount(key?: string): number {
    return key === undefined ? this.running : (this.runningByKey.get(key) ?? 0);
  }

  /** Work waiting, in all and for `key`. */
  waitingCount(key?: string): number {
    if (key !== undefined) return this.waitingByKey.get(key)?.length ?? 0;
    let n = 0;
    for (const w of this.waitingByKey.values()) n += w.length;
    return n;
  }

  private hasRoom(key: string): boolean {
    return this.running < this.total && this.runningCount(key) < this.perKey;
  }

  private admit(key: string): Release {
    this.running++;
    this.runningByKey.set(key, this.runningCount(key) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = this.runningCount(key) - 1;
      if (left === 0) this.runningByKey.delete(key);
      else this.runningByKey.set(key, left);
      this.pump();
    };
  }

  /** Starts waiting work, taking the keys in turn, while there is room. */
  private pump(): void {
    let i = 0;
    while (this.running < this.total && i < this.turns.length) {
      const key = this.turns[i]!;
      if (!this.hasRoom(key)) {
        i++;
        continue;
      }
      const waiting = this.waitingByKey.get(key)!;
      const wake = waiting.shift()!;
      this.turns.splice(i, 1);
      if (waiting.length > 0) this.turns.push(key);
      else this.waitingByKey.delete(key);
      wake(this.admit(key));
    }
  }
}
