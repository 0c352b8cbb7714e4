/**
 * HistoryBus: the node's Bus when history is on. A publish on a history topic (`isHistoryTopic`)
 * goes to the History, which keeps it, delivers it with its position and still publishes the
 * unchanged bytes on the topic; everything else, and every subscribe, is the plain bus's.
 * Same contract as Bus.
 */
import { isHistoryTopic } from '../../topics.js';
import type { Bus, BusHandler, Subscription } from '../bus/bus.js';
import type { History } from './history.js';

export class HistoryBus implements Bus {
  constructor(
    private readonly raw: Bus,
    private readonly history: Pick<History, 'publish'>,
  ) {}

  publish(topic: string, payload: Uint8Array): Promise<void> {
    return isHistoryTopic(topic)
      ? this.history.publish(topic, payload)
      : this.raw.publish(topic, payload);
  }

  subscribe(topic: string, handler: BusHandler): Promise<Subscription> {
    return this.raw.subscribe(topic, handler);
  }

  subscribePrefix(prefix: string, handler: BusHandler): Promise<Subscription> {
    return this.raw.subscribePrefix(prefix, handler);
  }

  close(): Promise<void> {
    return this.raw.close();
  }
}
