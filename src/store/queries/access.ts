/**
 * The SQL behind a principal's access other than a user's access sets (those are in
 * ./user-access.ts): the user row that heads the computation, a participant's linked
 * devices, a device's linked participants, and the sessions a principal is a member of. One
 * query per call, whatever the data size. Deleted users, participants, devices and sessions
 * never appear, neither as the principal looked up nor among its links.
 */
import type { Db } from '../connect.js';
import type { PrincipalKind } from '../../principal.js';

/** The non-deleted user with that uuid: its id and superadmin flag. */
export function accessUser(
  db: Db,
  userUuid: string,
): Promise<{ id_user: number; user_superadmin: boolean } | undefined> {
  return db.kysely
    .selectFrom('t_users')
    .select(['id_user', 'user_superadmin'])
    .where('user_uuid', '=', userUuid)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The non-deleted participant with that uuid, one row per linked non-deleted device
 * (`device_uuid` null when it has none); no rows when the participant is unknown or deleted.
 */
export function participantDeviceLinks(
  db: Db,
  participantUuid: string,
): Promise<{ id_participant: number; device_uuid: string | null }[]> {
  return db.kysely
    .selectFrom('t_participants as p')
    .leftJoin('t_devices_participants as dp', 'dp.id_participant', 'p.id_participant')
    .leftJoin('t_devices as d', (j) =>
      j.onRef('d.id_device', '=', 'dp.id_device').on('d.deleted_at', 'is', null),
    )
    .select(['p.id_participant', 'd.device_uuid'])
    .where('p.participant_uuid', '=', participantUuid)
    .where('p.deleted_at', 'is', null)
    .execute();
}

/**
 * The non-deleted device with that uuid, one row per linked non-deleted participant
 * (`participant_uuid` null when it has none); no rows when the device is unknown or deleted.
 */
export function deviceParticipantLinks(
  db: Db,
  deviceUuid: string,
): Promise<{ id_device: number; participant_uuid: string | null }[]> {
  return db.kysely
    .selectFrom('t_devices as d')
    .leftJoin('t_devices_participants as dp', 'dp.id_device', 'd.id_device')
    .leftJoin('t_participants as p', (j) =>
      j.onRef('p.id_participant', '=', 'dp.id_participant').on('p.deleted_at', 'is', null),
    )
    .select(['d.id_device', 'p.participant_uuid'])
    .where('d.device_uuid', '=', deviceUuid)
    .where('d.deleted_at', 'is', null)
    .execute();
}

/**
 * Uuids of the non-deleted sessions the principal is a member of (t_sessions_users,
 * t_sessions_participants, t_sessions_devices). Empty for an unknown or deleted principal.
 */
export async function memberSessionUuids(
  db: Db,
  kind: PrincipalKind,
  uuid: string,
): Promise<string[]> {
  const k = db.kysely;
  let rows: { session_uuid: string }[];
  switch (kind) {
    case 'user':
      rows = await k
        .selectFrom('t_sessions as s')
        .innerJoin('t_sessions_users as m', 'm.id_session', 's.id_session')
        .innerJoin('t_users as x', 'x.id_user', 'm.id_user')
        .select('s.session_uuid')
        .where('x.user_uuid', '=', uuid)
        .where('x.deleted_at', 'is', null)
        .where('s.deleted_at', 'is', null)
        .execute();
      break;
    case 'participant':
      rows = await k
        .selectFrom('t_sessions as s')
        .innerJoin('t_sessions_participants as m', 'm.id_session', 's.id_session')
        .innerJoin('t_participants as x', 'x.id_participant', 'm.id_participant')
        .select('s.session_uuid')
        .where('x.participant_uuid', '=', uuid)
        .where('x.deleted_at', 'is', null)
        .where('s.deleted_at', 'is', null)
        .execute();
      break;
    case 'device':
      rows = await k
        .selectFrom('t_sessions as s')
        .innerJoin('t_sessions_devices as m', 'm.id_session', 's.id_session')
        .innerJoin('t_devices as x', 'x.id_device', 'm.id_device')
        .select('s.session_uuid')
        .where('x.device_uuid', '=', uuid)
        .where('x.deleted_at', 'is', null)
        .where('s.deleted_at', 'is', null)
        .execute();
      break;
  }
  return rows.map((r) => r.session_uuid);
}
