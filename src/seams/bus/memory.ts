/**
 * MemoryBus: the Bus of a single node (and of several servers sharing one process in tests).
 * It keeps a map of exact topic → live handlers, and one of prefix → live handlers (a handful:
 * each delivery checks every prefix). Each publish schedules one delivery as a
 * microtask, so delivery happens after `publish` returns, in publish order across all topics;
 * the handlers called are those subscribed when the delivery runs. Payloads are passed by
 * reference: a publisher must not modify a payload after publishing it, a handler must not
 * modify what it receives (every implementation may share one buffer between handlers).
 */
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import type { Bus, BusHandler, Subscription } from './bus.js';
import { TopicHandlers } from '../handler.js';

export interface MemoryBusOptions {
  /** Where throwing handlers are reported. Default: nowhere. */
  log?: Logger;
  /** Where publishes are timed (`terarelay_bus_publish_seconds`). Default: nowhere. */
  metrics?: Metrics;
}

export class MemoryBus implements Bus {
  private readonly topics = new TopicHandlers<BusHandler>();
  private readonly prefixes = new TopicHandlers<BusHandler>();
  private readonly log: Logger | undefined;
  private readonly metrics: Metrics | undefined;
  private closed = false;

  constructor(options: MemoryBusOptions = {}) {
    this.log = options.log;
    this.metrics = options.metrics;
  }

  /** Never rejects; after `close()` the message is dropped. */
  async publish(topic: string, payload: Uint8Array): Promise<void> {
    if (this.closed) return;
    const done = this.metrics?.busPublish.startTimer();
    queueMicrotask(() => this.deliver(topic, payload));
    done?.();
  }

  /** Live at once. Rejects with AppError UNAVAILABLE after `close()`. */
  async subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'bus is closed');
    return this.topics.add(topic, handler);
  }

  /** Live at once. Rejects with AppError UNAVAILABLE after `close()`. */
  async subscribePrefix(prefix: string, handler: BusHandler): Promise<Subscription> {
    if (this.closed) throw new AppError('UNAVAILABLE', 'bus is closed');
    return this.prefixes.add(prefix, handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
    this.prefixes.clear();
  }

  private deliver(topic: string, payload: Uint8Array): void {
    const call = (handler: BusHandler): void => handler(topic, payload);
    const report = (err: unknown): void =>
      this.log?.error({ err, topic }, 'bus handler threw; other handlers unaffected');
    this.topics.forEach(topic, call, report);
    this.prefixes.forEachPrefixOf(topic, call, report);
  }
}
