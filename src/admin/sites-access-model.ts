/**
 * OpenTera's role model as its user API computes it (TeraUserGroup / TeraUser
 * `get_projects_roles` and `get_sites_roles`, and DBManagerTeraUserAccess), over one snapshot
 * of the database (../store/queries/admin-access.ts). Pure: no I/O.
 *
 * - A group's project roles: each project-scoped role granted to it (any service), then every
 *   project of a site where it holds a site-scoped `admin` role, as `admin`, inherited.
 * - A group's site roles: each site-scoped role granted to it, then the site of each of its
 *   project roles, as `user`, inherited, where it has no site role.
 * - A user's roles: its groups' roles in membership order, an `admin` role replacing a `user`
 *   one; a superadmin is an inherited `admin` everywhere.
 * - A caller reaches the users of the groups holding an OpenTera role on one of its projects
 *   (itself included), and the groups sharing a project (or a site, `bySites`) with it;
 *   `adminOnly` counts only its admin roles. A superadmin reaches everything.
 */
import type {
  AccessSnapshot,
  GroupGrantRow,
  GroupRow,
  MembershipRow,
  ModelUserRow,
  ProjectRow,
  SiteRow,
} from '../store/queries/admin-access.js';
import { OPENTERA_SERVICE_KEY } from '../store/queries/user-access.js';

/** A role on a site or project: the role's name and whether it comes from elsewhere. */
export interface RoleEntry {
  readonly role: string;
  readonly inherited: boolean;
}

