/**
 * Revocations: tokens refused before their expiry (logout, refresh).
 *
 * Contract:
 * - a revoked token stays revoked until `expiresAtMs` (its own `exp`), then may be forgotten;
 * - revocations survive a restart of the node and of any shared store (the database backs them).
 */
export type RevocableKind = 'user' | 'participant';

export interface Revocations {
  revoke(kind: RevocableKind, token: string, expiresAtMs: number): Promise<void>;
  isRevoked(kind: RevocableKind, token: string): Promise<boolean>;
  close(): Promise<void>;
}
