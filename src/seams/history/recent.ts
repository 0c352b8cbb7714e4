/**
 * The last deliveries heard on one Redis link, to recognise the copy of each on its original
 * topic, which append.lua publishes right after it (so it arrives next on the same link).
 * Bounded: a copy never heard (a topic not subscribed) ages out.
 */
const KEPT = 256;

export class RecentDeliveries {
  private readonly items: Array<{ topic: string; payload: Uint8Array }> = [];

  add(topic: string, payload: Uint8Array): void {
    if (this.items.length >= KEPT) this.items.shift();
    this.items.push({ topic, payload });
  }

  /** True (and forgotten) when `payload` on `topic` is one of them. */
  take(topic: string, payload: Uint8Array): boolean {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i]!;
      if (
        item.topic === topic &&
        item.payload.byteLength === payload.byteLength &&
        Buffer.compare(item.payload, payload) === 0
      ) {
        this.items.splice(i, 1);
        return true;
      }
    }
    return false;
  }
}
