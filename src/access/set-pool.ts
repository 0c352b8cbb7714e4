/**
 * Equal sets made once. Users with the same roles see the same rows: `intern` hands each of them
 * the same read-only set, so a node keeps one copy per distinct set rather than one per
 * connection, and a fan-out asks each distinct set once (src/realtime/audience-index.ts).
 *
 * Sets are held weakly: a set no access holds any more is collected, and its entry goes with it.
 * A pooled set must never be modified (its type says so).
 */
import { createHash } from 'node:crypto';

type Member = string | number;

/** The one empty set handed out for every empty input. */
const EMPTY: ReadonlySet<never> = new Set<never>();

export class SetPool {
  /** Content digest → the live set with that content. */
  private readonly byDigest = new Map<string, WeakRef<ReadonlySet<Member>>>();
  private readonly forget = new FinalizationRegistry<string>((digest) => {
    if (this.byDigest.get(digest)?.deref() === undefined) this.byDigest.delete(digest);
  });

  /** A set holding exactly `values` (repeats ignored): the pooled one when an equal set is live. */
  intern<T extends Member>(values: Iterable<T>): ReadonlySet<T> {
    const set = new Set(values);
    if (set.size === 0) return EMPTY;
    const digest = digestOf(set);
    const known = this.byDigest.get(digest)?.deref();
    if (known !== undefined && sameMembers(known, set)) return known as ReadonlySet<T>;
    // A digest collision leaves the earlier set unpooled from here on: correct, only unshared.
    this.byDigest.set(digest, new WeakRef(set));
    this.forget.register(set, digest);
    return set;
  }

  /** Distinct contents pooled now (observability and tests; collected sets may linger). */
  get size(): number {
    return this.byDigest.size;
  }
}

/** Order-free: the sorted values, typed (1 and '1' differ), hashed. */
function digestOf(set: ReadonlySet<Member>): string {
  const sorted = [...set].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1,
  );
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64');
}

function sameMembers(a: ReadonlySet<Member>, b: ReadonlySet<Member>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}
