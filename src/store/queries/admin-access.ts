/**
 * The SQL behind the user API's access model (sites, projects, user groups, their grants and
 * memberships): one snapshot read in a fixed number of queries, from which ../../admin/
 * access-model.ts computes OpenTera's roles, and the writes of user-group grants of the
 * OpenTera service's site and project roles. Deleted rows never appear in the snapshot: a
 * project counts only while its site is alive too. Functions take a Kysely instance so that a
 * write and its checks can share one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { OPENTERA_SERVICE_KEY } from './user-access.js';

type K = Kysely<Database>;

export interface SiteRow {
  id_site: number;
  site_name: string;
  site_2fa_required: boolean;
}

export interface ProjectRow {
  id_project: number;
  id_site: number;
  project_name: string;
  project_enabled: boolean;
  project_description: string | null;
}

export interface GroupRow {
  id_user_group: number;
  user_group_name: string;
}

/** One grant of a service role to a user group (roles of alive services only). */
export interface GroupGrantRow {
  id_service_access: number;
  id_user_group: number;
  id_service_role: number;
  id_service: number;
  service_key: string;
  service_role_name: string;
  id_site: number | null;
  id_project: number | null;
}

export interface ModelUserRow {
  id_user: number;
  user_uuid: string;
  user_firstname: string;
  user_lastname: string;
  user_enabled: boolean;
  user_superadmin: boolean;
}

export interface MembershipRow {
  id_user_user_group: number;
  id_user: number;
  id_user_group: number;
}

export interface AccessSnapshot {
  sites: SiteRow[];
  projects: ProjectRow[];
  groups: GroupRow[];
  grants: GroupGrantRow[];
  users: ModelUserRow[];
  memberships: MembershipRow[];
}

export const SITE_COLUMNS = ['id_site', 'site_name', 'site_2fa_required'] as const;
export const PROJECT_COLUMNS = [
  'p.id_project',
  'p.id_site',
  'p.project_name',
  'p.project_enabled',
  'p.project_description',
] as const;

/** Every alive site, project, group, group grant, user and membership, in six queries. */
export async function loadAccessSnapshot(k: K): Promise<AccessSnapshot> {
  const [sites, projects, groups, grants, users, memberships] = await Promise.all([
    k
      .selectFrom('t_sites')
      .select(SITE_COLUMNS)
      .where('deleted_at', 'is', null)
      .orderBy('id_site')
      .execute(),
    k
      .selectFrom('t_projects as p')
      .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
      .select(PROJECT_COLUMNS)
      .where('p.deleted_at', 'is', null)
      .where('s.deleted_at', 'is', null)
      .orderBy('p.id_project')
      .execute(),
    k
      .selectFrom('t_users_groups')
      .select(['id_user_group', 'user_group_name'])
      .where('deleted_at', 'is', null)
      .orderBy('id_user_group')
      .execute(),
    k
      .selectFrom('t_services_access as sa')
      .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
      .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
      .select([
        'sa.id_service_access',
        'sa.id_user_group',
        'r.id_service_role',
        'r.id_service',
        'sv.service_key',
        'r.service_role_name',
        'r.id_site',
        'r.id_project',
      ])
      .where('sa.id_user_group', 'is not', null)
      .where('sv.deleted_at', 'is', null)
      .orderBy('sa.id_service_access')
      .execute(),
    k
      .selectFrom('t_users')
      .select([
        'id_user',
        'user_uuid',
        'user_firstname',
        'user_lastname',
        'user_enabled',
        'user_superadmin',
      ])
      .where('deleted_at', 'is', null)
      .orderBy('id_user')
      .execute(),
    k
      .selectFrom('t_users_users_groups')
      .select(['id_user_user_group', 'id_user', 'id_user_group'])
      .orderBy('id_user_user_group')
      .execute(),
  ]);
  return {
    sites,
    projects,
    groups,
    grants: grants.map((g) => ({ ...g, id_user_group: g.id_user_group! })),
    users,
    memberships,
  };
}

/** An OpenTera service role with its scope. */
export interface RoleRow {
  id_service_role: number;
  id_service: number;
  id_site: number | null;
  id_project: number | null;
  service_role_name: string;
}

const ROLE_COLUMNS = [
  'r.id_service_role',
  'r.id_service',
  'r.id_site',
  'r.id_project',
  'r.service_role_name',
] as const;

/** The OpenTera service's role named `name` for one site or one project, if any. */
export async function openTeraScopedRole(
  k: K,
  scope: { id_site: number } | { id_project: number },
  name: string,
): Promise<RoleRow | undefined> {
  let q = k
    .selectFrom('t_services_roles as r')
    .innerJoin('t_services as s', 's.id_service', 'r.id_service')
    .select(ROLE_COLUMNS)
    .where('s.service_key', '=', OPENTERA_SERVICE_KEY)
    .where('r.service_role_name', '=', name);
  q =
    'id_site' in scope
      ? q.where('r.id_site', '=', scope.id_site)
      : q.where('r.id_project', '=', scope.id_project);
  return q.orderBy('r.id_service_role').executeTakeFirst();
}

