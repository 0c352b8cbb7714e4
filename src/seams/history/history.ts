/**
 * History: the recent events of the bus topics clients listen to (`isHistoryTopic`), each with a
 * position, so that a client that lost its websocket can be given exactly what it missed.
 *
 * Contract (every implementation, memory and Redis):
 * - a position is `<ms>-<seq>` (./positions.ts), drawn from one counter for every topic: it grows
 *   with each append, so positions order events across topics, and mean the same on every node;
 * - `publish` appends once and delivers the event to every `subscribe` handler of its topic, with
 *   its position, in position order; it also reaches the plain bus subscribers of the topic with
 *   the unchanged bytes. It never rejects: when the history is unreachable, the event reaches this
 *   node's handlers with a null position (and is not kept);
 * - `subscribePrefix` is `subscribe` for every history topic that starts with the prefix (one
 *   node-wide subscription for a family of per-principal topics); a handler subscribed both ways
 *   hears an event once per subscription;
 * - what other publishers put on a subscribed topic's plain channel (or one a prefix subscription
 *   matches) is appended too, once however many nodes hear it (Redis only: in memory every
 *   publish goes through `publish`);
 * - each topic keeps at least its last `size` events not older than `seconds`; more may be kept;
 * - `head` is the epoch and the last position given out. The epoch changes whenever the history
 *   was lost (a new process without Redis; a flushed or restarted Redis);
 * - `since` gives every kept event of `topics` after `position`, in position order, atomically
 *   with its check that none was dropped: `recovered: false` when the epoch differs, the position
 *   was never given out, or an event after it was trimmed (Redis also refuses a position before
 *   the first event kept of a topic that was trimmed: it does not record the last one trimmed);
 * - handlers run after `publish` has returned; one that throws affects no other.
 */
import type { Subscription } from '../bus/bus.js';

/** A delivered event; `position` is null when it could not be kept (history unreachable). */
export type HistoryHandler = (topic: string, position: string | null, payload: Uint8Array) => void;

export interface HistoryEntry {
  readonly topic: string;
  readonly position: string;
  readonly payload: Uint8Array;
}

export interface HistoryHead {
  readonly epoch: string;
  /** The last position given out (`0-0` before the first). */
  readonly position: string;
}

export type NotRecovered = 'epoch' | 'position' | 'trimmed';

export type Replay =
  | {
      readonly recovered: true;
      readonly head: HistoryHead;
      /** Every kept event after the position on the topics asked, in position order. */
      readonly entries: readonly HistoryEntry[];
    }
  | { readonly recovered: false; readonly reason: NotRecovered; readonly head: HistoryHead };

export interface History {
  publish(topic: string, payload: Uint8Array): Promise<void>;
  subscribe(topic: string, handler: HistoryHandler): Promise<Subscription>;
  subscribePrefix(prefix: string, handler: HistoryHandler): Promise<Subscription>;
  head(): Promise<HistoryHead>;
  since(epoch: string, position: string, topics: readonly string[]): Promise<Replay>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** How much each topic keeps. */
export interface HistoryBounds {
  /** Events per topic (`--history-size`). */
  readonly size: number;
  /** Seconds an event is kept at least (`--history-seconds`). */
  readonly seconds: number;
  /**
   * How long a topic's history outlives its last event, ms. It must exceed `seconds` by at
   * least the pong timeout and the position-frame interval (see `streamTtlMs`).
   */
  readonly idleTtlMs: number;
}

/**
 * How long a topic's history outlives its last event: an idle history that vanished then held
 * nothing a resumable client had not been given (or told past) before its connection ended.
 */
export function streamTtlMs(seconds: number, pongTimeoutMs: number): number {
  return seconds * 1000 + Math.max(seconds * 1000, pongTimeoutMs + 60_000);
}
