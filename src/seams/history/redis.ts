/**
 * RedisHistory: the History shared by every node and by OpenTera's Python services.
 *
 * Keys (prefix `terarelay:` by default): `h:<topic>` a stream per topic (field `p`: the bytes),
 * `h-last` the position counter, `h-epoch` the epoch, `hd:<sha1>` short-lived dedup keys.
 * Channels: `d:<topic>` carries each appended event as one byte of id length, the id, the bytes.
 *
 * - `publish` runs append.lua: position, XADD + trims + PEXPIRE, PUBLISH on the delivery channel,
 *   PUBLISH of the unchanged bytes on the topic itself, and the dedup key, so that the copy every
 *   node hears on the topic is not appended again.
 * - `subscribe(topic)` listens, through the node's RedisBus (one subscriber link), to the delivery
 *   channel (handlers get topic, position, bytes) and to the topic itself: what is heard there is
 *   appended by append.lua in its idempotent mode (SET NX of the dedup key first), unless it is
 *   the copy of a delivery just received on the same link (same order: delivery first).
 * - `subscribePrefix(prefix)` does the same with two prefix subscriptions (`d:<prefix>` and
 *   `<prefix>`): every node holding one hears every such topic, so an event another publisher
 *   puts on one is appended by one node's script, and the other nodes' scripts find the dedup key.

 * A node hears only the topics it subscribes to (or a prefix of): the realtime part keeps a
 * departed resumable client's topics subscribed for `--history-seconds` (src/realtime/resume.ts),
 * so that what is published for it meanwhile is kept.
 *
 * When an append fails (Redis unreachable), the event goes to this node's handlers with a null
 * position after a turn, and is counted (`terarelay_bus_errors_total{op="publish"}`).
 * Not for Redis Cluster: the scripts touch keys derived from their arguments.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics.js';
import type { Bus, Subscription } from '../bus/bus.js';
import { closeRedis, createRedis } from '../redis-client.js';
import type { RedisLinks } from '../redis-links.js';
import { TopicHandler, type HandlerOwner } from '../handler.js';
import { hasItem, itemsOf, withItem, withoutItem, type Group } from '../../util/group.js';
import type {
  History,
  HistoryBounds,
  HistoryEntry,
  HistoryHandler,
  HistoryHead,
  NotRecovered,
  Replay,
} from './history.js';
import { comparePositions } from './positions.js';
import { RecentDeliveries } from './recent.js';
import { isHistoryTopic } from '../../topics.js';

const read = (name: string): string =>
  readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');

/** How long a dedup key lives, ms: longer than any node takes to hear a message. */
const DEDUP_MS = 30_000;

interface Scripts {
  historyAppend(...args: Array<string | Buffer | number>): Promise<string | null>;
  historyHead(...args: string[]): Promise<[string, string]>;
  historySinceBuffer(...args: Array<string | number>): Promise<unknown[]>;
}

export interface RedisHistoryOptions {
  url: string;
  /** The node's bus: its subscriber link carries the deliveries and the topics heard. */
  bus: Bus;
  bounds: HistoryBounds;
  log: Logger;
  metrics?: Metrics;
  /** Names the Redis link (`history:<name>`). */
  name?: string;
  /** The node's links, which the command link joins. */
  links?: RedisLinks;
  /** Key and channel prefix. Default `terarelay:`. */
  prefix?: string;
}

type Entry = TopicHandler<HistoryHandler>;

interface Topic {
  handlers: Group<Entry> | undefined;
  /**
   * The topic's two bus subscriptions (delivery channel, topic itself): a promise until both are
   * live, then the array itself (no promise kept per topic).
   */
  subscriptions: Promise<Subscription[]> | Subscription[];
}

/** Exact topics, or prefixes: name → its handlers, and what ends a handler's subscription. */
interface Names {
  readonly map: Map<string, Topic>;
  readonly owner: HandlerOwner<HistoryHandler>;
}

export class RedisHistory implements History {
  private readonly redis: Redis & Scripts;
  private readonly bus: Bus;
  private readonly bounds: HistoryBounds;
  private readonly log: Logger;
  private readonly metrics: Metrics | undefined;
  private readonly name: string;
  private readonly prefix: string;
  /** What a topic's delivery channel starts with. */
  private readonly deliveryPrefix: string;
  private readonly counterKey: string;
  private readonly epochKey: string;
  private readonly topics: Names = {
    map: new Map(),
    owner: { remove: (entry) => this.remove(this.topics, entry) },
  };
  private readonly prefixes: Names = {
    map: new Map(),
    owner: { remove: (entry) => this.remove(this.prefixes, entry) },
  };
  /** Deliveries heard on the bus link, to recognise their copies on the topics. */
  private readonly recent = new RecentDeliveries();
  private closed = false;

