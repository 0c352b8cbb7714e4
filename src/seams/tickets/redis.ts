/**
 * RedisTicketStore: the TicketStore shared by every node. A ticket is the key
 * `terarelay:ticket:<ticket>` holding `<kind>:<uuid>`, written with `SET … PX ttl NX` and
 * redeemed with `GETDEL` (Redis ≥ 6.2), so exactly one redeem can read it, whichever node
 * serves it. Nothing is kept in process. The Redis client belongs to the caller: `close()`
 * does not quit it.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import { isPrincipalKind, type PrincipalKind } from '../../principal.js';
import { checkIssue, isTicketShape, newTicket } from './format.js';
import type { TicketStore } from './tickets.js';
import { redisCall } from '../redis-client.js';

export const TICKET_KEY_PREFIX = 'terarelay:ticket:';
const WHAT = 'ticket store';

export interface RedisTicketStoreOptions {
  /** A connected (or connecting) ioredis client; shared, not owned. */
  redis: Redis;
}

export class RedisTicketStore implements TicketStore {
  private readonly redis: Redis;
  private closed = false;

  constructor(options: RedisTicketStoreOptions) {
    this.redis = options.redis;
  }

  /** Throws AppError UNAVAILABLE when Redis does not answer. */
  async issue(kind: PrincipalKind, uuid: string, ttlMs: number): Promise<string> {
    checkIssue(kind, uuid, ttlMs);
    if (this.closed) throw new AppError('UNAVAILABLE', 'ticket store is closed');
    // NX guards a (2^-256) collision with an outstanding ticket: draw again rather than overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      const ticket = newTicket();
      const ok = await redisCall(WHAT, () =>
        this.redis.set(TICKET_KEY_PREFIX + ticket, `${kind}:${uuid}`, 'PX', ttlMs, 'NX'),
      );
      if (ok === 'OK') return ticket;
    }
    throw new AppError('INTERNAL', 'ticket: could not store a fresh ticket');
  }

  /** Null for anything but a live ticket of `kind`; throws AppError UNAVAILABLE when Redis does not answer. */
  async redeem(ticket: string, kind: PrincipalKind): Promise<string | null> {
    if (!isTicketShape(ticket) || this.closed) return null;
    const value = await redisCall(WHAT, () => this.redis.getdel(TICKET_KEY_PREFIX + ticket));
    if (value === null) return null;
    const colon = value.indexOf(':');
    const boundKind = value.slice(0, colon);
    const uuid = value.slice(colon + 1);
    if (colon < 0 || !isPrincipalKind(boundKind) || boundKind !== kind || uuid === '') return null;
    return uuid;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
