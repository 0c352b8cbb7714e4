/**
 * TicketStore: one-time websocket tickets (the `id` of a `websocket_url`).
 *
 * Contract:
 * - `issue` returns an opaque, URL-safe ticket carrying at least 128 random bits, stored under
 *   a prefix (never a raw key name), bound to the principal's kind and uuid, valid `ttlMs`;
 * - `redeem` is atomic and single-use: among any number of concurrent redeems of one ticket,
 *   at most one gets the uuid; the ticket is consumed even when the kind does not match;
 * - an unknown, expired, used or wrong-kind ticket gives `null`.
 */
import type { PrincipalKind } from '../../principal.js';

export interface TicketStore {
  issue(kind: PrincipalKind, uuid: string, ttlMs: number): Promise<string>;
  redeem(ticket: string, kind: PrincipalKind): Promise<string | null>;
  close(): Promise<void>;
}
