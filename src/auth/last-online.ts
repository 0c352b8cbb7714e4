/**
 * LastOnline: records successful logins in `*_lastonline` (as OpenTera does) off the login
 * path. A login only notes its principal; the notes are written every `intervalMs` in one
 * UPDATE per kind, and on close(), so a connect storm costs no write per login.
 *
 * It keeps the ids noted since the last write, per kind (a set: a principal logging in twice
 * in one interval is written once). A failed write is logged and its ids dropped: the column
 * is informative, never read by TeraRelay.
 */
import type { Logger } from 'pino';
import type { PrincipalKind } from '../principal.js';
import type { Db } from '../store/connect.js';
import { setLastOnline } from '../store/queries/accounts.js';

export interface LastOnlineOptions {
  db: Db;
  log: Logger;
  /** How often noted logins are written, ms. Default 1000. */
  intervalMs?: number;
}

export class LastOnline {
  private noted: Record<PrincipalKind, Set<number>> = fresh();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: LastOnlineOptions) {}

  /** Notes a successful login of `id`; written within one interval. */
  note(kind: PrincipalKind, id: number): void {
    this.noted[kind].add(id);
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Writes what is noted now; resolves once written (or failed and logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const noted = this.noted;
    this.noted = fresh();
    const now = new Date().toISOString();
    this.writing = this.writing.then(async () => {
      for (const kind of Object.keys(noted) as PrincipalKind[]) {
        try {
          await setLastOnline(this.options.db, kind, [...noted[kind]], now);
        } catch (err) {
          this.options.log.warn({ err, kind }, 'could not record last online times');
        }
      }
    });
    return this.writing;
  }

  /** Writes what is left. Idempotent. */
  close(): Promise<void> {
    return this.flush();
  }
}

const fresh = (): Record<PrincipalKind, Set<number>> => ({
  user: new Set(),
  participant: new Set(),
  device: new Set(),
});
