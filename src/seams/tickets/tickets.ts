/**
 * TicketStore: one-time websocket tickets (the `id` of a `websocket_url`).
 *
 * Contract:
 * - `issue` returns an opaque, URL-safe ticket carrying at least 128 random bits, stored under
 *   a prefix (never a raw key name), bound to the principal's kind and uuid and to whether the
 *   connection it opens is an observer (users only), valid `ttlMs`;
 * - `claim` is atomic and single-use: among any number of concurrent claims of one ticket, at
 *   most one gets what it was issued for; the ticket is consumed even when the kind does not
 *   match;
 * - an unknown, expired, used or wrong-kind ticket gives `null`;
 * - `redeem` is `claim` reduced to the uuid (same atomicity, same consumption).
 */
import type { PrincipalKind } from '../../principal.js';

export interface TicketOptions {
  /**
   * The connection the ticket opens is an observer: it receives the principal's events but is
   * left out of presence. Users only.
   */
  readonly observer?: boolean;
}

/** What a claimed ticket was issued for. */
export interface ClaimedTicket {
  readonly uuid: string;
  readonly observer: boolean;
}

export interface TicketStore {
  issue(kind: PrincipalKind, uuid: string, ttlMs: number, options?: TicketOptions): Promise<string>;
  claim(ticket: string, kind: PrincipalKind): Promise<ClaimedTicket | null>;
  redeem(ticket: string, kind: PrincipalKind): Promise<string | null>;
  close(): Promise<void>;
}
