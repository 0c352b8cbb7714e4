/**
 * A minimal typed listener list, the same in Node and browsers. A listener that throws does
 * not stop the others or the caller: its error is rethrown on its own, outside the call (as
 * a DOM event listener's would be).
 */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  /** Adds `listener`; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    const own = (value: T) => listener(value);
    this.set.add(own);
    return () => this.set.delete(own);
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        setTimeout(() => {
          throw err;
        }, 0);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}
