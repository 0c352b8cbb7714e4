/**
 * Grants of the OpenTera service's site and project roles to user groups (OpenTera's
 * TeraServiceAccess for a user group): setting a group's role on a site or project replaces
 * its current one there, and removing it deletes the grant. Each change is returned with the
 * JSON of its `service_access` DatabaseEvent.
 */
import type { Kysely } from 'kysely';
import {
  accessById,
  deleteAccess,
  groupScopedAccess,
  upsertGroupAccess,
  type AccessRow,
  type RoleRow,
} from '../store/queries/admin-access.js';
import type { Database } from '../store/schema.js';
import type { DbChange } from './events.js';

type K = Kysely<Database>;
export type Scope = { id_site: number } | { id_project: number };

export interface GrantChange {
  readonly change: DbChange;
  readonly object: Record<string, unknown>;
}

/** The grant's minimal JSON: its ids, its role and the role's scope. */
export function grantEventJson(a: AccessRow): Record<string, unknown> {
  return {
    id_service_access: a.id_service_access,
    id_user_group: a.id_user_group,
    id_service_role: a.id_service_role,
    id_service: a.id_service,
    service_role_name: a.service_role_name,
    ...(a.id_site !== null ? { id_site: a.id_site } : {}),
    ...(a.id_project !== null ? { id_project: a.id_project } : {}),
  };
}

/** The grant's full JSON, as OpenTera's service access `to_json()`. */
export function grantJson(a: AccessRow): Record<string, unknown> {
  return {
    id_service_access: a.id_service_access,
    id_user_group: a.id_user_group,
    user_group_name: a.user_group_name,
    id_service_role: a.id_service_role,
    id_service: a.id_service,
    service_role_name: a.service_role_name,
    service_name: a.service_name,
    ...(a.id_site !== null ? { id_site: a.id_site, site_name: a.site_name } : {}),
    ...(a.id_project !== null ? { id_project: a.id_project, project_name: a.project_name } : {}),
  };
}

/** Removes the group's OpenTera role on the site or project; null when it had none. */
export async function removeGroupAccess(
  k: K,
  groupId: number,
  scope: Scope,
): Promise<GrantChange | null> {
  const existing = await groupScopedAccess(k, groupId, scope);
  if (!existing) return null;
  await deleteAccess(k, existing.id_service_access);
  return {
    change: 'delete',
    object: { id_service_access: existing.id_service_access, id_user_group: groupId, ...scope },
  };
}

/** Gives the group `role` on the site or project (replacing the role it had there). */
export async function setGroupAccess(
  k: K,
  groupId: number,
  scope: Scope,
  role: RoleRow,
): Promise<GrantChange & { access: AccessRow }> {
  const existing = await groupScopedAccess(k, groupId, scope);
  const id = await upsertGroupAccess(k, groupId, role.id_service_role, existing?.id_service_access);
  const access = (await accessById(k, id))!;
  return { change: existing ? 'update' : 'create', object: grantEventJson(access), access };
}
