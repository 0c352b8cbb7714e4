/**
 * `terarelay_otp_steps`: per user, the time step (Unix time ÷ 30 s) of the last 2FA code
 * accepted, so that a code is accepted once (RFC 6238 §5.2): a code of the same or an earlier
 * step is refused. Kept in the database so that every node of a cluster refuses a replay.
 */
import type { Kysely, Migration } from 'kysely';

export const otpStepsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('terarelay_otp_steps')
      .addColumn('id_user', 'integer', (c) =>
        c.primaryKey().references('t_users.id_user').onDelete('cascade'),
      )
      .addColumn('last_step', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('terarelay_otp_steps').execute();
  },
};
