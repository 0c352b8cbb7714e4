/**
 * Database reads behind the participant and device login answers: session
 * types of projects, a device's full row with its type names, its linked participants.
 * Deleted rows never appear.
 */
import type { Db } from '../connect.js';
import { DEVICE_ROW_COLUMNS } from './lists.js';

export interface SessionTypeInfo {
  id_session_type: number;
  id_service: number | null;
  session_type_name: string;
  session_type_color: string;
  session_type_category: number;
}

const SESSION_TYPE_COLUMNS = [
  'st.id_session_type',
  'st.id_service',
  'st.session_type_name',
  'st.session_type_color',
  'st.session_type_category',
] as const;

/** The session types linked to any of `projectIds`, each once, by id. */
export async function sessionTypesOfProjects(
  db: Db,
  projectIds: number[],
): Promise<SessionTypeInfo[]> {
  if (projectIds.length === 0) return [];
  return db.kysely
    .selectFrom('t_sessions_types as st')
    .select(SESSION_TYPE_COLUMNS)
    .where('st.id_session_type', 'in', (eb) =>
      eb
        .selectFrom('t_sessions_types_projects')
        .select('id_session_type')
        .where('id_project', 'in', projectIds),
    )
    .orderBy('st.id_session_type')
    .execute();
}

/** The (non-deleted) projects a device is linked to. */
/**
 * The session types linked to any non-deleted project of the device, each once, by id: one
 * query, so a device login reads everything it answers in one round.
 */
export async function sessionTypesOfDevice(db: Db, deviceId: number): Promise<SessionTypeInfo[]> {
  return db.kysely
    .selectFrom('t_sessions_types as st')
    .select(SESSION_TYPE_COLUMNS)
    .where('st.id_session_type', 'in', (eb) =>
      eb
        .selectFrom('t_sessions_types_projects as stp')
        .innerJoin('t_devices_projects as dp', 'dp.id_project', 'stp.id_project')
        .innerJoin('t_projects as p', 'p.id_project', 'dp.id_project')
        .select('stp.id_session_type')
        .where('dp.id_device', '=', deviceId)
        .where('p.deleted_at', 'is', null),
    )
    .orderBy('st.id_session_type')
    .execute();
}

/** `device_info` of the device login: the full row plus its type and subtype names. */
export async function deviceInfo(
  db: Db,
  deviceId: number,
): Promise<Record<string, unknown> | null> {
  const r = await db.kysely
    .selectFrom('t_devices as d')
    .innerJoin('t_devices_types as t', 't.id_device_type', 'd.id_device_type')
    .leftJoin('t_devices_subtypes as s', 's.id_device_subtype', 'd.id_device_subtype')
    .select([...DEVICE_ROW_COLUMNS, 't.device_type_name', 's.device_subtype_name'])
    .where('d.id_device', '=', deviceId)
    .where('d.deleted_at', 'is', null)
    .executeTakeFirst();
  if (!r) return null;
  const { device_type_name, device_subtype_name, ...row } = r;
  return {
    ...row,
    device_type: device_type_name,
    ...(device_subtype_name !== null ? { device_subtype: device_subtype_name } : {}),
  };
}

/** `participants_info`: the participants linked to a device. */
export async function deviceParticipants(
  db: Db,
  deviceId: number,
): Promise<Array<{ participant_name: string; participant_uuid: string }>> {
  return db.kysely
    .selectFrom('t_devices_participants as dp')
    .innerJoin('t_participants as p', 'p.id_participant', 'dp.id_participant')
    .select(['p.participant_name', 'p.participant_uuid'])
    .where('dp.id_device', '=', deviceId)
    .where('p.deleted_at', 'is', null)
    .orderBy('p.id_participant')
    .execute();
}
