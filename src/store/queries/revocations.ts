/**
 * `terarelay_revoked_tokens`: one row per revoked (token_kind, token) with its expiry in epoch
 * milliseconds. Revoking again never shortens a revocation: the row keeps the later expiry.
 * A row is in force while its expiry is after `now`; expired rows stay (and still answer
 * `revokedExpiries`) until `purgeRevocations` deletes them.
 */
import { sql } from 'kysely';
import type { Db } from '../connect.js';
import type { RevokedToken } from '../schema.js';

const TABLE = 'terarelay_revoked_tokens';

type Kind = RevokedToken['token_kind'];

/** Inserts the revocation, or raises the stored expiry to `expiresAtMs` when later. */
export async function upsertRevocation(
  db: Db,
  kind: Kind,
  token: string,
  expiresAtMs: number,
): Promise<void> {
  await db.kysely
    .insertInto(TABLE)
    .values({ token_kind: kind, token, expires_at: expiresAtMs })
    .onConflict((oc) =>
      oc.columns(['token_kind', 'token']).doUpdateSet({
        expires_at: sql<number>`case when excluded.expires_at > ${sql.ref(`${TABLE}.expires_at`)}
              then excluded.expires_at else ${sql.ref(`${TABLE}.expires_at`)} end`,
      }),
    )
    .execute();
}

/** True when the token has a revocation in force at `now`. */
export async function revocationInForce(
  db: Db,
  kind: Kind,
  token: string,
  now: number,
): Promise<boolean> {
  const row = await db.kysely
    .selectFrom(TABLE)
    .select('expires_at')
    .where('token_kind', '=', kind)
    .where('token', '=', token)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Every revocation in force at `now`. */
export function liveRevocations(db: Db, now: number): Promise<RevokedToken[]> {
  return db.kysely
    .selectFrom(TABLE)
    .select(['token_kind', 'token', 'expires_at'])
    .where('expires_at', '>', now)
    .execute();
}

/** The rows (expired or not) of `tokens`, in one query: keep the list to a few hundred. */
export function revokedExpiries(
  db: Db,
  kind: Kind,
  tokens: readonly string[],
): Promise<{ token: string; expires_at: number }[]> {
  return db.kysely
    .selectFrom(TABLE)
    .select(['token', 'expires_at'])
    .where('token_kind', '=', kind)
    .where('token', 'in', tokens)
    .execute();
}

/** Deletes the rows expired at `now`; returns how many. */
export async function purgeRevocations(db: Db, now: number): Promise<number> {
  const result = await db.kysely
    .deleteFrom(TABLE)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
