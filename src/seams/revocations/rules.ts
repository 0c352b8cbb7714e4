/** Argument rules shared by every Revocations implementation. */
import { AppError } from '../../errors.js';
import type { RevocableKind } from './revocations.js';

export function isRevocableKind(value: unknown): value is RevocableKind {
  return value === 'user' || value === 'participant';
}

/**
 * Checks a revoke call and returns its expiry as whole milliseconds, or null when there is
 * nothing to store: the empty token is always revoked (as in OpenTera), and a token whose
 * expiry has passed is refused by its own `exp` anyway.
 */
export function revocationExpiry(
  kind: RevocableKind,
  token: string,
  expiresAtMs: number,
  now: number = Date.now(),
): number | null {
  if (!isRevocableKind(kind)) throw new AppError('INTERNAL', 'revoke: unknown token kind');
  if (typeof token !== 'string') throw new AppError('INTERNAL', 'revoke: token must be a string');
  if (!Number.isFinite(expiresAtMs))
    throw new AppError('INTERNAL', `revoke: expiresAtMs must be finite, got ${expiresAtMs}`);
  const expiry = Math.ceil(expiresAtMs);
  return token === '' || expiry <= now ? null : expiry;
}

/** An error's message only: Redis errors may carry the command's arguments (tokens). */
export function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
