/**
 * RedisBus: the Bus shared by every node, on Redis PUBLISH/SUBSCRIBE with OpenTera's exact
 * channel names and binary payloads, so OpenTera's Python services can publish and listen beside
 * TeraRelay. A prefix subscription is one PSUBSCRIBE of the escaped prefix followed by `*`:
 * Redis matches each publish against every pattern of every node, so patterns are for the few
 * node-wide subscriptions, never one per connection.
 *
 * It keeps one publisher link, one subscriber link, and two maps (channels, patterns) of name →
 * local handlers. Each is ref-counted per name: the first local handler sends (P)SUBSCRIBE, the
 * last one to leave sends (P)UNSUBSCRIBE; they are also what is re-subscribed (one SUBSCRIBE, one
 * PSUBSCRIBE) every time the subscriber link becomes ready again, e.g. after a Redis restart. A
 * message published by this node comes back through Redis like any other, so per-topic order
 * holds and nothing is delivered twice.
 *
 * While Redis is unreachable:
 * - `publish` waits up to `offlineWaitMs` (default 1000) for the link, keeping publish order; then
 *   the message is lost for the other nodes (logged, counted in `busErrors{op="publish"}`) and
 *   handed to this node's own handlers instead, so a node keeps delivering its local events.
 *   It never rejects. (A PUBLISH that timed out after reaching Redis may thus arrive twice.)
 * - `subscribe` (or `subscribePrefix`) of a name not yet live on Redis waits up to `subscribeTimeoutMs` (default 5000)
 *   for the link; if Redis is back in time it resolves once the SUBSCRIBE is confirmed, otherwise
 *   it rejects with AppError UNAVAILABLE (counted as `busErrors{op="subscribe"}`) and leaves no
 *   handler behind.
 * - topics already subscribed stay in the map and are subscribed again on reconnect; messages
 *   published while the link was down are lost (at-most-once).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { Bus, BusHandler, Subscription } from './bus.js';
import { closeRedis, createRedis } from '../redis-client.js';
import type { RedisLinks } from '../redis-links.js';
import { TopicHandler, type HandlerOwner } from '../handler.js';
import { TimeoutError, WakeableSleep, withTimeout } from '../../util/timers.js';
import { itemsOf, withItem, withoutItem, type Group } from '../../util/group.js';

export interface RedisBusOptions {
  url: string;
  log: Logger;
  metrics: Metrics;
  /** Names the two Redis links (`<name>:pub`, `<name>:sub`). Default `bus`. */
  name?: string;
  /** The node's Redis links, which the bus's two clients join. */
  links?: RedisLinks;
  /** How long a publish waits for a down link before the message is dropped (ms). Default 1000. */
  offlineWaitMs?: number;
  /** How long a subscribe waits for Redis before it rejects (ms). Default 5000. */
  subscribeTimeoutMs?: number;
  /** Publishes waiting for the link beyond this many are dropped at once. Default 10000. */
  maxWaiting?: number;
}

type Entry = TopicHandler<BusHandler>;

/** One kind of Redis subscription: channels by exact name, or glob patterns. */
interface Family {
  /** Name (channel, or pattern) → its local handlers. */
  readonly names: Map<string, Topic>;
  /** What its handlers' `unsubscribe` asks. */
  readonly owner: HandlerOwner<BusHandler>;
  /** SUBSCRIBE or PSUBSCRIBE on the subscriber link. */
  subscribe(names: string[]): Promise<unknown>;
  /** UNSUBSCRIBE or PUNSUBSCRIBE on the subscriber link. */
  unsubscribe(name: string): Promise<unknown>;
}

/** A live subscription's `live`: one settled promise shared by every confirmed topic. */
const CONFIRMED: Promise<void> = Promise.resolve();

interface Topic {
  handlers: Group<Entry> | undefined;
  /** Settles when Redis confirmed the SUBSCRIBE sent for the first handler (then CONFIRMED). */
  live: Promise<void>;
  /** A pattern's prefix (what it matches the start of). */
  readonly prefix?: string;
}

interface Waiting {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly done: () => void;
  readonly timer: NodeJS.Timeout;
}

/** Longest wait for one SUBSCRIBE reply before it is sent again. */
const SUBSCRIBE_ATTEMPT_MS = 1000;
/** Pause after a failed SUBSCRIBE before the next attempt, unless the link comes back sooner. */
const RETRY_PAUSE_MS = 100;