  constructor(options: RedisHistoryOptions) {
    this.bus = options.bus;
    this.bounds = options.bounds;
    this.log = options.log.child({ component: 'history' });
    this.metrics = options.metrics;
    this.name = options.name ?? 'node';
    this.prefix = options.prefix ?? 'terarelay:';
    this.deliveryPrefix = `${this.prefix}d:`;
    this.counterKey = `${this.prefix}h-last`;
    this.epochKey = `${this.prefix}h-epoch`;
    const redis = createRedis(options.url, {
      name: `history:${this.name}`,
      log: options.log,
      links: options.links,
    });
    redis.defineCommand('historyAppend', { numberOfKeys: 4, lua: read('append') });
    redis.defineCommand('historyHead', { numberOfKeys: 2, lua: read('head') });
    redis.defineCommand('historySince', { lua: read('since') });
    this.redis = redis as Redis & Scripts;
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.closed) return;
    try {
      await this.append(topic, payload, false);
    } catch (err) {
      this.metrics?.busErrors.inc({ op: 'publish' });
      this.log.warn(
        { topic, err: (err as Error).message },
        'history append failed; delivered here only',
      );
      setImmediate(() => {
        this.deliver(topic, null, payload);
        this.deliverByPrefix(topic, null, payload);
      });
    }
  }

  subscribe(topic: string, handler: HistoryHandler): Promise<Subscription> {
    return this.add(this.topics, topic, handler, () => [
      this.bus.subscribe(this.deliveryChannel(topic), this.onDelivery),
      this.bus.subscribe(topic, this.onHeard),
    ]);
  }

  subscribePrefix(prefix: string, handler: HistoryHandler): Promise<Subscription> {
    return this.add(this.prefixes, prefix, handler, () => [
      this.bus.subscribePrefix(this.deliveryChannel(prefix), this.onPrefixDelivery),
      this.bus.subscribePrefix(prefix, this.onPrefixHeard),
    ]);
  }

  /** `subscribeBus`: the name's two bus subscriptions, made for its first handler. */
  private async add(
    names: Names,
    name: string,
    handler: HistoryHandler,
    subscribeBus: () => Array<Promise<Subscription>>,
  ): Promise<Subscription> {
    const entry = new TopicHandler(names.owner, name, handler);
    let state = names.map.get(name);
    if (!state) {
      const subscriptions = Promise.all(subscribeBus());
      const created: Topic = { handlers: undefined, subscriptions };
      state = created;
      names.map.set(name, state);
      subscriptions.then(
        (live) => {
          if (created.subscriptions === subscriptions) created.subscriptions = live;
        },
        () => {
          if (names.map.get(name) === created) names.map.delete(name);
        },
      );
    }
    state.handlers = withItem(state.handlers, entry);
    try {
      await state.subscriptions;
    } catch (err) {
      entry.active = false;
      state.handlers = state.handlers && withoutItem(state.handlers, entry);
      throw err;
    }
    return entry;
  }

  /** Ends one handler's subscription; the name's last one ends the bus subscriptions. */
  private async remove(names: Names, entry: Entry): Promise<void> {
    if (!entry.active) return;
    entry.active = false;
    const name = entry.topic;
    const state = names.map.get(name);
    if (!state || !hasItem(state.handlers, entry)) return;
    state.handlers = withoutItem(state.handlers!, entry);
    if (state.handlers !== undefined) return;
    names.map.delete(name);
    const subscriptions = await state.subscriptions;
    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
  }

  async head(): Promise<HistoryHead> {
    const [epoch, position] = await this.redis.historyHead(
      this.counterKey,
      this.epochKey,
      newEpoch(),
    );
    return { epoch, position };
  }

  async since(epoch: string, position: string, topics: readonly string[]): Promise<Replay> {
    const unique = [...new Set(topics)];
    const keys = [this.counterKey, this.epochKey, ...unique.map((t) => this.streamKey(t))];
    const reply = await this.redis.historySinceBuffer(
      keys.length,
      ...keys,
      epoch,
      position,
      newEpoch(),
    );
    const [status, current, last, ...streams] = reply as [Buffer, Buffer, Buffer, ...unknown[]];
    const head = { epoch: current.toString(), position: last.toString() };
    const outcome = status.toString();
    if (outcome !== 'ok') return { recovered: false, reason: outcome as NotRecovered, head };
    const entries: HistoryEntry[] = [];
    streams.forEach((stream, i) => {
      const topic = unique[i]!;
      for (const [id, fields] of stream as Array<[Buffer, Buffer[]]>)
        entries.push({ topic, position: id.toString(), payload: fields[1] ?? Buffer.alloc(0) });
    });
    entries.sort((a, b) => comparePositions(a.position, b.position));
    return { recovered: true, head, entries };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const topics = [...this.topics.map.values(), ...this.prefixes.map.values()];
    this.topics.map.clear();
    this.prefixes.map.clear();
    await Promise.all(
      topics.map(async (t) => {
        const subs = await Promise.resolve(t.subscriptions).catch(() => []);
        await Promise.all(subs.map((s) => s.unsubscribe()));
      }),
    );
    await closeRedis(this.redis);
  }

  /** Runs append.lua; `heard`: the event came from the topic itself (append it only once). */
  private append(topic: string, payload: Uint8Array, heard: boolean): Promise<string | null> {
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const dedup = createHash('sha1').update(topic).update('\n').update(bytes).digest('hex');
    return this.redis.historyAppend(
      this.streamKey(topic),
      this.counterKey,
      this.epochKey,
      `${this.prefix}hd:${dedup}`,
      bytes,
      heard ? '' : topic,
      this.deliveryChannel(topic),
      this.bounds.size,
      this.bounds.seconds * 1000,
      this.bounds.idleTtlMs,
      DEDUP_MS,
      newEpoch(),
      heard ? '1' : '0',
    );
  }

  /** Every topic's handlers on the bus (none made per topic), exact and by prefix. */
  private readonly onDelivery = (channel: string, message: Uint8Array): void =>
    this.delivered(channel.slice(this.deliveryPrefix.length), message, false);
  private readonly onHeard = (topic: string, payload: Uint8Array): void =>
    this.heard(topic, payload);
  private readonly onPrefixDelivery = (channel: string, message: Uint8Array): void =>
    this.delivered(channel.slice(this.deliveryPrefix.length), message, true);
  private readonly onPrefixHeard = (topic: string, payload: Uint8Array): void => {
    if (isHistoryTopic(topic)) this.heard(topic, payload);
  };

  /** A message on a delivery channel: the event with its position, to exact or prefix handlers. */
  private delivered(topic: string, message: Uint8Array, byPrefix: boolean): void {
    const length = message[0];
    if (length === undefined || message.byteLength < 1 + length) return;
    const position = Buffer.from(message.buffer, message.byteOffset + 1, length).toString('latin1');
    const payload = message.subarray(1 + length);
    this.recent.add(topic, payload);
    if (byPrefix) this.deliverByPrefix(topic, position, payload);
    else this.deliver(topic, position, payload);
  }

  /** A message on a topic itself: appended unless it is the copy of a delivery. */
  private heard(topic: string, payload: Uint8Array): void {
    if (this.recent.take(topic, payload)) return;
    this.ingest(topic, payload);
  }

  private ingest(topic: string, payload: Uint8Array): void {
    if (this.closed) return;
    this.append(topic, payload, true).catch((err: Error) => {
      this.metrics?.busErrors.inc({ op: 'publish' });
      this.log.warn({ topic, err: err.message }, 'history: could not append an event heard');
    });
  }

  /** To the exact handlers of `topic`. */
  private deliver(topic: string, position: string | null, payload: Uint8Array): void {
    const handlers = this.topics.map.get(topic)?.handlers;
    if (handlers instanceof TopicHandler) this.call(handlers, topic, position, payload);
    else for (const entry of itemsOf(handlers)) this.call(entry, topic, position, payload);
  }

  /** To the handlers of every prefix `topic` starts with (a handful of prefixes). */
  private deliverByPrefix(topic: string, position: string | null, payload: Uint8Array): void {
    for (const [prefix, state] of this.prefixes.map)
      if (topic.startsWith(prefix))
        for (const entry of itemsOf(state.handlers)) this.call(entry, topic, position, payload);
  }

  private call(entry: Entry, topic: string, position: string | null, payload: Uint8Array): void {
    if (!entry.active) return;
    try {
      entry.handler(topic, position, payload);
    } catch (err) {
      this.log.error({ err, topic }, 'history handler threw; other handlers unaffected');
    }
  }

  private streamKey(topic: string): string {
    return `${this.prefix}h:${topic}`;
  }

  private deliveryChannel(topic: string): string {
    return this.deliveryPrefix + topic;
  }
}

const newEpoch = (): string => randomBytes(12).toString('base64url');
