/**
 * `/api/user/usergroups`, as OpenTera's UserQueryUserGroups: GET lists the user groups the
 * caller reaches (or one, those of a user, or those with a role on a site), each with its roles
 * on the sites and projects the caller reaches unless `list`; POST creates or renames a group
 * (callers administering a site) and sets its roles from `user_group_sites_access` and
 * `user_group_projects_access` (an empty role removes one; each site, or project's site, must be
 * one the caller administers); DELETE soft-deletes a group (superadmins, or admins of one of
 * its sites), refused with 500 while it has members.
 */
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import { openTeraScopedRole, require2faForGroup } from '../store/queries/admin-access.js';
import { insertGroup, renameGroup, softDeleteGroup } from '../store/queries/admin-user-groups.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel } from './sites-access-model.js';
import { groupProjectsJson, groupSitesJson } from './sites-access-json.js';
import { removeGroupAccess, setGroupAccess, type GrantChange, type Scope } from './sites-grants.js';
import {
  answerRefusal,
  bodyField,
  isObject,
  loadModel,
  Refusal,
  sendMissingId,
  toInt,
  type JsonObject,
} from './sites-http.js';
import {
  UserGroupItem,
  UserGroupPostBody,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

const GROUP_ARGS = {
  id_user_group: int('ID of the user group to query'),
  id_user: int('ID of the user to get all user groups'),
  id_site: int('ID of the site to get the user groups with a role on it'),
  list: bool('Flag that limits the returned data to minimal information'),
};

const CANT_DELETE =
  "Can't delete user group: please delete all users part of that user group before deleting.";

export const userGroupsRoutes = (ctx: ApiContext): Route[] => [
  groupsGet(ctx),
  groupsPost(ctx),
  groupsDelete(ctx),
];

function groupJson(model: AccessModel, id: number) {
  const g = model.groups.get(id)!;
  return { id_user_group: g.id_user_group, user_group_name: g.user_group_name };
}

function groupsGet(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/usergroups',
    summary: 'User groups the caller reaches, with their site and project roles',
    description:
      'One of id_user_group, id_user (the groups of that user) or id_site (the groups with a ' +
      'role on that site or one of its projects); without one, every group the caller reaches.',
    args: GROUP_ARGS,
    response: getResponses(UserGroupItem),
    handle: async ({ reply, caller, args }) => {
      const model = await loadModel(ctx.deps.db.kysely);
      const me = caller.account.id;
      const reached = model.accessibleGroupIds(me);
      let ids: readonly number[] = [];
      if (args.id_user_group) {
        if (reached.includes(args.id_user_group)) ids = [args.id_user_group];
      } else if (args.id_user) {
        if (model.accessibleUserIds(me).includes(args.id_user))
          ids = model.userMemberships(args.id_user, me).map((m) => m.id_user_group);
      } else if (args.id_site) {
        const site = args.id_site;
        if (model.accessibleSiteIds(me).includes(site))
          ids = reached.filter((g) => model.groupSiteRoles(g).has(site));
      } else {
        ids = reached;
      }
      return sendJson(
        reply,
        200,
        ids.map((id) => ({
          ...groupJson(model, id),
          ...(args.list
            ? {}
            : {
                user_group_sites_access: groupSitesJson(model, me, id),
                user_group_projects_access: groupProjectsJson(model, me, id),
              }),
        })),
      );
    },
  });
}

/** A POSTed role list: `[{id_<scope>, <scope>_access_role}]`, or undefined when absent. */
function roleList(
  group: JsonObject,
  scope: 'site' | 'project',
): { id: number; role: string }[] | undefined {
  const key = `user_group_${scope}s_access`;
  if (!(key in group)) return undefined;
  const list = group[key];
  if (!Array.isArray(list)) throw new Refusal(400, `Invalid ${key}`);
  return list.map((item: unknown) => {
    const id = isObject(item) ? toInt(item[`id_${scope}`]) : null;
    if (id === null || !isObject(item)) throw new Refusal(400, `Invalid ${key}`);
    const role = item[`${scope}_access_role`];
    if (role !== undefined && role !== null && typeof role !== 'string')
      throw new Refusal(400, `Invalid ${key}`);
    return { id, role: role ?? '' };
  });
}