export class RedisBus implements Bus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly offlineWaitMs: number;
  private readonly subscribeTimeoutMs: number;
  private readonly maxWaiting: number;
  private readonly channels: Family;
  private readonly patterns: Family;
  /** Publishes waiting for the publisher link, in publish order. */
  private readonly waiting: Waiting[] = [];
  /** Subscribes waiting for the subscriber link. */
  private readonly subWaiters = new WakeableSleep();
  private closed = false;

  constructor(options: RedisBusOptions) {
    const name = options.name ?? 'bus';
    this.log = options.log.child({ component: name });
    this.metrics = options.metrics;
    this.offlineWaitMs = options.offlineWaitMs ?? 1000;
    this.subscribeTimeoutMs = options.subscribeTimeoutMs ?? 5000;
    this.maxWaiting = options.maxWaiting ?? 10_000;
    this.pub = createRedis(options.url, {
      name: `${name}:pub`,
      log: options.log,
      use: 'publish',
      commandTimeoutMs: Math.max(this.offlineWaitMs, 1000),
      links: options.links,
    });
    this.sub = createRedis(options.url, {
      name: `${name}:sub`,
      log: options.log,
      use: 'subscribe',
      links: options.links,
    });
    const sub = this.sub;
    this.channels = {
      names: new Map(),
      owner: { remove: (entry) => this.remove(this.channels, entry) },
      subscribe: (names) => sub.subscribe(...names),
      unsubscribe: (name) => sub.unsubscribe(name),
    };
    this.patterns = {
      names: new Map(),
      owner: { remove: (entry) => this.remove(this.patterns, entry) },
      subscribe: (names) => sub.psubscribe(...names),
      unsubscribe: (name) => sub.punsubscribe(name),
    };
    this.pub.on('ready', () => this.flushWaiting());
    sub.on('ready', () => this.resubscribe());
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const topic = channel.toString();
      this.deliver(this.channels.names.get(topic), topic, message);
    });
    sub.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.deliver(this.patterns.names.get(pattern.toString()), channel.toString(), message),
    );
  }

  /**
   * Never rejects; see the module comment for what happens while Redis is down. Timed in
   * `terarelay_bus_publish_seconds`, until Redis took the message or it was given up.
   */
  publish(topic: string, payload: Uint8Array): Promise<void> {
    const done = this.metrics.busPublish.startTimer();
    return this.handOver(topic, payload).finally(done);
  }

  private handOver(topic: string, payload: Uint8Array): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.waiting.length === 0 && this.pub.status === 'ready') return this.send(topic, payload);
    if (this.waiting.length >= this.maxWaiting) {
      this.lost(topic, payload, 'too many publishes waiting for Redis');
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      const timer = setTimeout(() => this.expire(item), this.offlineWaitMs);
      const item: Waiting = { topic, payload, done, timer };
      this.waiting.push(item);
    });
  }

  /** Resolves once Redis confirmed the subscription; rejects with AppError UNAVAILABLE. */
  subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    return this.add(this.channels, topic, handler);
  }

  /** Resolves once Redis confirmed the PSUBSCRIBE; rejects with AppError UNAVAILABLE. */
  subscribePrefix(prefix: string, handler: BusHandler): Promise<Subscription> {
    return this.add(this.patterns, `${escapeGlob(prefix)}*`, handler, prefix);
  }

  private async add(
    family: Family,
    name: string,
    handler: BusHandler,
    prefix?: string,
  ): Promise<Subscription> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'bus is closed');
    const entry = new TopicHandler(family.owner, name, handler);
    let state = family.names.get(name);
    if (!state) {
      const live = this.confirm(family, name);
      const created: Topic =
        prefix === undefined
          ? { handlers: undefined, live }
          : { handlers: undefined, live, prefix };
      live.then(() => {
        if (created.live === live) created.live = CONFIRMED;
      }, noop);
      state = created;
      family.names.set(name, state);
    }
    state.handlers = withItem(state.handlers, entry);
    try {
      await state.live;
    } catch (err) {
      this.metrics.busErrors.inc({ op: 'subscribe' });
      await this.remove(family, entry);
      throw err;
    }
    return entry;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const item of this.waiting.splice(0)) {
      clearTimeout(item.timer);
      item.done();
    }
    this.subWaiters.wakeAll();
    for (const family of [this.channels, this.patterns]) {
      for (const state of family.names.values())
        for (const e of itemsOf(state.handlers)) e.active = false;
      family.names.clear();
    }
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  private async send(topic: string, payload: Uint8Array): Promise<void> {
    try {
      await this.pub.publish(
        topic,
        Buffer.from(payload.buffer, payload.byteOffset, payload.length),
      );
    } catch (err) {
      this.lost(topic, payload, (err as Error).message);
    }
  }

  /** Not sent to Redis: counted, and delivered to this node's handlers only (after a turn). */
  private lost(topic: string, payload: Uint8Array, reason: string): void {
    this.metrics.busErrors.inc({ op: 'publish' });
    this.log.warn({ topic, reason }, 'bus publish failed; delivered on this node only');
    setImmediate(() => {
      if (this.closed) return;
      this.deliver(this.channels.names.get(topic), topic, payload);
      for (const state of this.patterns.names.values())
        if (topic.startsWith(state.prefix!)) this.deliver(state, topic, payload);
    });
  }

  /** Sends every waiting publish, in order, as soon as the publisher link is ready. */
  private flushWaiting(): void {
    for (const item of this.waiting.splice(0)) {
      clearTimeout(item.timer);
      void this.send(item.topic, item.payload).then(item.done);
    }
  }

  private expire(item: Waiting): void {
    // Every item waits equally long, so the one expiring is normally the head.
    const index = this.waiting[0] === item ? 0 : this.waiting.indexOf(item);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.lost(item.topic, item.payload, `Redis unreachable for ${this.offlineWaitMs} ms`);
    item.done();
  }

  /** Makes `name` live on the current subscriber link, waiting for the link if needed. */
  private async confirm(family: Family, name: string): Promise<void> {
    const deadline = Date.now() + this.subscribeTimeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (this.closed) throw new AppError('UNAVAILABLE', 'bus is closed');
      if (left <= 0) break;
      if (this.sub.status !== 'ready') {
        await this.subWaiters.sleep(left);
        continue;
      }
      try {
        // ioredis silently drops a command in flight when the link breaks (no resend), so one
        // attempt is bounded and retried on the next link rather than awaited until the deadline.
        const attemptMs = Math.min(left, SUBSCRIBE_ATTEMPT_MS);
        await withTimeout(family.subscribe([name]), attemptMs, `SUBSCRIBE ${name}`);
        return;
      } catch (err) {
        // No reply in time: send it again (on the current or the next link).
        if (err instanceof TimeoutError) continue;
        // The link dropped under the command: wait for it to come back and try again.
        this.log.debug({ name, err: (err as Error).message }, 'subscribe interrupted');
        // The link may still say 'ready' until its close event runs: yield to the event loop
        // (until the next 'ready' or a short pause) instead of retrying in a tight loop.
        await this.subWaiters.sleep(Math.min(Math.max(deadline - Date.now(), 0), RETRY_PAUSE_MS));
      }
    }
    throw new AppError(
      'UNAVAILABLE',
      `bus: Redis did not confirm SUBSCRIBE ${name} within ${this.subscribeTimeoutMs} ms`,
    );
  }

  /** On every (re)connect: subscribe every current name again, then wake waiting subscribes. */
  private resubscribe(): void {
    for (const family of [this.channels, this.patterns]) {
      const names = [...family.names.keys()];
      if (names.length === 0) continue;
      family.subscribe(names).then(
        () => this.log.info({ topics: names.length }, 'bus topics subscribed again'),
        (err: Error) => {
          this.metrics.busErrors.inc({ op: 'subscribe' });
          this.log.warn({ err: err.message }, 'bus re-subscribe failed; retried on reconnect');
        },
      );
    }
    this.subWaiters.wakeAll();
  }

  /** Ends one handler's subscription; the name's last one sends (P)UNSUBSCRIBE. */
  private async remove(family: Family, entry: Entry): Promise<void> {
    if (!entry.active) return;
    entry.active = false;
    const name = entry.topic;
    const state = family.names.get(name);
    if (!state) return;
    state.handlers = state.handlers && withoutItem(state.handlers, entry);
    if (state.handlers !== undefined) return;
    family.names.delete(name);
    // Not live: nothing to undo on Redis (the next reconnect subscribes only mapped names).
    if (this.closed || this.sub.status !== 'ready') return;
    try {
      await withTimeout(family.unsubscribe(name), this.subscribeTimeoutMs, 'UNSUBSCRIBE');
    } catch (err) {
      this.log.debug({ name, err: (err as Error).message }, 'unsubscribe not confirmed');
    }
  }

  /** `state`: the handlers of the channel or pattern the message came through. */
  private deliver(state: Topic | undefined, topic: string, payload: Uint8Array): void {
    if (!state) return;
    const handlers = state.handlers;
    if (handlers instanceof TopicHandler) return this.call(handlers, topic, payload);
    for (const entry of itemsOf(handlers)) this.call(entry, topic, payload);
  }

  private call(entry: Entry, topic: string, payload: Uint8Array): void {
    if (!entry.active) return;
    try {
      entry.handler(topic, payload);
    } catch (err) {
      this.log.error({ err, topic }, 'bus handler threw; other handlers unaffected');
    }
  }
}

function noop(): void {}

/** `prefix` as a Redis glob matching itself only (`*`, `?`, `[`, `]` and `\\` escaped). */
export function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}
