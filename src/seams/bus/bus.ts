/**
 * Bus: moves opaque payloads between publishers and subscribers by exact topic name, or by the
 * start of it (`subscribePrefix`: one node-wide subscription for a family of per-principal topics,
 * which every idle connection would otherwise hold one of).
 *
 * Contract (every implementation, memory and Redis):
 * - at-most-once delivery; per-topic order is kept for one publisher;
 * - `subscribe` resolves once the subscription is live: anything published after it resolves
 *   reaches the handler; `subscribePrefix` too, for every topic that starts with the prefix (the
 *   handler gets the topic's name);
 * - each subscription hears a message once: exact and prefix subscriptions that both match it
 *   each hear it;
 * - delivery never re-enters the publisher: handlers run after `publish` has returned;
 * - a handler that throws does not affect other handlers or the bus;
 * - `publish` never rejects: failures (Redis down) are logged and counted, the message is lost;
 * - the bus moves bytes only; it never decodes them.
 */
export type BusHandler = (topic: string, payload: Uint8Array) => void;

export interface Subscription {
  /** Idempotent. Resolves once the handler will no longer be called. */
  unsubscribe(): Promise<void>;
}

export interface Bus {
  publish(topic: string, payload: Uint8Array): Promise<void>;
  subscribe(topic: string, handler: BusHandler): Promise<Subscription>;
  /** Every topic starting with `prefix` (all of them for ''). Redis: PSUBSCRIBE `<prefix>*`. */
  subscribePrefix(prefix: string, handler: BusHandler): Promise<Subscription>;
  /** Idempotent. */
  close(): Promise<void>;
}
