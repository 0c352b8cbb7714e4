/**
 * Bus tests' tools: a handler that records what it gets (`Collector`), and a barrier for
 * "nothing more arrives" checks.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, BusHandler } from '../../src/seams/bus/bus.js';
import { waitFor } from './waiting.js';

export interface Received {
  topic: string;
  payload: Buffer;
}

export class Collector {
  readonly received: Received[] = [];
  readonly handler: BusHandler = (topic, payload) => {
    this.received.push({ topic, payload: Buffer.from(payload) });
  };

  /** Resolves with everything received once at least `count` messages arrived. */
  async atLeast(count: number, what = `${count} messages`): Promise<Received[]> {
    await waitFor(() => this.received.length >= count, { what });
    return this.received;
  }

  texts(): string[] {
    return this.received.map((r) => r.payload.toString());
  }
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Barrier: publishes a sentinel on `topic` through `bus`, resolves once every collector got it,
 * and removes it from what they received. The bus keeps one publisher's order on a topic, so
 * whatever `bus` published on `topic` before the barrier has reached the collectors by then, or
 * never will.
 */
export async function barrier(
  bus: Pick<Bus, 'publish'>,
  topic: string,
  ...collectors: Collector[]
): Promise<void> {
  const sentinel = `barrier:${randomUUID()}`;
  const isSentinel = (r: Received): boolean => r.payload.toString() === sentinel;
  await bus.publish(topic, text(sentinel));
  await waitFor(() => collectors.every((c) => c.received.some(isSentinel)), {
    what: `the barrier on ${topic}`,
  });
  for (const c of collectors) c.received.splice(c.received.findIndex(isSentinel), 1);
}
