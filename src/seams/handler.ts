/**
 * One local handler of one topic, for the seams that keep topic → handlers (the buses and the
 * histories). It is its own Subscription, so that a subscription costs one small object and no
 * closure: every idle connection holds a few of them. `unsubscribe` asks its owner to remove
 * it; the owner sets `active` to false then, and never calls an inactive handler.
 */
import type { Subscription } from './bus/bus.js';
import { itemsOf, withItem, withoutItem, type Group } from '../util/group.js';

export interface HandlerOwner<H> {
  remove(entry: TopicHandler<H>): Promise<void>;
}

export class TopicHandler<H> implements Subscription {
  active = true;

  constructor(
    private readonly owner: HandlerOwner<H>,
    readonly topic: string,
    readonly handler: H,
  ) {}

  unsubscribe(): Promise<void> {
    return this.owner.remove(this);
  }
}

/**
 * Topic → its local handlers, for the seams that need nothing more per topic (the in-memory
 * bus and history). A delivery calls the handlers subscribed when it runs; one that throws is
 * reported and the others still run.
 */
export class TopicHandlers<H> implements HandlerOwner<H> {
  private readonly topics = new Map<string, Group<TopicHandler<H>>>();

  add(topic: string, handler: H): TopicHandler<H> {
    const entry = new TopicHandler(this, topic, handler);
    this.topics.set(topic, withItem(this.topics.get(topic), entry));
    return entry;
  }

  async remove(entry: TopicHandler<H>): Promise<void> {
    if (!entry.active) return;
    entry.active = false;
    const group = this.topics.get(entry.topic);
    if (group === undefined) return;
    const rest = withoutItem(group, entry);
    if (rest === undefined) this.topics.delete(entry.topic);
    else if (rest !== group) this.topics.set(entry.topic, rest);
  }

  /** Calls `call` with each active handler of `topic`; `onError` gets what one threw. */
  forEach(topic: string, call: (handler: H) => void, onError: (err: unknown) => void): void {
    runGroup(this.topics.get(topic), call, onError);
  }

  /**
   * Keys taken as prefixes: calls `call` with each active handler of every key `topic` starts
   * with (a handful of keys: it looks at each one).
   */
  forEachPrefixOf(
    topic: string,
    call: (handler: H) => void,
    onError: (err: unknown) => void,
  ): void {
    for (const [prefix, group] of this.topics)
      if (topic.startsWith(prefix)) runGroup(group, call, onError);
  }

  /** Ends every subscription. */
  clear(): void {
    for (const group of this.topics.values()) for (const e of itemsOf(group)) e.active = false;
    this.topics.clear();
  }
}

function runGroup<H>(
  group: Group<TopicHandler<H>> | undefined,
  call: (handler: H) => void,
  onError: (err: unknown) => void,
): void {
  const run = (entry: TopicHandler<H>): void => {
    if (!entry.active) return;
    try {
      call(entry.handler);
    } catch (err) {
      onError(err);
    }
  };
  if (group instanceof TopicHandler) run(group);
  else for (const entry of itemsOf(group)) run(entry);
}