export type Roles = ReadonlyMap<number, RoleEntry>;

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class AccessModel {
  readonly sites = new Map<number, SiteRow>();
  readonly projects = new Map<number, ProjectRow>();
  readonly groups = new Map<number, GroupRow>();
  readonly users = new Map<number, ModelUserRow>();
  private readonly grantsOf = new Map<number, GroupGrantRow[]>();
  private readonly membershipsOfUser = new Map<number, MembershipRow[]>();
  private readonly membershipsOfGroup = new Map<number, MembershipRow[]>();
  private readonly projectsOfSite = new Map<number, ProjectRow[]>();
  /** Results already computed: the snapshot never changes, so neither do they. */
  private readonly memo = new Map<string, unknown>();

  private cached<T>(key: string, compute: () => T): T {
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    this.memo.set(key, value);
    return value;
  }

  constructor(snapshot: AccessSnapshot) {
    for (const s of snapshot.sites) this.sites.set(s.id_site, s);
    for (const p of snapshot.projects) {
      this.projects.set(p.id_project, p);
      push(this.projectsOfSite, p.id_site, p);
    }
    for (const g of snapshot.groups) this.groups.set(g.id_user_group, g);
    for (const u of snapshot.users) this.users.set(u.id_user, u);
    for (const g of snapshot.grants)
      if (this.groups.has(g.id_user_group)) push(this.grantsOf, g.id_user_group, g);
    for (const m of snapshot.memberships) {
      if (!this.users.has(m.id_user) || !this.groups.has(m.id_user_group)) continue;
      push(this.membershipsOfUser, m.id_user, m);
      push(this.membershipsOfGroup, m.id_user_group, m);
    }
  }

  /** Alive projects of one site, by id. */
  siteProjects(siteId: number): readonly ProjectRow[] {
    return this.projectsOfSite.get(siteId) ?? [];
  }

  /** The group's project roles; `noInheritance` leaves out those its site admin roles give. */
  groupProjectRoles(groupId: number, noInheritance = false): ReadonlyMap<number, RoleEntry> {
    return this.cached(`gp:${groupId}:${noInheritance}`, () =>
      this.computeGroupProjectRoles(groupId, noInheritance),
    );
  }

  private computeGroupProjectRoles(
    groupId: number,
    noInheritance: boolean,
  ): Map<number, RoleEntry> {
    const roles = new Map<number, RoleEntry>();
    const grants = this.grantsOf.get(groupId) ?? [];
    for (const g of grants)
      if (g.id_project !== null && this.projects.has(g.id_project))
        roles.set(g.id_project, { role: g.service_role_name, inherited: false });
    if (noInheritance) return roles;
    for (const g of grants)
      if (g.id_site !== null && g.service_role_name === 'admin' && this.sites.has(g.id_site))
        for (const p of this.siteProjects(g.id_site))
          roles.set(p.id_project, { role: 'admin', inherited: true });
    return roles;
  }

  /** The group's site roles. */
  groupSiteRoles(groupId: number): ReadonlyMap<number, RoleEntry> {
    return this.cached(`gs:${groupId}`, () => this.computeGroupSiteRoles(groupId));
  }

  private computeGroupSiteRoles(groupId: number): Map<number, RoleEntry> {
    const roles = new Map<number, RoleEntry>();
    const grants = this.grantsOf.get(groupId) ?? [];
    for (const g of grants)
      if (g.id_site !== null && this.sites.has(g.id_site))
        roles.set(g.id_site, { role: g.service_role_name, inherited: false });
    for (const g of grants) {
      const project = g.id_project === null ? undefined : this.projects.get(g.id_project);
      if (project && !roles.has(project.id_site))
        roles.set(project.id_site, { role: 'user', inherited: true });
    }
    return roles;
  }

  isSuperadmin(userId: number): boolean {
    return this.users.get(userId)?.user_superadmin ?? false;
  }

  /** The user's project roles (empty for an unknown user). */
  userProjectRoles(userId: number): ReadonlyMap<number, RoleEntry> {
    return this.cached(`up:${userId}`, () =>
      this.isSuperadmin(userId)
        ? everything(this.projects.keys())
        : this.mergeGroups(userId, (g) => this.groupProjectRoles(g)),
    );
  }

  /** The user's site roles (empty for an unknown user). */
  userSiteRoles(userId: number): ReadonlyMap<number, RoleEntry> {
    return this.cached(`us:${userId}`, () =>
      this.isSuperadmin(userId)
        ? everything(this.sites.keys())
        : this.mergeGroups(userId, (g) => this.groupSiteRoles(g)),
    );
  }

  private mergeGroups(
    userId: number,
    rolesOf: (groupId: number) => ReadonlyMap<number, RoleEntry>,
  ): Map<number, RoleEntry> {
    const merged = new Map<number, RoleEntry>();
    for (const m of this.membershipsOfUser.get(userId) ?? [])
      for (const [id, entry] of rolesOf(m.id_user_group))
        if (!merged.has(id) || entry.role === 'admin') merged.set(id, entry);
    return merged;
  }

  /** The projects the caller reaches, by id (a superadmin: all). */
  accessibleProjectIds(callerId: number, adminOnly = false): number[] {
    return idsWith(this.userProjectRoles(callerId), adminOnly);
  }

  /** The sites the caller reaches: by name for a superadmin, else in role order. */
  accessibleSiteIds(callerId: number, adminOnly = false): number[] {
    if (this.isSuperadmin(callerId))
      return [...this.sites.values()]
        .sort((a, b) => byName(a.site_name, b.site_name))
        .map((s) => s.id_site);
    return idsWith(this.userSiteRoles(callerId), adminOnly);
  }

  /** The caller's role on a project or site, or null. */
  projectRole(callerId: number, projectId: number): string | null {
    return this.userProjectRoles(callerId).get(projectId)?.role ?? null;
  }

  siteRole(callerId: number, siteId: number): string | null {
    return this.userSiteRoles(callerId).get(siteId)?.role ?? null;
  }

  /** The users the caller reaches, by first name. */
  accessibleUserIds(callerId: number, adminOnly = false): readonly number[] {
    return this.cached(`au:${callerId}:${adminOnly}`, () =>
      this.computeAccessibleUserIds(callerId, adminOnly),
    );
  }

  private computeAccessibleUserIds(callerId: number, adminOnly: boolean): number[] {
    let users: ModelUserRow[];
    if (this.isSuperadmin(callerId)) users = [...this.users.values()];
    else {
      const projects = new Set(this.accessibleProjectIds(callerId, adminOnly));
      const ids = new Set<number>();
      for (const [groupId, grants] of this.grantsOf) {
        const onProject = grants.some(
          (g) =>
            g.service_key === OPENTERA_SERVICE_KEY &&
            g.id_project !== null &&
            projects.has(g.id_project),
        );
        if (onProject)
          for (const m of this.membershipsOfGroup.get(groupId) ?? []) ids.add(m.id_user);
      }
      ids.add(callerId);
      users = [...ids].flatMap((id) => this.users.get(id) ?? []);
    }
    return users
      .sort((a, b) => byName(a.user_firstname, b.user_firstname) || a.id_user - b.id_user)
      .map((u) => u.id_user);
  }

  /** The groups the caller reaches, by name. */
  accessibleGroupIds(callerId: number, adminOnly = false, bySites = false): readonly number[] {
    return this.cached(`ag:${callerId}:${adminOnly}:${bySites}`, () =>
      this.computeAccessibleGroupIds(callerId, adminOnly, bySites),
    );
  }

  private computeAccessibleGroupIds(
    callerId: number,
    adminOnly: boolean,
    bySites: boolean,
  ): number[] {
    const all = [...this.groups.values()]
      .sort(
        (a, b) => byName(a.user_group_name, b.user_group_name) || a.id_user_group - b.id_user_group,
      )
      .map((g) => g.id_user_group);
    if (this.isSuperadmin(callerId)) return all;
    const mine = new Set(
      bySites
        ? idsWith(this.userSiteRoles(callerId), adminOnly)
        : idsWith(this.userProjectRoles(callerId), adminOnly),
    );
    return all.filter((groupId) => {
      const theirs = bySites ? this.groupSiteRoles(groupId) : this.groupProjectRoles(groupId);
      for (const id of theirs.keys()) if (mine.has(id)) return true;
      return false;
    });
  }

  /** The members of a group that the caller reaches, by first name. */
  groupMemberships(groupId: number, callerId: number): MembershipRow[] {
    const reachable = this.accessibleUserIds(callerId);
    const order = new Map(reachable.map((id, i) => [id, i]));
    return (this.membershipsOfGroup.get(groupId) ?? [])
      .filter((m) => order.has(m.id_user))
      .sort((a, b) => order.get(a.id_user)! - order.get(b.id_user)!);
  }

  /** A user's memberships in groups the caller reaches, by group name. */
  userMemberships(userId: number, callerId: number): MembershipRow[] {
    const reachable = this.accessibleGroupIds(callerId);
    const order = new Map(reachable.map((id, i) => [id, i]));
    return (this.membershipsOfUser.get(userId) ?? [])
      .filter((m) => order.has(m.id_user_group))
      .sort((a, b) => order.get(a.id_user_group)! - order.get(b.id_user_group)!);
  }

  /** The members of a group (every alive user). */
  groupMemberCount(groupId: number): number {
    return this.membershipsOfGroup.get(groupId)?.length ?? 0;
  }

  fullName(userId: number): string {
    const u = this.users.get(userId);
    return u ? `${u.user_firstname} ${u.user_lastname}` : '';
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function everything(ids: Iterable<number>): Map<number, RoleEntry> {
  return new Map([...ids].map((id) => [id, { role: 'admin', inherited: true }]));
}

function idsWith(roles: Roles, adminOnly: boolean): number[] {
  const ids: number[] = [];
  for (const [id, entry] of roles) if (!adminOnly || entry.role === 'admin') ids.push(id);
  return ids;
}
