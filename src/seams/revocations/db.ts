/**
 * DbRevocations: the one-node default. Revoked tokens are rows of `terarelay_revoked_tokens`
 * (token_kind, token, expires_at in epoch ms), so a revocation survives a restart; rows whose
 * token has expired are deleted by an occasional purge (an unref'd timer). The Db belongs to
 * the caller: `close()` stops the purge only.
 *
 * Besides the Revocations contract it answers RedisRevocations' questions about the rows
 * (`live`, `expiries`, `purge`).
 */
import type { Logger } from 'pino';
import type { Db } from '../../store/connect.js';
import {
  liveRevocations,
  purgeRevocations,
  revocationInForce,
  revokedExpiries,
  upsertRevocation,
} from '../../store/queries/revocations.js';
import { AppError } from '../../errors.js';
import { isRevocableKind, reason, revocationExpiry } from './rules.js';
import type { RevocableKind, Revocations } from './revocations.js';

export const DEFAULT_PURGE_INTERVAL_MS = 10 * 60_000;

export interface DbRevocationsOptions {
  /** Interval of the purge of expired rows, ms (default 10 min; ≤ 0: none). */
  purgeIntervalMs?: number;
  log?: Logger;
}

export interface RevokedRow {
  kind: RevocableKind;
  token: string;
  expiresAtMs: number;
}

export class DbRevocations implements Revocations {
  private readonly db: Db;
  private readonly log: Logger | undefined;
  private timer: NodeJS.Timeout | null = null;

  constructor(db: Db, options: DbRevocationsOptions = {}) {
    this.db = db;
    this.log = options.log;
    const interval = options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
    if (interval > 0) {
      this.timer = setInterval(() => {
        this.purge().catch((err: unknown) =>
          this.log?.warn({ err: reason(err) }, 'revocations: purge failed'),
        );
      }, interval);
      this.timer.unref();
    }
  }

  /** Throws AppError UNAVAILABLE when the database fails. */
  async revoke(kind: RevocableKind, token: string, expiresAtMs: number): Promise<void> {
    const expiry = revocationExpiry(kind, token, expiresAtMs);
    if (expiry === null) return;
    await this.call(() => upsertRevocation(this.db, kind, token, expiry));
  }

  /** True for the empty token, as in OpenTera. Throws AppError UNAVAILABLE when the database fails. */
  async isRevoked(kind: RevocableKind, token: string): Promise<boolean> {
    if (token === '') return true;
    if (!isRevocableKind(kind) || typeof token !== 'string') return false;
    return this.call(() => revocationInForce(this.db, kind, token, Date.now()));
  }

  /** Every revocation still in force at `now`. */
  async live(now: number = Date.now()): Promise<RevokedRow[]> {
    const rows = await this.call(() => liveRevocations(this.db, now));
    return rows.map((r) => ({
      kind: r.token_kind,
      token: r.token,
      expiresAtMs: Number(r.expires_at),
    }));
  }

  /** The stored expiry of each of `tokens` that has a row (expired or not). */
  async expiries(kind: RevocableKind, tokens: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (let i = 0; i < tokens.length; i += 500) {
      const chunk = tokens.slice(i, i + 500);
      const rows = await this.call(() => revokedExpiries(this.db, kind, chunk));
      for (const r of rows) found.set(r.token, Number(r.expires_at));
    }
    return found;
  }

  /** Deletes the rows expired at `now`; returns how many. */
  async purge(now: number = Date.now()): Promise<number> {
    return this.call(() => purgeRevocations(this.db, now));
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async call<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (e) {
      throw new AppError('UNAVAILABLE', 'revocations: database unavailable', { cause: e });
    }
  }
}
