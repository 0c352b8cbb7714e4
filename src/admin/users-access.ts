/**
 * User groups as OpenTera's user access sees them: each group's project and site roles (the
 * same merge as a user's, ../access/roles.ts), which groups a caller may see or administer,
 * and which sites a user reaches. A non-superadmin reaches a group when one of the group's
 * projects (or sites, `bySites`) is one of its own, counting only those it administers when
 * `adminOnly`; a superadmin reaches every group.
 */
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import { mergeRoles, type MergedRoles } from '../access/roles.js';
import type { Database } from '../store/schema.js';
import {
  aliveProjects,
  allGroupIds,
  groupGrants,
  membershipsOfUser,
  siteRows,
} from '../store/queries/admin-users.js';

type K = Kysely<Database>;

export interface GroupRoles {
  /** Non-deleted group ids, by group name. */
  readonly groupIds: readonly number[];
  /** Roles of each group holding any (groups without a role are absent). */
  readonly roles: ReadonlyMap<number, MergedRoles>;
}

/** Every group's roles, in three queries. */
export async function loadGroupRoles(k: K): Promise<GroupRoles> {
  const [groupIds, grants, projects] = await Promise.all([
    allGroupIds(k),
    groupGrants(k),
    aliveProjects(k),
  ]);
  const byGroup = new Map<number, typeof grants>();
  for (const g of grants)
    byGroup.set(g.id_user_group, [...(byGroup.get(g.id_user_group) ?? []), g]);
  const roles = new Map<number, MergedRoles>();
  for (const [id, rows] of byGroup) {
    const adminSites = new Set(
      rows.filter((r) => r.id_site !== null && r.role === 'admin').map((r) => r.id_site!),
    );
    roles.set(
      id,
      mergeRoles(
        rows.map((r) => ({
          role: r.role,
          idProject: r.id_project,
          projectSite: r.project_site,
          idSite: r.id_site,
        })),
        projects
          .filter((p) => adminSites.has(p.id_site))
          .map((p) => ({ idProject: p.id_project, idSite: p.id_site })),
      ),
    );
  }
  return { groupIds, roles };
}

const keysOf = (
  roles: ReadonlyMap<number, 'admin' | 'user'>,
  adminOnly: boolean,
): ReadonlySet<number> =>
  new Set([...roles].filter(([, r]) => !adminOnly || r === 'admin').map(([id]) => id));

/** The groups `access` reaches, by group name. */
export function accessibleGroupIds(
  access: UserAccess,
  groups: GroupRoles,
  options: { adminOnly?: boolean; bySites?: boolean } = {},
): number[] {
  if (access.superadmin) return [...groups.groupIds];
  const mine = options.bySites
    ? keysOf(access.siteRoles, options.adminOnly ?? false)
    : keysOf(access.projectRoles, options.adminOnly ?? false);
  return groups.groupIds.filter((id) => {
    const roles = groups.roles.get(id);
    if (!roles) return false;
    const theirs = options.bySites ? roles.siteRoles : roles.projectRoles;
    for (const key of theirs.keys()) if (mine.has(key)) return true;
    return false;
  });
}

/** The sites on which `user` holds a role: every alive site for a superadmin, else through its groups. */
export async function userSiteIds(
  k: K,
  groups: GroupRoles,
  user: { id_user: number; user_superadmin: boolean },
): Promise<Set<number>> {
  if (user.user_superadmin) return new Set((await siteRows(k)).map((s) => s.id_site));
  const out = new Set<number>();
  for (const m of await membershipsOfUser(k, user.id_user))
    for (const site of groups.roles.get(m.id_user_group)?.siteRoles.keys() ?? []) out.add(site);
  return out;
}
