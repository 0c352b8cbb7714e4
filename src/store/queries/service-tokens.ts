/**
 * The service tokens TeraRelay issued (`terarelay_service_tokens`): recorded when printed,
 * looked up by token id when presented, revoked by token id.
 */
import type { Db } from '../connect.js';

export interface IssuedServiceToken {
  readonly tokenId: string;
  readonly idService: number;
  readonly expiresAt: string | null;
}

export async function recordServiceToken(db: Db, token: IssuedServiceToken): Promise<void> {
  await db.kysely
    .insertInto('terarelay_service_tokens')
    .values({
      token_id: token.tokenId,
      id_service: token.idService,
      issued_at: new Date().toISOString(),
      expires_at: token.expiresAt,
      revoked_at: null,
    })
    .execute();
}

/** Whether the token with this id was issued here and is not revoked (expiry is the JWT's). */
export async function serviceTokenUsable(db: Db, tokenId: string): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('terarelay_service_tokens')
    .select('revoked_at')
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  return row !== undefined && row.revoked_at === null;
}

/** Revokes the token; false when no token has that id. Revoking twice keeps the first time. */
export async function revokeServiceToken(db: Db, tokenId: string): Promise<boolean> {
  const found = await db.kysely
    .selectFrom('terarelay_service_tokens')
    .select('token_id')
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  if (!found) return false;
  await db.kysely
    .updateTable('terarelay_service_tokens')
    .set({ revoked_at: new Date().toISOString() })
    .where('token_id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .execute();
  return true;
}
