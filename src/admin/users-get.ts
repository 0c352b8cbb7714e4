/**
 * GET /api/user/users: the users the caller may see, selected by one argument (in OpenTera's
 * order of precedence: uuid, id, id_project, self, username, id_user_group; none: every user
 * the caller reaches). A superadmin reaches every user; another user reaches the members of
 * the groups holding a role on its projects, and itself. The caller's own full entry also
 * lists the sites and projects it reaches, with its role on each.
 */
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import { statuses, statusFields, type Status } from '../http/api/online.js';
import { userGet, type ApiContext } from '../http/context.js';
import { bool, int, str } from '../http/query.js';
import { sendJson } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import type { Database } from '../store/schema.js';
import {
  memberIds,
  membershipsOfUser,
  projectMemberIds,
  projectRows,
  queryUsers,
  siteRows,
  superadminIds,
  type UserRow,
} from '../store/queries/admin-users.js';
import { accessibleGroupIds, loadGroupRoles } from './users-access.js';
import { userJson } from './users-json.js';
import { UsersGetResponses } from './users-schemas.js';

type K = Kysely<Database>;

const USER_ARGS = {
  id: int('Alias of id_user'),
  id_user: int('User id'),
  id_user_group: int('Members of this user group'),
  id_project: int('Enabled users holding a role on this project (superadmins included)'),
  user_uuid: str('User uuid'),
  uuid: str('Alias of user_uuid'),
  username: str('Username'),
  self: bool('The caller itself'),
  enabled: bool('Only enabled (true) or disabled (false) users'),
  list: bool('Minimal fields only'),
  with_usergroups: bool('Add user_user_groups: the user groups of each user the caller reaches'),
  with_status: bool('Add user_online and user_busy'),
};

export function usersGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/users',
    summary: 'Users the caller may see',
    description:
      'The first of uuid/user_uuid, id/id_user, id_project, self, username, id_user_group given ' +
      'selects; without one, every user the caller reaches.',
    args: USER_ARGS,
    response: UsersGetResponses,
    handle: async ({ reply, caller, args: q }) => {
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendJson(reply, 200, []);
      const k = ctx.deps.db.kysely;
      const users = (await selectUsers(k, access, q)).filter(
        (u) => q.enabled === undefined || u.user_enabled === q.enabled,
      );
      if (users.length === 0) return sendJson(reply, 200, []);
      const status = q.with_status ? await statuses(ctx, 'user') : new Map<string, Status>();
      const visibleGroups = q.with_usergroups
        ? new Set(accessibleGroupIds(access, await loadGroupRoles(k)))
        : new Set<number>();
      const out = [];
      for (const u of users) {
        const json: Record<string, unknown> = { ...userJson(u, q.list === true) };
        if (q.list === undefined && u.id_user === access.userId)
          Object.assign(json, await sitesAndProjects(k, access));
        if (q.with_usergroups)
          json.user_user_groups = (await membershipsOfUser(k, u.id_user))
            .filter((m) => visibleGroups.has(m.id_user_group))
            .map((m) => ({ id_user_group: m.id_user_group, user_group_name: m.user_group_name }));
        if (q.with_status) Object.assign(json, statusFields('user', status, u.user_uuid));
        out.push(json);
      }
      return sendJson(reply, 200, out);
    },
  });
}

type Query = Partial<Record<keyof typeof USER_ARGS, string | number | boolean>>;

/** The users the arguments select, among those the caller reaches. */
async function selectUsers(k: K, access: UserAccess, q: Query): Promise<UserRow[]> {
  const reachable = (rows: UserRow[]) => rows.filter((u) => access.userUuids.has(u.user_uuid));
  const uuid = (q.uuid || q.user_uuid) as string | undefined;
  const idUser = (q.id || q.id_user) as number | undefined;
  if (uuid) return access.userUuids.has(uuid) ? queryUsers(k, { uuids: [uuid] }) : [];
  if (idUser) return reachable(await queryUsers(k, { ids: [idUser] }));
  if (q.id_project) return projectUsers(k, access, q.id_project as number);
  if (q.self !== undefined) return queryUsers(k, { ids: [access.userId] });
  if (q.username !== undefined)
    return reachable(await queryUsers(k, { username: q.username as string }));
  if (q.id_user_group) {
    const group = q.id_user_group as number;
    if (!accessibleGroupIds(access, await loadGroupRoles(k)).includes(group)) return [];
    return reachable(await queryUsers(k, { ids: await memberIds(k, group) }));
  }
  return access.superadmin ? queryUsers(k, {}) : queryUsers(k, { uuids: [...access.userUuids] });
}

/** Enabled users holding a role on a project the caller reaches, superadmins included. */
async function projectUsers(k: K, access: UserAccess, projectId: number): Promise<UserRow[]> {
  if (!access.projectIds.has(projectId)) return [];
  const [members, superadmins] = await Promise.all([
    projectMemberIds(k, projectId),
    superadminIds(k),
  ]);
  const rows = await queryUsers(k, { ids: [...new Set([...members, ...superadmins])] });
  return rows.filter(
    (u) =>
      u.user_enabled &&
      (!u.user_superadmin || access.superadmin || access.userUuids.has(u.user_uuid)),
  );
}

/** The caller's sites and projects, each with the caller's role on it. */
async function sitesAndProjects(k: K, access: UserAccess) {
  const [sites, projects] = await Promise.all([
    siteRows(k, [...access.siteIds]),
    projectRows(k, [...access.projectIds]),
  ]);
  return {
    sites: sites.map((s) => ({ ...s, site_role: access.siteRoles.get(s.id_site) ?? null })),
    projects: projects.map((p) => ({
      ...p,
      project_role: access.projectRoles.get(p.id_project) ?? null,
    })),
  };
}
