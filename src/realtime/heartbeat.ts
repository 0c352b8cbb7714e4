/**
 * Heartbeat for every connection of the node with one timer (no per-socket timers).
 *
 * It keeps the set of watched connections. Every `interval` ms one tick runs: a connection
 * whose last sign of life (pong or client frame, `lastSeen`) is older than `timeout` is
 * terminated; every other one is pinged. So a client is pinged at most `interval` after it
 * opens and then every `interval`, and a silent client is dropped between `timeout` and
 * `timeout + interval` after its last sign of life: accurate within one interval.
 * The timer runs only while something is watched, and never keeps the process alive.
 */
export interface Beating {
  readonly lastSeen: number;
  ping(): void;
  terminate(): void;
}

export interface HeartbeatOptions {
  /** Ping period, ms (config.pingInterval). */
  interval: number;
  /** Silence after which a connection is terminated, ms (config.pongTimeout). */
  timeout: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class Heartbeat {
  private readonly watched = new Set<Beating>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.now = options.now ?? Date.now;
  }

  add(connection: Beating): void {
    this.watched.add(connection);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.options.interval);
      this.timer.unref();
    }
  }

  remove(connection: Beating): void {
    this.watched.delete(connection);
    if (this.watched.size === 0) this.stop();
  }

  /** Runs one round now (the timer calls this). */
  tick(): void {
    const deadline = this.now() - this.options.timeout;
    for (const connection of [...this.watched]) {
      try {
        if (connection.lastSeen < deadline) {
          this.watched.delete(connection);
          connection.terminate();
        } else {
          connection.ping();
        }
      } catch {
        // One broken connection never stops the round.
      }
    }
    if (this.watched.size === 0) this.stop();
  }

  /** Stops watching everything. Idempotent. */
  close(): void {
    this.watched.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
