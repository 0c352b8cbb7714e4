/**
 * The user role merge (OpenTera's TeraUserGroup/TeraUser get_projects_roles and
 * get_sites_roles), as a pure function over the rows AccessStore reads.
 */

export type Role = 'admin' | 'user';

/** One service role granted to one of the user's groups, scoped to a project or a site. */
export interface GrantRow {
  /** The role's name; any name other than `admin` counts as `user`. */
  role: string;
  /** Set for a project-scoped role (with the project's site in `projectSite`). */
  idProject: number | null;
  projectSite: number | null;
  /** Set for a site-scoped role. */
  idSite: number | null;
}

/** A project of a site on which one of the user's groups holds a site-scoped `admin` role. */
export interface SiteProjectRow {
  idProject: number;
  idSite: number;
}

export interface MergedRoles {
  projectRoles: Map<number, Role>;
  siteRoles: Map<number, Role>;
}

const asRole = (name: string): Role => (name === 'admin' ? 'admin' : 'user');

function raise(map: Map<number, Role>, id: number, role: Role): void {
  if (map.get(id) !== 'admin') map.set(id, role);
}

/**
 * Project roles: a project-scoped role of any service gives the project with that role; a
 * site-scoped `admin` role gives `admin` on every project of the site. Site roles: a
 * site-scoped role gives the site with that role; a project-scoped role gives the project's
 * site as `user`. `admin` overrides `user` across groups, and also within one group (where
 * OpenTera's outcome depends on row order).
 */
export function mergeRoles(
  grants: readonly GrantRow[],
  siteAdminProjects: readonly SiteProjectRow[],
): MergedRoles {
  const projectRoles = new Map<number, Role>();
  const siteRoles = new Map<number, Role>();
  for (const g of grants) {
    if (g.idProject !== null) {
      raise(projectRoles, g.idProject, asRole(g.role));
      if (g.projectSite !== null) raise(siteRoles, g.projectSite, 'user');
    } else if (g.idSite !== null) {
      raise(siteRoles, g.idSite, asRole(g.role));
    }
  }
  for (const p of siteAdminProjects) projectRoles.set(p.idProject, 'admin');
  return { projectRoles, siteRoles };
}

/** The ids holding `admin` in a merged role map. */
export function adminIds(roles: ReadonlyMap<number, Role>): Set<number> {
  const out = new Set<number>();
  for (const [id, role] of roles) if (role === 'admin') out.add(id);
  return out;
}
