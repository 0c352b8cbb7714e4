/**
 * Runs async tasks one after another per key, and in parallel across keys.
 *
 * It keeps, per key, the tail of that key's chain (removed once the chain is empty). The
 * UserManager keys presence changes by principal, so a connection's CONNECTED is always
 * applied before its DISCONNECTED (no ghost online), while different principals
 * never wait on each other. A task that throws is reported to `onError` and does not stop the
 * tasks queued after it.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly onError: (err: unknown, key: string) => void) {}

  /** Queues `task` after `key`'s; the promise settles (never rejects) once it has run. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(task)
      .catch((err: unknown) => this.onError(err, key))
      .finally(() => {
        if (this.tails.get(key) === next) this.tails.delete(key);
      });
    this.tails.set(key, next);
    return next;
  }

  /** Resolves when every task queued so far has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
