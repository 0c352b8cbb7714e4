/**
 * The account rows authentication reads (a user, participant or device with its credentials,
 * a user's global service roles) and the one thing it writes: a principal's `*_lastonline`
 * stamp. One query per call, no cache. Deleted users, participants, devices, groups and
 * services never appear. Rows carry secrets (password hashes, OTP secrets, static tokens):
 * callers never log them.
 */
import type { Db } from '../connect.js';
import { DEVICE_COLUMNS } from './principals.js';

export interface UserAccountRow {
  id_user: number;
  user_uuid: string;
  user_username: string;
  user_firstname: string;
  user_lastname: string;
  user_password: string;
  user_enabled: boolean;
  user_superadmin: boolean;
  user_2fa_enabled: boolean;
  user_2fa_otp_enabled: boolean;
  user_2fa_otp_secret: string | null;
  user_force_password_change: boolean;
}

export interface ParticipantAccountRow {
  id_participant: number;
  participant_uuid: string;
  participant_name: string;
  participant_password: string | null;
  participant_enabled: boolean;
  participant_login_enabled: boolean;
  participant_token_enabled: boolean;
  participant_token: string | null;
  id_project: number;
}

export interface DeviceAccountRow {
  id_device: number;
  device_uuid: string;
  device_name: string;
  device_enabled: boolean;
  device_onlineable: boolean;
  device_token: string | null;
}

function users(db: Db) {
  return db.kysely
    .selectFrom('t_users')
    .select([
      'id_user',
      'user_uuid',
      'user_username',
      'user_firstname',
      'user_lastname',
      'user_password',
      'user_enabled',
      'user_superadmin',
      'user_2fa_enabled',
      'user_2fa_otp_enabled',
      'user_2fa_otp_secret',
      'user_force_password_change',
    ])
    .where('deleted_at', 'is', null);
}

export function userAccountByUsername(
  db: Db,
  username: string,
): Promise<UserAccountRow | undefined> {
  return users(db).where('user_username', '=', username).executeTakeFirst();
}

export function userAccountByUuid(db: Db, uuid: string): Promise<UserAccountRow | undefined> {
  return users(db).where('user_uuid', '=', uuid).executeTakeFirst();
}

/**
 * The global (neither site- nor project-scoped) roles the user's groups hold, with their
 * service's key, in grant order (`id_service_access`).
 */
export function userGlobalRoles(
  db: Db,
  userId: number,
): Promise<{ service_key: string; service_role_name: string }[]> {
  return db.kysely
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as s', 's.id_service', 'r.id_service')
    .select(['s.service_key', 'r.service_role_name'])
    .where('uug.id_user', '=', userId)
    .where('g.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .where('r.id_site', 'is', null)
    .where('r.id_project', 'is', null)
    .orderBy('sa.id_service_access')
    .execute();
}

function participants(db: Db) {
  return db.kysely
    .selectFrom('t_participants')
    .select([
      'id_participant',
      'participant_uuid',
      'participant_name',
      'participant_password',
      'participant_enabled',
      'participant_login_enabled',
      'participant_token_enabled',
      'participant_token',
      'id_project',
    ])
    .where('deleted_at', 'is', null);
}

export function participantAccountByUsername(
  db: Db,
  username: string,
): Promise<ParticipantAccountRow | undefined> {
  return participants(db).where('participant_username', '=', username).executeTakeFirst();
}

export function participantAccountByUuid(
  db: Db,
  uuid: string,
): Promise<ParticipantAccountRow | undefined> {
  return participants(db).where('participant_uuid', '=', uuid).executeTakeFirst();
}

export function participantAccountByStaticToken(
  db: Db,
  token: string,
): Promise<ParticipantAccountRow | undefined> {
  return participants(db).where('participant_token', '=', token).executeTakeFirst();
}

export function deviceAccountByToken(db: Db, token: string): Promise<DeviceAccountRow | undefined> {
  return db.kysely
    .selectFrom('t_devices')
    .select([...DEVICE_COLUMNS, 'device_token'])
    .where('device_token', '=', token)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Sets the principal's `*_lastonline` to `now` (ISO-8601). */
/** Sets `*_lastonline` to `now` for every listed id of one kind, in one statement. */
export async function setLastOnline(
  db: Db,
  kind: 'user' | 'participant' | 'device',
  ids: readonly number[],
  now: string,
): Promise<void> {
  if (ids.length === 0) return;
  const k = db.kysely;
  const list = [...ids];
  if (kind === 'user')
    await k
      .updateTable('t_users')
      .set({ user_lastonline: now })
      .where('id_user', 'in', list)
      .execute();
  else if (kind === 'participant')
    await k
      .updateTable('t_participants')
      .set({ participant_lastonline: now })
      .where('id_participant', 'in', list)
      .execute();
  else
    await k
      .updateTable('t_devices')
      .set({ device_lastonline: now })
      .where('id_device', 'in', list)
      .execute();
}

/**
 * Sets the password hash of the non-deleted user `username` and clears its forced password
 * change. False when there is no such user.
 */
export async function setUserPassword(
  db: Db,
  username: string,
  passwordHash: string,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('t_users')
    .set({ user_password: passwordHash, user_force_password_change: false })
    .where('user_username', '=', username)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
