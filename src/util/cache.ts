/**
 * Cached<T>: one value read from elsewhere (the database) and kept for a short while.
 *
 * `get()` answers the kept value while it is younger than `ttlMs` and was not invalidated;
 * otherwise it loads it again, and concurrent gets share that one load. `invalidate()` makes
 * the next get load again; a load already running when it is called is not kept (it may have
 * read the rows before the change), though the gets that were waiting for it still get its value.
 * A failed load is not kept either: its gets reject, the next get tries again.
 */
export class Cached<T> {
  private kept: { readonly value: T; readonly at: number } | null = null;
  private loading: { readonly generation: number; readonly promise: Promise<T> } | null = null;
  private generation = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const kept = this.kept;
    if (kept && this.now() - kept.at < this.ttlMs) return Promise.resolve(kept.value);
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const at = this.now();
    // Kept from when the load started: its rows are at least that old.
    const promise = this.load().then((value) => {
      if (this.generation === generation) this.kept = { value, at };
      return value;
    });
    const loading = { generation, promise };
    this.loading = loading;
    const done = (): void => {
      if (this.loading === loading) this.loading = null;
    };
    promise.then(done, done);
    return promise;
  }

  /** Drops the kept value: the next get reads it again. */
  invalidate(): void {
    this.generation++;
    this.kept = null;
  }
}