/** Sets (or, with an empty role, removes) the group's role on each site or project. */
async function applyRoles(
  trx: Parameters<typeof openTeraScopedRole>[0],
  groupId: number,
  scope: 'site' | 'project',
  roles: readonly { id: number; role: string }[],
): Promise<GrantChange[]> {
  const changes: GrantChange[] = [];
  for (const { id, role } of roles) {
    const where: Scope = scope === 'site' ? { id_site: id } : { id_project: id };
    if (role === '') {
      const removed = await removeGroupAccess(trx, groupId, where);
      if (removed) changes.push(removed);
      continue;
    }
    const found = await openTeraScopedRole(trx, where, role);
    if (!found) throw new Refusal(400, `Invalid role name or id for that ${scope}`);
    changes.push(await setGroupAccess(trx, groupId, where, found));
  }
  return changes;
}

function checkAdminOf(
  model: AccessModel,
  me: number,
  sites: readonly { id: number }[] | undefined,
  projects: readonly { id: number }[] | undefined,
): void {
  for (const { id } of sites ?? [])
    if (model.siteRole(me, id) !== 'admin')
      throw new Refusal(403, 'No site admin access for at a least one site in the list');
  for (const { id } of projects ?? []) {
    const project = model.projects.get(id);
    if (project && model.siteRole(me, project.id_site) !== 'admin')
      throw new Refusal(403, 'No site admin access for at a least one project in the list');
  }
}

function groupsPost(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/usergroups',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Create (id_user_group 0) or update a user group and its roles (site admins)',
    body: UserGroupPostBody,
    response: postResponses(UserGroupItem),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const group = bodyField(request, 'user_group');
        if (!isObject(group)) return sendText(reply, 400, 'Missing user_group');
        if (!('id_user_group' in group)) return sendText(reply, 400, 'Missing id_user_group');
        const id = toInt(group.id_user_group);
        if (id === null) return sendText(reply, 400, 'Invalid id_user_group');
        const name = group.user_group_name;
        if (name !== undefined && typeof name !== 'string')
          return sendText(reply, 400, 'Invalid user_group_name');
        if (id <= 0 && !name) return sendText(reply, 400, 'Missing user_group_name');
        const sites = roleList(group, 'site');
        const projects = roleList(group, 'project');
        const me = caller.account.id;
        const saved = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          if (model.accessibleSiteIds(me, true).length === 0) throw new Refusal(403, 'Forbidden');
          checkAdminOf(model, me, sites, projects);
          let groupId = id;
          if (id > 0) {
            if (!model.groups.has(id)) throw new Refusal(403, 'Forbidden');
            if (name !== undefined) await renameGroup(trx, id, name);
          } else groupId = await insertGroup(trx, name!);
          const changes = [
            ...(await applyRoles(trx, groupId, 'site', sites ?? [])),
            ...(await applyRoles(trx, groupId, 'project', projects ?? [])),
          ];
          await require2faForGroup(trx, groupId);
          return { groupId, created: id <= 0, changes, model: await loadModel(trx) };
        });
        const { groupId, model } = saved;
        await publishDatabaseEvent(
          ctx.deps,
          'user_group',
          saved.created ? 'create' : 'update',
          groupJson(model, groupId),
        );
        for (const c of saved.changes)
          await publishDatabaseEvent(ctx.deps, 'service_access', c.change, c.object);
        return sendJson(reply, 200, [
          {
            ...groupJson(model, groupId),
            ...(sites ? { user_group_sites_access: groupSitesJson(model, me, groupId) } : {}),
            ...(projects
              ? { user_group_projects_access: groupProjectsJson(model, me, groupId) }
              : {}),
          },
        ]);
      }),
  });
}

function groupsDelete(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    url: '/api/user/usergroups',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Delete a user group (superadmins, or admins of one of its sites)',
    description: 'Refused (500) while the group has members.',
    args: { id: int('User group ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }) =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined) return sendMissingId(reply, 'User group ID to delete');
        const me = caller.account.id;
        const deleted = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          const superadmin = model.isSuperadmin(me);
          if (!model.groups.has(id)) {
            if (superadmin) return false;
            throw new Refusal(403, '');
          }
          if (!superadmin) {
            const adminSites = new Set(model.accessibleSiteIds(me, true));
            const shared = [...model.groupSiteRoles(id).keys()].some((s) => adminSites.has(s));
            if (!shared) throw new Refusal(403, '');
          }
          if (model.groupMemberCount(id) > 0) throw new Refusal(500, CANT_DELETE);
          await softDeleteGroup(trx, id, new Date().toISOString());
          return true;
        });
        if (deleted)
          await publishDatabaseEvent(ctx.deps, 'user_group', 'delete', { id_user_group: id });
        return sendText(reply, 200, '');
      }),
  });
}
