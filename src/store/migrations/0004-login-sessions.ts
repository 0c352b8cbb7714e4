/**
 * `terarelay_login_sessions`: users half-way through a login (a forced password change, 2FA
 * set-up or 2FA validation), so that whichever node answers the next step finds them. A row
 * holds the SHA-256 of the session id (never the id), the user, the one step it allows, the
 * secret offered by a 2FA set-up not yet confirmed, and its creation and expiry (epoch ms).
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';
import { columnTypes } from './types.js';

export function loginSessionsMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('terarelay_login_sessions')
        .addColumn('session_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('id_user', 'integer', (c) =>
          c.notNull().references('t_users.id_user').onDelete('cascade'),
        )
        .addColumn('step', 'varchar(16)', (c) => c.notNull())
        .addColumn('otp_secret', 'varchar(64)')
        .addColumn('created_at', t.bigint, (c) => c.notNull())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('terarelay_login_sessions_expires_at')
        .on('terarelay_login_sessions')
        .column('expires_at')
        .execute();
      await db.schema
        .createIndex('terarelay_login_sessions_id_user')
        .on('terarelay_login_sessions')
        .column('id_user')
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('terarelay_login_sessions').execute();
    },
  };
}
