/**
 * SendBudget: batches the node's socket writes and bounds the bytes they leave unsent.
 *
 * Writes made in one synchronous stretch (one fan-out pass, or several bus messages handled in
 * the same tick) go out together: each connection corks its socket at its first write and the
 * budget uncorks them all in one microtask, never on a timer.
 *
 * How far behind a connection is: the bytes its socket still held when the batch reached it,
 * i.e. what earlier batches left unsent (the batch's own bytes are on their way out). It keeps
 * the connections of the open batch and, per connection (`unsent`), that figure as last
 * measured, with a running node-wide sum. The sum may overstate (a socket that drained since
 * its last write still counts); when it passes `budget`, every connection outside the batch is
 * measured again, and while the exact sum is over the budget the connections furthest behind
 * are closed first as slow consumers (4001).
 */
import type { Connection, WriteBatch } from './connection.js';

export interface SendBudgetOptions {
  /** Most unsent bytes the node's sockets may hold together. */
  budget: number;
  /** Every live connection of the node (the hub's registry). */
  connections: () => Iterable<Connection>;
  /** Told how many connections one enforcement closed (metrics, logs). */
  onEnforced?: (closed: number, unsentBytes: number) => void;
}

export class SendBudget implements WriteBatch {
  private batch: Connection[] = [];
  private scheduled = false;
  private total = 0;
  private peak = 0;

  constructor(private readonly options: SendBudgetOptions) {}

  /** The node's unsent bytes as last measured (may overstate; see above). */
  get unsentBytes(): number {
    return this.total;
  }

  /**
   * The most unsent bytes the node held at the end of a batch, once the budget was enforced:
   * never above the budget. (Within one synchronous pass, before the budget acts, the sockets
   * may hold up to that pass's writes more.)
   */
  get peakBytes(): number {
    return this.peak;
  }

  joined(connection: Connection, unsent: number): void {
    this.total += unsent - connection.unsent;
    connection.unsent = unsent;
    this.batch.push(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(this.flush);
  }

  left(connection: Connection): void {
    this.total -= connection.unsent;
    connection.unsent = 0;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.batch;
    this.batch = [];
    for (const c of batch) c.flush();
    if (this.total > this.options.budget) this.enforce(new Set(batch));
    if (this.total > this.peak) this.peak = this.total;
  };

  private enforce(measured: ReadonlySet<Connection>): void {
    const live: Connection[] = [];
    let total = 0;
    for (const c of this.options.connections()) {
      if (c.isClosed) continue;
      if (!measured.has(c)) c.unsent = c.bufferedAmount;
      total += c.unsent;
      live.push(c);
    }
    this.total = total;
    if (total <= this.options.budget) return;
    live.sort((a, b) => b.unsent - a.unsent);
    let closed = 0;
    for (const c of live) {
      if (this.total <= this.options.budget) break;
      c.close('SLOW_CONSUMER');
      closed++;
    }
    this.options.onEnforced?.(closed, total);
  }
}
