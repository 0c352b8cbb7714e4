/**
 * Participant usernames are unique among living participants (OpenTera checks before every
 * write; the index makes concurrent writes agree). A deleted participant frees its username.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const participantUsernamesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('t_participants_username_alive_uq')
      .on('t_participants')
      .column('participant_username')
      .unique()
      .where(sql.ref('deleted_at'), 'is', null)
      .execute();
  },
};
