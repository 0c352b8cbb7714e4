/**
 * Database reads behind the participant and device login answers. A device login reads its
 * device in one query (`deviceLoginReader`: the full row, its non-deleted participants and
 * projects); the session types and device type names the answers also list are read whole
 * (`catalogSessionTypes`, `catalogDeviceTypes`) and kept by the login catalog
 * (src/store/cache.ts).
 */
import { sql, type RawBuilder } from 'kysely';
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

/** A device's own columns, as `device_info` lists them before the type names. */
export interface DeviceLoginDevice {
  id_device: number;
  device_uuid: string;
  device_name: string;
  id_device_type: number;
  id_device_subtype: number | null;
  device_token: string | null;
  device_enabled: boolean;
  device_onlineable: boolean;
  device_config: string | null;
  device_infos: string | null;
  device_notes: string | null;
  device_lastonline: string | null;
}

/** What a device login reads of its device, in one query. */
export interface DeviceLoginRow {
  device: DeviceLoginDevice;
  /** `participants_info`: the non-deleted participants linked to the device, by id. */
  participants: Array<{ participant_name: string; participant_uuid: string }>;
  /** The non-deleted projects the device is linked to. */
  projectIds: number[];
}

/** A JSON array column: parsed by pg (null for no rows), text in SQLite. */
const jsonArray = <T>(v: unknown): T[] =>
  (typeof v === 'string' ? JSON.parse(v) : (v ?? [])) as T[];

/**
 * The device login query for `token` (see deviceLoginReader). Its participants and projects are
 * aggregated as JSON arrays of plain values, which PostgreSQL plans and runs several times
 * faster than aggregates of whole rows.
 */
function deviceLoginQuery(db: Db, token: string) {
  const postgres = db.dialect === 'postgres';
  const array = (values: RawBuilder<unknown>) =>
    postgres ? sql`json_agg(${values})` : sql`json_group_array(${values})`;
  const tuple = (...columns: string[]) => {
    const refs = sql.join(columns.map((c) => sql.ref(c)));
    return postgres ? sql`json_build_array(${refs})` : sql`json_array(${refs})`;
  };
  return db.kysely
    .selectFrom('t_devices as d')
    .select(DEVICE_ROW_COLUMNS)
    .select((eb) => [
      eb
        .selectFrom('t_devices_participants as dp')
        .innerJoin('t_participants as p', 'p.id_participant', 'dp.id_participant')
        .select(
          array(tuple('p.id_participant', 'p.participant_name', 'p.participant_uuid')).as('a'),
        )
        .whereRef('dp.id_device', '=', 'd.id_device')
        .where('p.deleted_at', 'is', null)
        .as('participants'),
      eb
        .selectFrom('t_devices_projects as dpr')
        .innerJoin('t_projects as pr', 'pr.id_project', 'dpr.id_project')
        .select(array(sql.ref('pr.id_project')).as('a'))
        .whereRef('dpr.id_device', '=', 'd.id_device')
        .where('pr.deleted_at', 'is', null)
        .as('projects'),
    ])
    .where('d.device_token', '=', token)
    .where('d.deleted_at', 'is', null);
}

type DeviceLoginResult = DeviceLoginDevice & { participants: unknown; projects: unknown };

/**
 * Reads, in one query, the non-deleted device whose stored static token is `token`, with its
 * linked participants and its projects (undefined when none). The query is compiled once, here:
 * building it costs more than running it, and every device login of a connect storm runs it;
 * on PostgreSQL it is a prepared statement too, as planning it also costs more than running it.
 */
export function deviceLoginReader(db: Db): (token: string) => Promise<DeviceLoginRow | undefined> {
  const placeholder = '\u0000device token';
  const compiled = deviceLoginQuery(db, placeholder).compile();
  const at = compiled.parameters.indexOf(placeholder);
  if (at < 0) throw new Error('device login query: the token parameter is missing');
  db.prepare(compiled.sql);
  return async (token) => {
    const parameters = [...compiled.parameters];
    parameters[at] = token;
    const { rows } = await db.kysely.executeQuery<DeviceLoginResult>({ ...compiled, parameters });
    const r = rows[0];
    if (!r) return undefined;
    const { participants, projects, ...device } = r;
    return {
      device,
      participants: jsonArray<[id: number, name: string, uuid: string]>(participants)
        .sort((a, b) => a[0] - b[0])
        .map(([, name, uuid]) => ({ participant_name: name, participant_uuid: uuid })),
      projectIds: jsonArray<number>(projects),
    };
  };
}

/** Every session type, by id, and the session types of each project (the login catalog). */
export async function catalogSessionTypes(db: Db): Promise<{
  types: SessionTypeInfo[];
  links: Array<{ id_session_type: number; id_project: number }>;
}> {
  const [types, links] = await Promise.all([
    db.kysely
      .selectFrom('t_sessions_types as st')
      .select(SESSION_TYPE_COLUMNS)
      .orderBy('st.id_session_type')
      .execute(),
    db.kysely
      .selectFrom('t_sessions_types_projects')
      .select(['id_session_type', 'id_project'])
      .execute(),
  ]);
  return { types, links };
}

/** The names of every device type and subtype (the login catalog). */
export async function catalogDeviceTypes(db: Db): Promise<{
  types: Array<{ id_device_type: number; device_type_name: string }>;
  subtypes: Array<{ id_device_subtype: number; device_subtype_name: string }>;
}> {
  const [types, subtypes] = await Promise.all([
    db.kysely
      .selectFrom('t_devices_types')
      .select(['id_device_type', 'device_type_name'])
      .execute(),
    db.kysely
      .selectFrom('t_devices_subtypes')
      .select(['id_device_subtype', 'device_subtype_name'])
      .execute(),
  ]);
  return { types, subtypes };
}
