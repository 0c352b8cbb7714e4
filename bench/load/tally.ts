/**
 * What one fan-out run received: deliveries per event (against how many sockets should get it),
 * and every delivery's latency from its send stamp, in ms.
 */
export class Tally {
  /** Deliveries recorded while open. */
  delivered = 0;
  /** Receive time of the last delivery (epoch ms), 0 before any. */
  lastAt = 0;
  private readonly perEvent: Uint32Array;
  private latencies: Float64Array;
  private open = true;

  /**
   * Events `first` … `first + capacity - 1`; `expected(seq)` is how many sockets should receive
   * event `seq`; `onComplete(seq)` runs when the last of them has.
   */
  constructor(
    readonly first: number,
    readonly capacity: number,
    private readonly expected: (seq: number) => number,
    private readonly onComplete: (seq: number) => void = () => {},
  ) {
    this.perEvent = new Uint32Array(capacity);
    this.latencies = new Float64Array(1024);
  }

  record(seq: number, sentMs: number, at: number): void {
    const k = seq - this.first;
    if (!this.open || k < 0 || k >= this.capacity) return;
    if (this.delivered === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.delivered++] = at - sentMs;
    this.lastAt = at;
    if (++this.perEvent[k]! === this.expected(seq)) this.onComplete(seq);
  }

  /** Stops recording: what arrives later is not counted. */
  close(): void {
    this.open = false;
  }

  /** Deliveries expected for events `first` … `first + published - 1`. */
  expectedFor(published: number): number {
    let total = 0;
    for (let k = 0; k < published; k++) total += this.expected(this.first + k);
    return total;
  }

  /** The recorded latencies, sorted ascending. */
  sortedLatencies(): Float64Array {
    return this.latencies.slice(0, this.delivered).sort();
  }
}
