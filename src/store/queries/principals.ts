/**
 * Principals by uuid: users, participants (joined to their project and site) and devices.
 * Deleted rows never appear; unknown uuids are simply absent. The by-uuid lookups are written
 * once here (`usersByUuid`, `participantsByUuid`, `devicesByUuid`): other readers of the same
 * rows (the REST online lists) pick their own columns and order from them. A uuid list must
 * not be empty (SQL has no empty IN list).
 */
import type { Db } from '../connect.js';

type Kysely = Db['kysely'];

/** The non-deleted users among `uuids` (not empty: SQL has no empty IN list). */
export const usersByUuid = (k: Kysely, uuids: readonly string[]) =>
  k.selectFrom('t_users').where('user_uuid', 'in', uuids).where('deleted_at', 'is', null);

/** The non-deleted participants among `uuids` (not empty), joined to project `pr` and site `s`. */
export const participantsByUuid = (k: Kysely, uuids: readonly string[]) =>
  k
    .selectFrom('t_participants as p')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .innerJoin('t_sites as s', 's.id_site', 'pr.id_site')
    .where('p.participant_uuid', 'in', uuids)
    .where('p.deleted_at', 'is', null);

/** The non-deleted devices among `uuids` (not empty). */
export const devicesByUuid = (k: Kysely, uuids: readonly string[]) =>
  k.selectFrom('t_devices').where('device_uuid', 'in', uuids).where('deleted_at', 'is', null);

/** A device's columns as a principal: who it is, whether it is enabled and may go online. */
export const DEVICE_COLUMNS = [
  'id_device',
  'device_uuid',
  'device_name',
  'device_enabled',
  'device_onlineable',
] as const;

export interface PrincipalUserRow {
  id_user: number;
  user_uuid: string;
  user_firstname: string;
  user_lastname: string;
  user_enabled: boolean;
}

export interface PrincipalParticipantRow {
  id_participant: number;
  participant_uuid: string;
  participant_name: string;
  participant_enabled: boolean;
  project_name: string;
  site_name: string;
}

export interface PrincipalDeviceRow {
  id_device: number;
  device_uuid: string;
  device_name: string;
  device_enabled: boolean;
  device_onlineable: boolean;
}

/** The non-deleted users among `uuids` (not empty), in one query. */
export function principalUsers(db: Db, uuids: readonly string[]): Promise<PrincipalUserRow[]> {
  return usersByUuid(db.kysely, uuids)
    .select(['id_user', 'user_uuid', 'user_firstname', 'user_lastname', 'user_enabled'])
    .execute();
}

/** The non-deleted participants among `uuids` (not empty), with project and site names. */
export function principalParticipants(
  db: Db,
  uuids: readonly string[],
): Promise<PrincipalParticipantRow[]> {
  return participantsByUuid(db.kysely, uuids)
    .select([
      'p.id_participant',
      'p.participant_uuid',
      'p.participant_name',
      'p.participant_enabled',
      'pr.project_name',
      's.site_name',
    ])
    .execute();
}

/** The non-deleted devices among `uuids` (not empty), in one query. */
export function principalDevices(db: Db, uuids: readonly string[]): Promise<PrincipalDeviceRow[]> {
  return devicesByUuid(db.kysely, uuids).select(DEVICE_COLUMNS).execute();
}
