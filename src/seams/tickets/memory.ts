/**
 * MemoryTicketStore: the one-node TicketStore. It keeps each outstanding ticket with the kind
 * and uuid it was issued for until it is redeemed or expires; expired tickets are dropped when
 * read and by a low-frequency background sweep. Redeem is a synchronous take from the map,
 * so it is atomic within the process.
 */
import { AppError } from '../../errors.js';
import type { PrincipalKind } from '../../principal.js';
import { ExpiringMap } from '../../util/expiring-map.js';
import { checkIssue, isTicketShape, newTicket } from './format.js';
import type { TicketStore } from './tickets.js';

interface Bound {
  kind: PrincipalKind;
  uuid: string;
}

export class MemoryTicketStore implements TicketStore {
  private readonly tickets = new ExpiringMap<string, Bound>();
  private closed = false;

  async issue(kind: PrincipalKind, uuid: string, ttlMs: number): Promise<string> {
    checkIssue(kind, uuid, ttlMs);
    if (this.closed) throw new AppError('UNAVAILABLE', 'ticket store is closed');
    let ticket = newTicket();
    while (this.tickets.get(ticket) !== undefined) ticket = newTicket();
    this.tickets.set(ticket, { kind, uuid }, Date.now() + ttlMs);
    return ticket;
  }

  async redeem(ticket: string, kind: PrincipalKind): Promise<string | null> {
    if (!isTicketShape(ticket)) return null;
    const bound = this.tickets.take(ticket)?.value;
    return bound !== undefined && bound.kind === kind ? bound.uuid : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tickets.close();
  }
}
