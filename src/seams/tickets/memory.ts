/**
 * MemoryTicketStore: the one-node TicketStore. It keeps each outstanding ticket with the kind,
 * uuid and observer flag it was issued for until it is claimed or expires; expired tickets are
 * dropped when read and by a low-frequency background sweep. A claim is a synchronous take
 * from the map, so it is atomic within the process.
 */
import { AppError } from '../../errors.js';
import type { PrincipalKind } from '../../principal.js';
import { ExpiringMap } from '../../util/expiring-map.js';
import { checkIssue, isTicketShape, newTicket } from './format.js';
import type { ClaimedTicket, TicketOptions, TicketStore } from './tickets.js';

interface Bound extends ClaimedTicket {
  kind: PrincipalKind;
}

export class MemoryTicketStore implements TicketStore {
  private readonly tickets = new ExpiringMap<string, Bound>();
  private closed = false;

  async issue(
    kind: PrincipalKind,
    uuid: string,
    ttlMs: number,
    options: TicketOptions = {},
  ): Promise<string> {
    checkIssue(kind, uuid, ttlMs, options);
    if (this.closed) throw new AppError('UNAVAILABLE', 'ticket store is closed');
    let ticket = newTicket();
    while (this.tickets.get(ticket) !== undefined) ticket = newTicket();
    const observer = options.observer === true;
    this.tickets.set(ticket, { kind, uuid, observer }, Date.now() + ttlMs);
    return ticket;
  }

  async claim(ticket: string, kind: PrincipalKind): Promise<ClaimedTicket | null> {
    if (!isTicketShape(ticket)) return null;
    const bound = this.tickets.take(ticket)?.value;
    return bound !== undefined && bound.kind === kind
      ? { uuid: bound.uuid, observer: bound.observer }
      : null;
  }

  async redeem(ticket: string, kind: PrincipalKind): Promise<string | null> {
    return (await this.claim(ticket, kind))?.uuid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tickets.close();
  }
}
