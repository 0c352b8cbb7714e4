/**
 * RedisTicketStore: the TicketStore shared by every node. A ticket is the key
 * `terarelay:ticket:<ticket>` holding `<kind>:<uuid>`, or `<kind>:<uuid>:observer` for an
 * observer connection, written with `SET … PX ttl NX` and claimed with `GETDEL`
 * (Redis ≥ 6.2), so exactly one claim can read it, whichever node serves it. Nothing is kept
 * in process. The Redis client belongs to the caller: `close()` does not quit it.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import { isPrincipalKind, type PrincipalKind } from '../../principal.js';
import { checkIssue, isTicketShape, newTicket } from './format.js';
import type { ClaimedTicket, TicketOptions, TicketStore } from './tickets.js';
import { redisCall } from '../redis-client.js';

export const TICKET_KEY_PREFIX = 'terarelay:ticket:';
const WHAT = 'ticket store';
const OBSERVER_FLAG = 'observer';

export interface RedisTicketStoreOptions {
  /** A connected (or connecting) ioredis client; shared, not owned. */
  redis: Redis;
}

/** What a stored value names, or null when it is not one this store writes. */
function parseValue(value: string): (ClaimedTicket & { kind: PrincipalKind }) | null {
  const [kind, uuid, flag, ...rest] = value.split(':');
  if (!isPrincipalKind(kind) || !uuid || rest.length > 0) return null;
  if (flag !== undefined && flag !== OBSERVER_FLAG) return null;
  return { kind, uuid, observer: flag === OBSERVER_FLAG };
}

export class RedisTicketStore implements TicketStore {
  private readonly redis: Redis;
  private closed = false;

  constructor(options: RedisTicketStoreOptions) {
    this.redis = options.redis;
  }

  /** Throws AppError UNAVAILABLE when Redis does not answer. */
  async issue(
    kind: PrincipalKind,
    uuid: string,
    ttlMs: number,
    options: TicketOptions = {},
  ): Promise<string> {
    checkIssue(kind, uuid, ttlMs, options);
    if (this.closed) throw new AppError('UNAVAILABLE', 'ticket store is closed');
    const value = `${kind}:${uuid}` + (options.observer ? `:${OBSERVER_FLAG}` : '');
    // NX guards a (2^-256) collision with an outstanding ticket: draw again rather than overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      const ticket = newTicket();
      const ok = await redisCall(WHAT, () =>
        this.redis.set(TICKET_KEY_PREFIX + ticket, value, 'PX', ttlMs, 'NX'),
      );
      if (ok === 'OK') return ticket;
    }
    throw new AppError('INTERNAL', 'ticket: could not store a fresh ticket');
  }

  /** Null for anything but a live ticket of `kind`; throws AppError UNAVAILABLE when Redis does not answer. */
  async claim(ticket: string, kind: PrincipalKind): Promise<ClaimedTicket | null> {
    if (!isTicketShape(ticket) || this.closed) return null;
    const value = await redisCall(WHAT, () => this.redis.getdel(TICKET_KEY_PREFIX + ticket));
    const bound = value === null ? null : parseValue(value);
    if (bound === null || bound.kind !== kind) return null;
    return { uuid: bound.uuid, observer: bound.observer };
  }

  async redeem(ticket: string, kind: PrincipalKind): Promise<string | null> {
    return (await this.claim(ticket, kind))?.uuid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
