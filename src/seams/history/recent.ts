/**
 * The last deliveries heard on one Redis link, to recognise the copy of each on its original
 * topic, which append.lua publishes right after it (so it arrives soon after, on the same link).
 * Kept by topic and SHA-1 of the bytes, so a lookup costs one hash whatever the traffic; bounded:
 * a copy never heard (a topic not subscribed) ages out.
 */
import { hash } from 'node:crypto';

const KEPT = 256;

export class RecentDeliveries {
  private readonly counts = new Map<string, number>();
  private readonly order: string[] = [];

  add(topic: string, payload: Uint8Array): void {
    const key = keyOf(topic, payload);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.order.push(key);
    if (this.order.length > KEPT) this.forget(this.order.shift()!);
  }

  /** True (and forgotten) when `payload` on `topic` is one of them. */
  take(topic: string, payload: Uint8Array): boolean {
    const key = keyOf(topic, payload);
    if (!this.counts.has(key)) return false;
    this.forget(key);
    const at = this.order.lastIndexOf(key);
    if (at >= 0) this.order.splice(at, 1);
    return true;
  }

  private forget(key: string): void {
    const n = this.counts.get(key) ?? 0;
    if (n <= 1) this.counts.delete(key);
    else this.counts.set(key, n - 1);
  }
}

const keyOf = (topic: string, payload: Uint8Array): string =>
  `${topic}\n${hash('sha1', payload, 'base64')}`;
