/**
 * The per-test store of the contract suites: `open` makes a fresh store (or gives the reason
 * its backend is unreachable), the test body runs with it, and the store is closed after.
 */

/** What `open` gives: a store, or why this backend's tests are skipped. */
export type Opened<S> = S | { skip: string };

/** Wraps a test body that needs a fresh store from `open` (skips the test when it cannot). */
export function storeTest<S extends { close(): Promise<unknown> }>(
  open: () => Promise<Opened<S>>,
): (body: (store: S) => Promise<void>) => (t: { skip(reason: string): void }) => Promise<void> {
  return (body) => async (t) => {
    const store = await open();
    if ('skip' in store) return t.skip(store.skip);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  };
}
