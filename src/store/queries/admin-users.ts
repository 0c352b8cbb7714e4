/**
 * The SQL behind the user API's users (`/api/user/users`): reads of user rows (never their
 * password hash, except `userForUpdate` which the password checks need), the user groups and
 * their grants from which group roles are computed, and the user writes. Deleted rows never
 * appear in reads. Functions take a Kysely instance so that a write and its checks can share
 * one transaction.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, NewUser, UserUpdate } from '../schema.js';
import { OPENTERA_SERVICE_KEY } from './user-access.js';

type K = Kysely<Database>;

/** The columns of a user as the API shows them: every column but the secrets. */
export const USER_COLUMNS = [
  'id_user',
  'user_uuid',
  'user_username',
  'user_email',
  'user_firstname',
  'user_lastname',
  'user_profile',
  'user_enabled',
  'user_notes',
  'user_lastonline',
  'user_superadmin',
  'user_2fa_enabled',
  'user_2fa_otp_enabled',
  'user_2fa_email_enabled',
  'user_force_password_change',
] as const;

export interface UserRow {
  id_user: number;
  user_uuid: string;
  user_username: string;
  user_email: string | null;
  user_firstname: string;
  user_lastname: string;
  user_profile: string;
  user_enabled: boolean;
  user_notes: string | null;
  user_lastonline: string | null;
  user_superadmin: boolean;
  user_2fa_enabled: boolean;
  user_2fa_otp_enabled: boolean;
  user_2fa_email_enabled: boolean;
  user_force_password_change: boolean;
}

/** Which users to read; absent keys do not filter. An empty list selects nothing. */
export interface UserFilter {
  ids?: readonly number[];
  uuids?: readonly string[];
  username?: string;
}

/** Non-deleted users matching `filter`, by first name then id (OpenTera's order). */
export async function queryUsers(k: K, filter: UserFilter): Promise<UserRow[]> {
  if (filter.ids?.length === 0 || filter.uuids?.length === 0) return [];
  let q = k.selectFrom('t_users').select(USER_COLUMNS).where('deleted_at', 'is', null);
  if (filter.ids) q = q.where('id_user', 'in', filter.ids);
  if (filter.uuids) q = q.where('user_uuid', 'in', filter.uuids);
  if (filter.username !== undefined) q = q.where('user_username', '=', filter.username);
  return q.orderBy('user_firstname').orderBy('id_user').execute();
}

/** A non-deleted user with its password hash (for the password checks of an update), or undefined. */
export function userForUpdate(k: K, id: number) {
  return k
    .selectFrom('t_users')
    .select([...USER_COLUMNS, 'user_password'])
    .where('id_user', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** True when a user row, deleted or not, holds `username` (usernames stay unique). */
export async function usernameTaken(k: K, username: string): Promise<boolean> {
  const row = await k
    .selectFrom('t_users')
    .select('id_user')
    .where('user_username', '=', username)
    .executeTakeFirst();
  return row !== undefined;
}

/** The ids of the non-deleted superadmins. */
export async function superadminIds(k: K): Promise<number[]> {
  const rows = await k
    .selectFrom('t_users')
    .select('id_user')
    .where('user_superadmin', '=', true)
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.id_user);
}

/** One role granted to a non-deleted user group, scoped to an alive project or site. */
export interface GroupGrantRow {
  id_user_group: number;
  role: string;
  id_project: number | null;
  project_site: number | null;
  id_site: number | null;
}

/** Every project- or site-scoped role of every non-deleted user group (services not deleted). */
export function groupGrants(k: K): Promise<GroupGrantRow[]> {
  return k
    .selectFrom('t_users_groups as g')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .leftJoin('t_projects as p', 'p.id_project', 'r.id_project')
    .leftJoin('t_sites as ps', 'ps.id_site', 'p.id_site')
    .leftJoin('t_sites as s', 's.id_site', 'r.id_site')
    .select([
      'g.id_user_group',
      'r.service_role_name as role',
      'r.id_project',
      'p.id_site as project_site',
      'r.id_site',
    ])
    .where('g.deleted_at', 'is', null)
    .where('sv.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('p.id_project', 'is not', null),
          eb('p.deleted_at', 'is', null),
          eb('ps.deleted_at', 'is', null),
        ]),
        eb.and([eb('s.id_site', 'is not', null), eb('s.deleted_at', 'is', null)]),
      ]),
    )
    .execute();
}

/** Every alive project with its (alive) site. */
export function aliveProjects(k: K): Promise<{ id_project: number; id_site: number }[]> {
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.id_site'])
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .execute();
}

/** The ids of every non-deleted user group, by name (OpenTera's order). */
export async function allGroupIds(k: K): Promise<number[]> {
  const rows = await k
    .selectFrom('t_users_groups')
    .select('id_user_group')
    .where('deleted_at', 'is', null)
    .orderBy('user_group_name')
    .orderBy('id_user_group')
    .execute();
  return rows.map((r) => r.id_user_group);
}

