/** MemoryLeadership: the Leadership of a node alone; it leads until closed. */
import type { Leadership } from './leadership.js';

export class MemoryLeadership implements Leadership {
  private closed = false;

  get isLeader(): boolean {
    return !this.closed;
  }

  onChange(): void {}

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
