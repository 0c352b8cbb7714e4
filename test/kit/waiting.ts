/**
 * Waiting on events in seam tests: a handler that records what it gets and lets a test wait for
 * a count, and a poll for conditions that have no event. The limits only stop a broken test from
 * hanging; they are never what a test asserts.
 */
import type { BusHandler } from '../../src/seams/bus/bus.js';

const HANG_GUARD_MS = 15_000;

export interface Received {
  topic: string;
  payload: Buffer;
}

export class Collector {
  readonly received: Received[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly handler: BusHandler = (topic, payload) => {
    this.received.push({ topic, payload: Buffer.from(payload) });
    for (const wake of this.waiters.splice(0)) wake();
  };

  /** Resolves once at least `count` messages arrived; rejects after the hang guard. */
  async until(count: number, what = `${count} messages`): Promise<Received[]> {
    const deadline = Date.now() + HANG_GUARD_MS;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (got ${this.received.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  texts(): string[] {
    return this.received.map((r) => r.payload.toString());
  }
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + HANG_GUARD_MS;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(everyMs);
  }
}

/** A bounded grace window, for checking that something does NOT happen. */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
