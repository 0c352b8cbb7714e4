/**
 * MemoryHistory: the History of one node without Redis. A ring per topic (an array with a moving
 * start), one position counter for all topics, and an epoch drawn when the process starts, so a
 * restarted node tells every resuming client that it lost its history.
 *
 * `publish` appends, then schedules one microtask that hands the event to the topic's handlers,
 * so deliveries run after `publish` returns and in position order; the unchanged bytes also go to
 * the plain bus (`raw`) for its subscribers. Rings trim on append (count, then age); a topic idle
 * for `idleTtlMs` is dropped by a low-frequency sweep (an unref'd timer).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Bus, Subscription } from '../bus/bus.js';
import type {
  History,
  HistoryBounds,
  HistoryEntry,
  HistoryHandler,
  HistoryHead,
  Replay,
} from './history.js';
import { comparePositions, nextPosition, ZERO_POSITION } from './positions.js';
import { ExpiringMap } from '../../util/expiring-map.js';
import { TopicHandlers } from '../handler.js';
import type { ResumeRecord, ResumeTokens } from './tokens.js';

export interface MemoryHistoryOptions {
  /** The plain bus, which still gets every publish for its own subscribers. */
  raw: Pick<Bus, 'publish'>;
  bounds: HistoryBounds;
  log?: Logger;
}

interface Kept {
  readonly position: string;
  readonly payload: Uint8Array;
  readonly at: number;
}

class Ring {
  entries: Kept[] = [];
  first = 0;
  /** The newest position trimmed away (`0-0`: none). */
  maxDeleted = ZERO_POSITION;
  lastAt = 0;

  get length(): number {
    return this.entries.length - this.first;
  }

  push(entry: Kept, bounds: HistoryBounds): void {
    this.entries.push(entry);
    this.lastAt = entry.at;
    const oldest = entry.at - bounds.seconds * 1000;
    while (this.length > bounds.size || (this.oldest()?.at ?? Infinity) < oldest) this.dropOne();
    if (this.first > 1024 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }

  /** The kept entries after `position`, oldest first. */
  after(position: string): Kept[] {
    let lo = this.first;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePositions(this.entries[mid]!.position, position) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return this.entries.slice(lo);
  }

  private oldest(): Kept | undefined {
    return this.entries[this.first];
  }

  private dropOne(): void {
    const gone = this.entries[this.first];
    if (!gone) return;
    this.maxDeleted = gone.position;
    this.first++;
  }
}

export class MemoryHistory implements History {
  private readonly epoch = randomBytes(12).toString('base64url');
  private last = ZERO_POSITION;
  private readonly rings = new Map<string, Ring>();
  private readonly handlers = new TopicHandlers<HistoryHandler>();
  private readonly prefixes = new TopicHandlers<HistoryHandler>();
  private readonly raw: Pick<Bus, 'publish'>;
  private readonly bounds: HistoryBounds;
  private readonly log: Logger | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: MemoryHistoryOptions) {
    this.raw = options.raw;
    this.bounds = options.bounds;
    this.log = options.log;
    this.sweeper = setInterval(() => this.sweep(), Math.max(options.bounds.idleTtlMs / 4, 1000));
    this.sweeper.unref();
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.closed) return;
    const at = Date.now();
    const position = nextPosition(this.last, at);
    this.last = position;
    let ring = this.rings.get(topic);
    if (!ring) this.rings.set(topic, (ring = new Ring()));
    ring.push({ position, payload, at }, this.bounds);
    queueMicrotask(() => this.deliver(topic, position, payload));
    await this.raw.publish(topic, payload);
  }

  async subscribe(topic: string, handler: HistoryHandler): Promise<Subscription> {
    return this.handlers.add(topic, handler);
  }

  async subscribePrefix(prefix: string, handler: HistoryHandler): Promise<Subscription> {
    return this.prefixes.add(prefix, handler);
  }

  async head(): Promise<HistoryHead> {
    return { epoch: this.epoch, position: this.last };
  }

  async since(epoch: string, position: string, topics: readonly string[]): Promise<Replay> {
    const head = { epoch: this.epoch, position: this.last };
    if (epoch !== this.epoch) return { recovered: false, reason: 'epoch', head };
    if (comparePositions(position, this.last) > 0)
      return { recovered: false, reason: 'position', head };
    const entries: HistoryEntry[] = [];
    for (const topic of new Set(topics)) {
      const ring = this.rings.get(topic);
      if (!ring) continue;
      if (comparePositions(ring.maxDeleted, position) > 0)
        return { recovered: false, reason: 'trimmed', head };
      for (const kept of ring.after(position))
        entries.push({ topic, position: kept.position, payload: kept.payload });
    }
    entries.sort((a, b) => comparePositions(a.position, b.position));
    return { recovered: true, head, entries };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    this.handlers.clear();
    this.prefixes.clear();
    this.rings.clear();
  }

  private deliver(topic: string, position: string, payload: Uint8Array): void {
    const call = (handler: HistoryHandler): void => handler(topic, position, payload);
    const report = (err: unknown): void =>
      this.log?.error({ err, topic }, 'history handler threw; other handlers unaffected');
    this.handlers.forEach(topic, call, report);
    this.prefixes.forEachPrefixOf(topic, call, report);
  }

  private sweep(): void {
    const idleSince = Date.now() - this.bounds.idleTtlMs;
    for (const [topic, ring] of this.rings) if (ring.lastAt < idleSince) this.rings.delete(topic);
  }
}

/** The ResumeTokens of one node: an expiring map. */
export class MemoryResumeTokens implements ResumeTokens {
  private readonly records = new ExpiringMap<string, ResumeRecord>();

  async save(hash: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    this.records.set(hash, record, Date.now() + ttlMs);
  }

  async find(hash: string): Promise<ResumeRecord | null> {
    return this.records.get(hash) ?? null;
  }

  async extend(hashes: readonly string[], ttlMs: number): Promise<void> {
    const until = Date.now() + ttlMs;
    for (const hash of hashes) {
      const record = this.records.get(hash);
      if (record) this.records.set(hash, record, until);
    }
  }

  async close(): Promise<void> {
    this.records.close();
  }
}