/** A service role by id, with its service key. */
export function roleById(
  k: K,
  id: number,
): Promise<(RoleRow & { service_key: string }) | undefined> {
  return k
    .selectFrom('t_services_roles as r')
    .innerJoin('t_services as s', 's.id_service', 'r.id_service')
    .select([...ROLE_COLUMNS, 's.service_key'])
    .where('r.id_service_role', '=', id)
    .executeTakeFirst();
}

/** A grant as OpenTera's service access JSON needs it: the grant, its role, service and group. */
export interface AccessRow extends RoleRow {
  id_service_access: number;
  id_user_group: number | null;
  service_key: string;
  service_name: string;
  user_group_name: string | null;
  site_name: string | null;
  project_name: string | null;
}

function accessRows(k: K) {
  return k
    .selectFrom('t_services_access as sa')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as s', 's.id_service', 'r.id_service')
    .leftJoin('t_users_groups as g', 'g.id_user_group', 'sa.id_user_group')
    .leftJoin('t_sites as st', 'st.id_site', 'r.id_site')
    .leftJoin('t_projects as p', 'p.id_project', 'r.id_project')
    .select([
      'sa.id_service_access',
      'sa.id_user_group',
      ...ROLE_COLUMNS,
      's.service_key',
      's.service_name',
      'g.user_group_name',
      'st.site_name',
      'p.project_name',
    ]);
}

/** One grant by id. */
export function accessById(k: K, id: number): Promise<AccessRow | undefined> {
  return accessRows(k).where('sa.id_service_access', '=', id).executeTakeFirst();
}

/** The user group's grant of an OpenTera role scoped to this site or project, if any. */
export function groupScopedAccess(
  k: K,
  groupId: number,
  scope: { id_site: number } | { id_project: number },
): Promise<AccessRow | undefined> {
  const q = accessRows(k)
    .where('sa.id_user_group', '=', groupId)
    .where('s.service_key', '=', OPENTERA_SERVICE_KEY);
  return (
    'id_site' in scope
      ? q.where('r.id_site', '=', scope.id_site)
      : q.where('r.id_project', '=', scope.id_project)
  )
    .orderBy('sa.id_service_access')
    .executeTakeFirst();
}

/** Grants `roleId` to the group, or changes the grant `accessId` to it; returns the grant id. */
export async function upsertGroupAccess(
  k: K,
  groupId: number,
  roleId: number,
  accessId: number | undefined,
): Promise<number> {
  if (accessId !== undefined) {
    await k
      .updateTable('t_services_access')
      .set({ id_service_role: roleId })
      .where('id_service_access', '=', accessId)
      .execute();
    return accessId;
  }
  const row = await k
    .insertInto('t_services_access')
    .values({ id_user_group: groupId, id_service_role: roleId })
    .returning('id_service_access')
    .executeTakeFirstOrThrow();
  return row.id_service_access;
}

/** Deletes one grant. */
export async function deleteAccess(k: K, accessId: number): Promise<void> {
  await k.deleteFrom('t_services_access').where('id_service_access', '=', accessId).execute();
}

/** Whether the user group exists and is not deleted. */
export async function groupExists(k: K, groupId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_users_groups')
    .select('id_user_group')
    .where('id_user_group', '=', groupId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Users of alive groups granted a role scoped to a site that requires 2FA (`siteIds`: these only). */
function membersOf2faSites(k: K, siteIds?: readonly number[]) {
  let q = k
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_sites as s', 's.id_site', 'r.id_site')
    .where('g.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .where('s.site_2fa_required', '=', true);
  if (siteIds) q = q.where('s.id_site', 'in', siteIds);
  return q;
}

/**
 * OpenTera 1.3's rule for a site that requires 2FA: every member of a group holding a role on
 * that site, and every superadmin, has 2FA enabled. Call after the site is created or updated.
 */
export async function require2faForSite(k: K, siteId: number): Promise<void> {
  const site = await k
    .selectFrom('t_sites')
    .select('site_2fa_required')
    .where('id_site', '=', siteId)
    .executeTakeFirst();
  if (!site?.site_2fa_required) return;
  await k
    .updateTable('t_users')
    .set({ user_2fa_enabled: true })
    .where((eb) =>
      eb.or([
        eb('user_superadmin', '=', true),
        eb('id_user', 'in', membersOf2faSites(k, [siteId]).select('uug.id_user')),
      ]),
    )
    .execute();
}

/**
 * The same rule after a group's roles or members change: its members (or only `userId`) get
 * 2FA when the group holds a role on a site that requires it.
 */
export async function require2faForGroup(k: K, groupId: number, userId?: number): Promise<void> {
  let members = membersOf2faSites(k).select('uug.id_user').where('g.id_user_group', '=', groupId);
  if (userId !== undefined) members = members.where('uug.id_user', '=', userId);
  await k
    .updateTable('t_users')
    .set({ user_2fa_enabled: true })
    .where('id_user', 'in', members)
    .execute();
}
