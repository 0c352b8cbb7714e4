/**
 * The role lists of OpenTera's user groups as the caller may see them (its
 * `get_sites_roles_json` / `get_projects_roles_json`): the group's roles on the sites and
 * projects the caller reaches, `*_access_inherited: true` only on inherited roles.
 */
import type { AccessModel, RoleEntry } from './sites-access-model.js';
import type { ProjectRow, SiteRow } from '../store/queries/admin-access.js';

export const siteColumns = (s: SiteRow) => ({
  id_site: s.id_site,
  site_name: s.site_name,
  site_2fa_required: s.site_2fa_required,
});

/** A project's columns without its site (OpenTera leaves `id_site` and `site_name` out). */
export const projectColumns = (p: ProjectRow) => ({
  id_project: p.id_project,
  project_name: p.project_name,
  project_enabled: p.project_enabled,
  project_description: p.project_description,
});

export const siteRoleFields = (entry: RoleEntry | undefined) => ({
  site_access_role: entry?.role ?? null,
  ...(entry?.inherited ? { site_access_inherited: true } : {}),
});

export const projectRoleFields = (entry: RoleEntry | undefined) => ({
  project_access_role: entry?.role ?? null,
  ...(entry?.inherited ? { project_access_inherited: true } : {}),
});

/** The group's site roles on the sites the caller reaches (admin ones only with `adminOnly`). */
export function groupSiteAccess(
  model: AccessModel,
  callerId: number,
  groupId: number,
  adminOnly = false,
): Map<number, RoleEntry> {
  const reached = new Set(model.accessibleSiteIds(callerId, adminOnly));
  const out = new Map<number, RoleEntry>();
  for (const [id, entry] of model.groupSiteRoles(groupId))
    if (reached.has(id) && (!adminOnly || entry.role === 'admin')) out.set(id, entry);
  return out;
}

/** The group's project roles on the projects the caller reaches (admin ones with `adminOnly`). */
export function groupProjectAccess(
  model: AccessModel,
  callerId: number,
  groupId: number,
  adminOnly = false,
): Map<number, RoleEntry> {
  const reached = new Set(model.accessibleProjectIds(callerId, adminOnly));
  const out = new Map<number, RoleEntry>();
  for (const [id, entry] of model.groupProjectRoles(groupId))
    if (reached.has(id) && (!adminOnly || entry.role === 'admin')) out.set(id, entry);
  return out;
}

export function groupSitesJson(model: AccessModel, callerId: number, groupId: number) {
  return [...groupSiteAccess(model, callerId, groupId)].map(([id, entry]) => ({
    ...siteColumns(model.sites.get(id)!),
    ...siteRoleFields(entry),
  }));
}

export function groupProjectsJson(model: AccessModel, callerId: number, groupId: number) {
  return [...groupProjectAccess(model, callerId, groupId)].map(([id, entry]) => ({
    ...projectColumns(model.projects.get(id)!),
    ...projectRoleFields(entry),
  }));
}
