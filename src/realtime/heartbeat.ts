/**
 * Heartbeat for every connection of the node with one timer (no per-socket timers).
 *
 * It keeps nothing but its timer: each round reads the live connections from `connections`
 * (the hub's registry). Every `interval` ms, from start() to close(), a connection whose last
 * sign of life (pong or client frame, `lastSeen`) is older than `timeout` is terminated; every
 * other one is pinged. So a client is pinged at most `interval` after it opens and then every
 * `interval`, and a silent client is dropped between `timeout` and `timeout + interval` after
 * its last sign of life: accurate within one interval. The timer never keeps the process alive.
 */
export interface Beating {
  readonly lastSeen: number;
  ping(): void;
  terminate(): void;
}

export interface HeartbeatOptions {
  /** The live connections; a terminated one must leave it. */
  connections: () => Iterable<Beating>;
  /** Ping period, ms (config.pingInterval). */
  interval: number;
  /** Silence after which a connection is terminated, ms (config.pongTimeout). */
  timeout: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the rounds. Idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.interval);
    this.timer.unref();
  }

  /** Runs one round now (the timer calls this). */
  tick(): void {
    const deadline = this.now() - this.options.timeout;
    for (const connection of [...this.options.connections()]) {
      try {
        if (connection.lastSeen < deadline) connection.terminate();
        else connection.ping();
      } catch {
        // One broken connection never stops the round.
      }
    }
  }

  /** Stops the rounds. Idempotent. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