export interface MembershipRow {
  id_user_user_group: number;
  id_user: number;
  id_user_group: number;
  user_group_name: string;
}

/** The memberships of one user in non-deleted groups, by group name. */
export function membershipsOfUser(k: K, userId: number): Promise<MembershipRow[]> {
  return k
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .select(['uug.id_user_user_group', 'uug.id_user', 'uug.id_user_group', 'g.user_group_name'])
    .where('uug.id_user', '=', userId)
    .where('g.deleted_at', 'is', null)
    .orderBy('g.user_group_name')
    .orderBy('g.id_user_group')
    .execute();
}

/** The ids of the non-deleted members of one group. */
export async function memberIds(k: K, groupId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users as u', 'u.id_user', 'uug.id_user')
    .select('u.id_user')
    .where('uug.id_user_group', '=', groupId)
    .where('u.deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.id_user);
}

/** The non-deleted groups among `ids`. */
export async function existingGroupIds(k: K, ids: readonly number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await k
    .selectFrom('t_users_groups')
    .select('id_user_group')
    .where('id_user_group', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.id_user_group);
}

/**
 * The ids of the non-deleted users holding a role on one project through a non-deleted group:
 * an OpenTeraServer role scoped to the project, or the OpenTeraServer `admin` role of its site.
 */
export async function projectMemberIds(k: K, projectId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_users as u')
    .innerJoin('t_users_users_groups as uug', 'uug.id_user', 'u.id_user')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .select('u.id_user')
    .distinct()
    .where('u.deleted_at', 'is', null)
    .where('g.deleted_at', 'is', null)
    .where('sv.deleted_at', 'is', null)
    .where('sv.service_key', '=', OPENTERA_SERVICE_KEY)
    .where((eb) =>
      eb.or([
        eb('r.id_project', '=', projectId),
        eb.and([
          eb('r.service_role_name', '=', 'admin'),
          eb(
            'r.id_site',
            'in',
            eb.selectFrom('t_projects').select('id_site').where('id_project', '=', projectId),
          ),
        ]),
      ]),
    )
    .execute();
  return rows.map((r) => r.id_user);
}

/** Alive sites among `ids` (all alive sites when `ids` is undefined), by name. */
export function siteRows(k: K, ids?: readonly number[]) {
  if (ids?.length === 0) return Promise.resolve([]);
  let q = k
    .selectFrom('t_sites')
    .select(['id_site', 'site_name', 'site_2fa_required'])
    .where('deleted_at', 'is', null);
  if (ids) q = q.where('id_site', 'in', ids);
  return q.orderBy('site_name').orderBy('id_site').execute();
}

/** Alive projects (of alive sites) among `ids`, by id. */
export function projectRows(k: K, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select([
      'p.id_project',
      'p.id_site',
      'p.project_name',
      'p.project_enabled',
      'p.project_description',
    ])
    .where('p.id_project', 'in', ids)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .orderBy('p.id_project')
    .execute();
}

export async function insertUser(k: K, user: NewUser): Promise<number> {
  const row = await k
    .insertInto('t_users')
    .values(user)
    .returning('id_user')
    .executeTakeFirstOrThrow();
  return row.id_user;
}

export async function updateUser(k: K, id: number, set: UserUpdate): Promise<void> {
  if (Object.keys(set).length === 0) return;
  await k.updateTable('t_users').set(set).where('id_user', '=', id).execute();
}

/** Adds `userId` to a group; returns the new membership's id. */
export async function addMembership(k: K, userId: number, groupId: number): Promise<number> {
  const row = await k
    .insertInto('t_users_users_groups')
    .values({ id_user: userId, id_user_group: groupId })
    .returning('id_user_user_group')
    .executeTakeFirstOrThrow();
  return row.id_user_user_group;
}

export async function removeMembership(k: K, membershipId: number): Promise<void> {
  await k
    .deleteFrom('t_users_users_groups')
    .where('id_user_user_group', '=', membershipId)
    .execute();
}

/** How many non-deleted sessions `userId` is part of, and how many it created. */
export async function userSessionCounts(
  k: K,
  userId: number,
): Promise<{ member: number; created: number }> {
  const [member, created] = await Promise.all([
    k
      .selectFrom('t_sessions_users as su')
      .innerJoin('t_sessions as s', 's.id_session', 'su.id_session')
      .select(sql<number>`count(*)`.as('n'))
      .where('su.id_user', '=', userId)
      .where('s.deleted_at', 'is', null)
      .executeTakeFirstOrThrow(),
    k
      .selectFrom('t_sessions')
      .select(sql<number>`count(*)`.as('n'))
      .where('id_creator_user', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow(),
  ]);
  return { member: Number(member.n), created: Number(created.n) };
}

/** Soft-deletes a user (its row and username stay). */
export async function softDeleteUser(k: K, userId: number, at: string): Promise<void> {
  await k.updateTable('t_users').set({ deleted_at: at }).where('id_user', '=', userId).execute();
}
