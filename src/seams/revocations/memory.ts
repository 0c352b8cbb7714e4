/**
 * MemoryRevocations: revoked tokens held in process until their own expiry (then dropped when
 * read or by a low-frequency background sweep). Lost on restart: the one-node default is
 * DbRevocations; this one serves tests and throwaway servers.
 */
import { ExpiringMap, DEFAULT_SWEEP_INTERVAL_MS } from '../../util/expiring-map.js';
import { isRevocableKind, revocationExpiry } from './rules.js';
import type { RevocableKind, Revocations } from './revocations.js';

export interface MemoryRevocationsOptions {
  /** Interval of the background sweep of expired entries, ms (default 60 000; ≤ 0: none). */
  sweepIntervalMs?: number;
}

export class MemoryRevocations implements Revocations {
  /** Keyed `<kind>:<token>`. */
  private readonly revoked: ExpiringMap<string, true>;

  constructor(options: MemoryRevocationsOptions = {}) {
    this.revoked = new ExpiringMap(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  }

  async revoke(kind: RevocableKind, token: string, expiresAtMs: number): Promise<void> {
    const expiry = revocationExpiry(kind, token, expiresAtMs);
    if (expiry === null) return;
    const key = `${kind}:${token}`;
    const current = this.revoked.entry(key);
    this.revoked.set(key, true, Math.max(expiry, current?.expiresAtMs ?? 0));
  }

  /** True for the empty token, as in OpenTera. */
  async isRevoked(kind: RevocableKind, token: string): Promise<boolean> {
    if (token === '') return true;
    return isRevocableKind(kind) && this.revoked.get(`${kind}:${token}`) === true;
  }

  async close(): Promise<void> {
    this.revoked.close();
  }
}
