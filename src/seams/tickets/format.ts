/**
 * The shape of a websocket ticket, shared by every TicketStore: 32 bytes from the CSPRNG
 * (256 bits), base64url without padding, so always 43 characters of `[A-Za-z0-9_-]`.
 */
import { randomBytes } from 'node:crypto';
import { AppError } from '../../errors.js';
import { isPrincipalKind, type PrincipalKind } from '../../principal.js';
import type { TicketOptions } from './tickets.js';

export const TICKET_BYTES = 32;
export const TICKET_LENGTH = 43;
const TICKET_RE = /^[A-Za-z0-9_-]{43}$/;

export function newTicket(): string {
  return randomBytes(TICKET_BYTES).toString('base64url');
}

/** True when `value` could be a ticket this server issued; anything else is refused unread. */
export function isTicketShape(value: unknown): value is string {
  return typeof value === 'string' && value.length === TICKET_LENGTH && TICKET_RE.test(value);
}

/** Rejects arguments no caller should pass (a programming error, not bad client input). */
export function checkIssue(
  kind: PrincipalKind,
  uuid: string,
  ttlMs: number,
  options: TicketOptions = {},
): void {
  if (!isPrincipalKind(kind)) throw new AppError('INTERNAL', `ticket: unknown principal kind`);
  if (typeof uuid !== 'string' || uuid.length === 0)
    throw new AppError('INTERNAL', 'ticket: empty principal uuid');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
    throw new AppError('INTERNAL', `ticket: ttlMs must be a positive integer, got ${ttlMs}`);
  if (options.observer && kind !== 'user')
    throw new AppError('INTERNAL', 'ticket: only users may have observer connections');
}
