/**
 * Whether this node should be given new clients (GET /readyz): it is not draining, the database
 * answers a trivial query within DATABASE_CHECK_MS, and, with Redis, every Redis link is up.
 * Being alive (GET /healthz) is not this: a draining node is alive and not ready.
 */
import { withTimeout } from './util/timers.js';

/** Longest a readiness check waits for the database, ms. */
export const DATABASE_CHECK_MS = 1000;

export interface ReadinessChecks {
  /** Resolves once the database answered; rejects otherwise. */
  database(): Promise<unknown>;
  /** Whether every Redis link is up; absent without Redis. */
  redisUp?: () => boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Each failed check, by name (`draining`, `database`, `redis`), with why. */
  failed: Record<string, string>;
}

export class Readiness {
  private drainingNow = false;

  constructor(private readonly checks: ReadinessChecks) {}

  /** True once the node started draining or stopping; never false again. */
  get draining(): boolean {
    return this.drainingNow;
  }

  startDraining(): void {
    this.drainingNow = true;
  }

  /** Runs every check; never rejects. */
  async report(): Promise<ReadinessReport> {
    const failed: Record<string, string> = {};
    if (this.drainingNow) failed.draining = 'shutting down';
    if (this.checks.redisUp && !this.checks.redisUp()) failed.redis = 'link down';
    try {
      await withTimeout(this.checks.database(), DATABASE_CHECK_MS, 'database');
    } catch {
      failed.database = 'no answer';
    }
    return { ready: Object.keys(failed).length === 0, failed };
  }
}
