/**
 * `terarelay_service_tokens`: the service tokens `terarelay service-token` issued, by token id
 * (the token's `jti`), with their expiry and revocation. A token that carries a `jti` is valid
 * only while its row exists and is not revoked; OpenTera's own service tokens carry none.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';
import { columnTypes } from './types.js';

export function serviceTokensMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('terarelay_service_tokens')
        .addColumn('token_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('id_service', 'integer', (c) =>
          c.notNull().references('t_services.id_service').onDelete('cascade'),
        )
        .addColumn('issued_at', t.timestamp, (c) => c.notNull())
        .addColumn('expires_at', t.timestamp)
        .addColumn('revoked_at', t.timestamp)
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('terarelay_service_tokens').execute();
    },
  };
}
