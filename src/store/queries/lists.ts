/**
 * The SQL behind GET /api/user/devices and /participants: one query each, every given filter
 * ANDed. Access is applied by the caller (lists.ts) from the precomputed access sets; these
 * return rows with secrets (static tokens) that the caller drops for callers without admin
 * access. Deleted rows never appear.
 */
import type { Db } from '../connect.js';

export interface DeviceFilter {
  id_device?: number;
  device_uuid?: string;
  id_site?: number;
  id_project?: number;
  id_device_type?: number;
  id_device_subtype?: number;
  name?: string;
  enabled?: boolean;
}

export interface DeviceRow {
  id_device: number;
  device_uuid: string;
  device_name: string;
  id_device_type: number;
  id_device_subtype: number | null;
  device_enabled: boolean;
  device_onlineable: boolean;
  device_config: string | null;
  device_infos: string | null;
  device_notes: string | null;
  device_lastonline: string | null;
  device_token: string | null;
  subtype: {
    id_device_subtype: number;
    id_device_type: number;
    device_subtype_name: string;
  } | null;
}

/** A device's own columns (alias `d`), as OpenTera's device JSON lists them. */
export const DEVICE_ROW_COLUMNS = [
  'd.id_device',
  'd.device_uuid',
  'd.device_name',
  'd.id_device_type',
  'd.id_device_subtype',
  'd.device_token',
  'd.device_enabled',
  'd.device_onlineable',
  'd.device_config',
  'd.device_infos',
  'd.device_notes',
  'd.device_lastonline',
] as const;

export async function queryDevices(db: Db, f: DeviceFilter): Promise<DeviceRow[]> {
  let q = db.kysely
    .selectFrom('t_devices as d')
    .leftJoin('t_devices_subtypes as s', 's.id_device_subtype', 'd.id_device_subtype')
    .select([...DEVICE_ROW_COLUMNS, 's.id_device_type as subtype_type', 's.device_subtype_name'])
    .where('d.deleted_at', 'is', null);
  if (f.id_device !== undefined) q = q.where('d.id_device', '=', f.id_device);
  if (f.device_uuid !== undefined) q = q.where('d.device_uuid', '=', f.device_uuid);
  if (f.name !== undefined) q = q.where('d.device_name', '=', f.name);
  if (f.id_device_type !== undefined) q = q.where('d.id_device_type', '=', f.id_device_type);
  if (f.id_device_subtype !== undefined)
    q = q.where('d.id_device_subtype', '=', f.id_device_subtype);
  if (f.enabled !== undefined) q = q.where('d.device_enabled', '=', f.enabled);
  if (f.id_site !== undefined) {
    const site = f.id_site;
    q = q.where('d.id_device', 'in', (eb) =>
      eb.selectFrom('t_devices_sites').select('id_device').where('id_site', '=', site),
    );
  }
  if (f.id_project !== undefined) {
    const project = f.id_project;
    q = q.where('d.id_device', 'in', (eb) =>
      eb.selectFrom('t_devices_projects').select('id_device').where('id_project', '=', project),
    );
  }
  const rows = await q.orderBy('d.id_device').execute();
  return rows.map(({ subtype_type, device_subtype_name, ...d }) => ({
    ...d,
    subtype:
      d.id_device_subtype !== null && subtype_type !== null && device_subtype_name !== null
        ? {
            id_device_subtype: d.id_device_subtype,
            id_device_type: subtype_type,
            device_subtype_name,
          }
        : null,
  }));
}

export interface ParticipantFilter {
  id_participant?: number;
  participant_uuid?: string;
  username?: string;
  name?: string;
  id_site?: number;
  id_project?: number;
  id_group?: number;
  id_device?: number;
  enabled?: boolean;
  /** Only participants without a group. */
  no_group?: boolean;
}

export interface ParticipantRow {
  id_participant: number;
  participant_uuid: string;
  participant_name: string;
  participant_username: string | null;
  participant_email: string | null;
  participant_enabled: boolean;
  participant_login_enabled: boolean;
  participant_token_enabled: boolean;
  participant_token: string | null;
  participant_lastonline: string | null;
  id_participant_group: number | null;
  id_project: number;
  id_site: number;
}

export async function queryParticipants(db: Db, f: ParticipantFilter): Promise<ParticipantRow[]> {
  let q = db.kysely
    .selectFrom('t_participants as p')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .select([
      'p.id_participant',
      'p.participant_uuid',
      'p.participant_name',
      'p.participant_username',
      'p.participant_email',
      'p.participant_enabled',
      'p.participant_login_enabled',
      'p.participant_token_enabled',
      'p.participant_token',
      'p.participant_lastonline',
      'p.id_participant_group',
      'p.id_project',
      'pr.id_site',
    ])
    .where('p.deleted_at', 'is', null);
  if (f.id_participant) q = q.where('p.id_participant', '=', f.id_participant);
  if (f.participant_uuid) q = q.where('p.participant_uuid', '=', f.participant_uuid);
  if (f.username) q = q.where('p.participant_username', '=', f.username);
  if (f.name) q = q.where('p.participant_name', '=', f.name);
  if (f.id_site) q = q.where('pr.id_site', '=', f.id_site);
  if (f.id_project) q = q.where('p.id_project', '=', f.id_project);
  if (f.id_group) q = q.where('p.id_participant_group', '=', f.id_group);
  if (f.enabled !== undefined) q = q.where('p.participant_enabled', '=', f.enabled);
  if (f.no_group) q = q.where('p.id_participant_group', 'is', null);
  if (f.id_device) {
    const device = f.id_device;
    q = q.where('p.id_participant', 'in', (eb) =>
      eb
        .selectFrom('t_devices_participants')
        .select('id_participant')
        .where('id_device', '=', device),
    );
  }
  return q.orderBy('p.id_participant').execute();
}
