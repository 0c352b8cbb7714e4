/**
 * ResumeTokens: who a resume token belongs to. A resume token is 32 random bytes given to a
 * client that opted in to resume; only its SHA-256 is stored, with the principal and the id of
 * the client's current connection, so that the client can prove it is the same client when it
 * comes back (at login, and on the new websocket), and its previous connection can be replaced.
 *
 * Contract (memory and Redis):
 * - `save` stores or replaces the record of a hash for `ttlMs`;
 * - `find` returns it until it expires, else null;
 * - `extend` gives each record still present `ttlMs` more from now (a node's live clients);
 *   absent hashes are ignored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isPrincipalKind, type PrincipalKind } from '../../principal.js';

export interface ResumeRecord {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  /** The id of the client's current connection. */
  readonly connection: string;
}

export interface ResumeTokens {
  save(hash: string, record: ResumeRecord, ttlMs: number): Promise<void>;
  find(hash: string): Promise<ResumeRecord | null>;
  extend(hashes: readonly string[], ttlMs: number): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Longest token looked up; anything longer is unknown without a lookup. */
export const MAX_RESUME_TOKEN_LENGTH = 128;

/** A new resume token: 256 random bits, base64url. */
export const newResumeToken = (): string => randomBytes(32).toString('base64url');

/** What is stored of a token: its SHA-256, hex. */
export const hashResumeToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** A record read back from storage, or null when it is not one. */
export function parseResumeRecord(text: string | null | undefined): ResumeRecord | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<ResumeRecord>;
    if (
      isPrincipalKind(value.kind) &&
      typeof value.uuid === 'string' &&
      typeof value.connection === 'string'
    )
      return { kind: value.kind, uuid: value.uuid, connection: value.connection };
  } catch {
    // Not JSON: not a record.
  }
  return null;
}
