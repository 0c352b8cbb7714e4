/**
 * The read behind GET /api/user/disconnect: the uuid of a user, participant or device named by
 * its id. Deleted rows never appear.
 */
import type { Db } from '../connect.js';
import type { PrincipalKind } from '../../principal.js';

const ROWS = {
  user: { table: 't_users', id: 'id_user', uuid: 'user_uuid' },
  participant: { table: 't_participants', id: 'id_participant', uuid: 'participant_uuid' },
  device: { table: 't_devices', id: 'id_device', uuid: 'device_uuid' },
} as const;

/** The uuid of the non-deleted `kind` whose id is `id`, or null when there is none. */
export async function uuidOfId(db: Db, kind: PrincipalKind, id: number): Promise<string | null> {
  const t = ROWS[kind];
  const row = (await db.kysely
    .selectFrom(t.table)
    .select(`${t.uuid} as uuid`)
    .where(t.id, '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()) as { uuid: string } | undefined;
  return row?.uuid ?? null;
}
