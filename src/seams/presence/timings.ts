/**
 * Every presence timing, derived from one setting: --presence-ttl (s), the longest a dead
 * node's principals stay online.
 *
 * The rule:
 * - a node's presence entries outlive their last refresh by 3/4 of the presence ttl
 *   (`entryTtlMs`), and the node refreshes them every 1/3 of that (`refreshIntervalMs`);
 * - the leader sweeps expired entries every 1/4 of the presence ttl (`sweepIntervalMs`), so a
 *   dead node's principals are announced offline within 3/4 + 1/4 of it;
 * - the leader's lease lasts half the presence ttl, from 1 s to 10 s (`leaseMs`), so a dead
 *   leader's duties (the sweep among them) move on well within the presence ttl.
 */
export interface PresenceTimings {
  /** Lifetime of a presence entry after its last refresh, ms. */
  entryTtlMs: number;
  /** How often a node refreshes its own entries, ms. */
  refreshIntervalMs: number;
  /** How often the leader sweeps expired entries, ms. */
  sweepIntervalMs: number;
  /** Lifetime of the leader's lease, ms. */
  leaseMs: number;
}

export function presenceTimings(presenceTtlSeconds: number): PresenceTimings {
  const ttlMs = presenceTtlSeconds * 1000;
  const entryTtlMs = (ttlMs * 3) / 4;
  return {
    entryTtlMs,
    refreshIntervalMs: Math.max(entryTtlMs / 3, 10),
    sweepIntervalMs: ttlMs / 4,
    leaseMs: Math.min(Math.max(ttlMs / 2, 1000), 10_000),
  };
}
