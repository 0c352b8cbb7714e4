/**
 * RedisBus: the Bus shared by every node, on Redis PUBLISH/SUBSCRIBE with OpenTera's exact
 * channel names and binary payloads (no pattern subscriptions), so OpenTera's Python services
 * can publish and listen beside TeraRelay.
 *
 * It keeps one publisher link, one subscriber link, and a map of topic → local handlers. The
 * map is ref-counted per topic: the first local handler of a topic sends SUBSCRIBE, the last
 * one to leave sends UNSUBSCRIBE; it is also what is re-subscribed (in one SUBSCRIBE) every time
 * the subscriber link becomes ready again, e.g. after a Redis restart. A message published by
 * this node comes back through Redis like any other, so per-topic order holds and nothing is
 * delivered twice.
 *
 * While Redis is unreachable:
 * - `publish` waits up to `offlineWaitMs` (default 1000) for the link, keeping publish order; then
 *   the message is lost for the other nodes (logged, counted in `busErrors{op="publish"}`) and
 *   handed to this node's own handlers instead, so a node keeps delivering its local events.
 *   It never rejects. (A PUBLISH that timed out after reaching Redis may thus arrive twice.)
 * - `subscribe` of a topic not yet live on Redis waits up to `subscribeTimeoutMs` (default 5000)
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

/** A live subscription's `live`: one settled promise shared by every confirmed topic. */
const CONFIRMED: Promise<void> = Promise.resolve();

interface Topic {
  handlers: Group<Entry> | undefined;
  /** Settles when Redis confirmed the SUBSCRIBE sent for the first handler (then CONFIRMED). */
  live: Promise<void>;
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

export class RedisBus implements Bus, HandlerOwner<BusHandler> {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly offlineWaitMs: number;
  private readonly subscribeTimeoutMs: number;
  private readonly maxWaiting: number;
  private readonly topics = new Map<string, Topic>();
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
    this.pub.on('ready', () => this.flushWaiting());
    this.sub.on('ready', () => this.resubscribe());
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.deliver(channel.toString(), message),
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
  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'bus is closed');
    const entry = new TopicHandler(this, topic, handler);
    let state = this.topics.get(topic);
    if (!state) {
      const live = this.confirm(topic);
      const created: Topic = { handlers: undefined, live };
      live.then(() => {
        if (created.live === live) created.live = CONFIRMED;
      }, noop);
      state = created;
      this.topics.set(topic, state);
    }
    state.handlers = withItem(state.handlers, entry);
    try {
      await state.live;
    } catch (err) {
      this.metrics.busErrors.inc({ op: 'subscribe' });
      await this.remove(entry);
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
    for (const state of this.topics.values())
      for (const e of itemsOf(state.handlers)) e.active = false;
    this.topics.clear();
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
      if (!this.closed) this.deliver(topic, payload);
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

  /** Makes `topic` live on the current subscriber link, waiting for the link if needed. */
  private async confirm(topic: string): Promise<void> {
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
        await withTimeout(this.sub.subscribe(topic), attemptMs, `SUBSCRIBE ${topic}`);
        return;
      } catch (err) {
        // No reply in time: send it again (on the current or the next link).
        if (err instanceof TimeoutError) continue;
        // The link dropped under the command: wait for it to come back and try again.
        this.log.debug({ topic, err: (err as Error).message }, 'subscribe interrupted');
        // The link may still say 'ready' until its close event runs: yield to the event loop
        // (until the next 'ready' or a short pause) instead of retrying in a tight loop.
        await this.subWaiters.sleep(Math.min(Math.max(deadline - Date.now(), 0), RETRY_PAUSE_MS));
      }
    }
    throw new AppError(
      'UNAVAILABLE',
      `bus: Redis did not confirm SUBSCRIBE ${topic} within ${this.subscribeTimeoutMs} ms`,
    );
  }

  /** On every (re)connect: subscribe every current topic again, then wake waiting subscribes. */
  private resubscribe(): void {
    const topics = [...this.topics.keys()];
    if (topics.length > 0) {
      this.sub.subscribe(...topics).then(
        () => this.log.info({ topics: topics.length }, 'bus topics subscribed again'),
        (err: Error) => {
          this.metrics.busErrors.inc({ op: 'subscribe' });
          this.log.warn({ err: err.message }, 'bus re-subscribe failed; retried on reconnect');
        },
      );
    }
    this.subWaiters.wakeAll();
  }

  /** Ends one handler's subscription; the topic's last one sends UNSUBSCRIBE. */
  async remove(entry: Entry): Promise<void> {
    if (!entry.active) return;
    entry.active = false;
    const { topic } = entry;
    const state = this.topics.get(topic);
    if (!state) return;
    state.handlers = state.handlers && withoutItem(state.handlers, entry);
    if (state.handlers !== undefined) return;
    this.topics.delete(topic);
    // Not live: nothing to undo on Redis (the next reconnect subscribes only mapped topics).
    if (this.closed || this.sub.status !== 'ready') return;
    try {
      await withTimeout(this.sub.unsubscribe(topic), this.subscribeTimeoutMs, 'UNSUBSCRIBE');
    } catch (err) {
      this.log.debug({ topic, err: (err as Error).message }, 'unsubscribe not confirmed');
    }
  }

  private deliver(topic: string, payload: Uint8Array): void {
    const state = this.topics.get(topic);
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
