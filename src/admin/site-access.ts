/**
 * `/api/user/siteaccess`, as OpenTera's UserQuerySiteAccess: GET gives the site roles of a
 * user or a user group (on the sites the caller reaches), or the roles of the user groups on a
 * site; `by_users` gives them per member, `with_empty` adds what has no role, `admins` keeps
 * admin roles only (OpenTera counts any given `admins`, even false, there). POST sets, changes
 * or (empty role, `id_service_role` 0) removes user groups' OpenTera roles on sites the caller
 * administers; a `user` role on a site where the group already has a project role is removed
 * instead (that role is inherited). DELETE removes one grant. Writes publish `service_access`.
 */
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import {
  accessById,
  deleteAccess,
  groupExists,
  openTeraScopedRole,
  require2faForGroup,
  roleById,
  type RoleRow,
} from '../store/queries/admin-access.js';
import { OPENTERA_SERVICE_KEY } from '../store/queries/user-access.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel, RoleEntry } from './sites-access-model.js';
import { groupSiteAccess, siteColumns, siteRoleFields } from './sites-access-json.js';
import { grantJson, removeGroupAccess, setGroupAccess, type GrantChange } from './sites-grants.js';
import {
  answerRefusal,
  bodyField,
  loadModel,
  objectList,
  Refusal,
  sendMissingId,
  toInt,
  type JsonObject,
} from './sites-http.js';
import {
  SiteAccessItem,
  SiteAccessPostBody,
  SiteGrantItem,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

const ACCESS_ARGS = {
  id_user: int('ID of the user from which to request all site roles'),
  id_user_group: int('ID of the user group from which to request all site roles'),
  id_site: int('ID of the site from which to request all user groups roles'),
  admins: bool(
    'Flag to limit to sites from which the user group is an admin or users in site that have ' +
      'the admin role',
  ),
  by_users: bool('If specified, returns roles by users instead of by user groups'),
  with_usergroups: bool(
    'Used With the "by_users" parameter, also returns the usergroups of each user.',
  ),
  with_empty: bool(
    "Used with id_site, also return user or user groups that don't have any access to the " +
      "site. Used with id_user_group, also return sites that don't have any access with that " +
      'user group',
  ),
};

export const siteAccessRoutes = (ctx: ApiContext): Route[] => [
  accessGet(ctx),
  accessPost(ctx),
  accessDelete(ctx),
];

type Found =
  | { kind: 'sites'; roles: Map<number, RoleEntry | null> }
  | { kind: 'groups'; roles: Map<number, RoleEntry | null> };

type Args = {
  id_user?: number;
  id_user_group?: number;
  id_site?: number;
  admins?: boolean;
  with_empty?: boolean;
};

/** The roles asked for (the last of id_user, id_user_group, id_site wins), or null. */
function find(model: AccessModel, me: number, args: Args): Found | null {
  const adminOnly = args.admins !== undefined;
  let found: Found | null = null;
  if (args.id_user && model.accessibleUserIds(me).includes(args.id_user)) {
    const reached = new Set(model.accessibleSiteIds(me, adminOnly));
    const roles = new Map<number, RoleEntry | null>();
    for (const [id, entry] of model.userSiteRoles(args.id_user))
      if (reached.has(id) && (!adminOnly || entry.role === 'admin')) roles.set(id, entry);
    found = { kind: 'sites', roles };
  }
  if (args.id_user_group && model.accessibleGroupIds(me).includes(args.id_user_group)) {
    const roles = new Map<number, RoleEntry | null>(
      groupSiteAccess(model, me, args.id_user_group, adminOnly),
    );
    if (args.with_empty)
      for (const id of model.accessibleSiteIds(me, adminOnly))
        if (!roles.has(id)) roles.set(id, null);
    found = { kind: 'sites', roles };
  }
  if (args.id_site) {
    const roles = new Map<number, RoleEntry | null>();
    for (const groupId of model.accessibleGroupIds(me, adminOnly, true)) {
      const entry = model.groupSiteRoles(groupId).get(args.id_site);
      if (entry && (!adminOnly || entry.role === 'admin')) roles.set(groupId, entry);
      else if (args.with_empty) roles.set(groupId, null);
    }
    found = { kind: 'groups', roles };
  }
  return found;
}

function accessGet(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/siteaccess',
    summary: 'Site roles of a user or user group, or of the user groups on a site',
    description: 'At least one argument is required (400 "Missing arguments").',
    args: ACCESS_ARGS,
    response: getResponses(SiteAccessItem),
    handle: async ({ reply, caller, args }) => {
      if (!Object.values(args).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const model = await loadModel(ctx.deps.db.kysely);
      const me = caller.account.id;
      const found = find(model, me, args);
      if (!found) return sendJson(reply, 200, []);
      if (!args.by_users || args.id_user) {
        return sendJson(
          reply,
          200,
          [...found.roles].map(([id, entry]) => ({
            ...(found.kind === 'sites'
              ? siteColumns(model.sites.get(id)!)
              : {
                  id_user_group: id,
                  user_group_name: model.groups.get(id)!.user_group_name,
                }),
            ...siteRoleFields(entry ?? undefined),
          })),
        );
      }
      let users: number[] = [];
      let sites: number[] = [];
      if (args.id_site && found.kind === 'groups') {
        for (const groupId of found.roles.keys())
          users.push(...model.groupMemberships(groupId, me).map((m) => m.id_user));
        sites = model.sites.has(args.id_site) ? [args.id_site] : [];
      }
      if (args.id_user_group) {
        users = model.groupMemberships(args.id_user_group, me).map((m) => m.id_user);
        sites = found.kind === 'sites' ? [...found.roles.keys()] : [];
      }
      const reached = new Set(model.accessibleUserIds(me));
      const out: Record<string, unknown>[] = [];
      for (const userId of new Set(users)) {
        const user = model.users.get(userId)!;
        const groups = args.with_usergroups
          ? model.userMemberships(userId, me).map((m) => ({
              id_user_group: m.id_user_group,
              user_group_name: model.groups.get(m.id_user_group)!.user_group_name,
            }))
          : undefined;
        for (const siteId of sites) {
          let role = reached.has(userId) ? model.userSiteRoles(userId).get(siteId) : undefined;
          if (args.admins && role && role.role !== 'admin') role = undefined;
          out.push({
            id_user: userId,
            id_site: siteId,
            user_name: model.fullName(userId),
            user_enabled: user.user_enabled,
            site_access_role: role?.role ?? null,
            site_access_inherited: role?.inherited ?? null,
            ...(groups ? { user_groups: groups } : {}),
          });
        }
      }
      return sendJson(reply, 200, out);
    },
  });
}

/** The role an item asks for: a role, `remove`, or a refusal. */
async function wantedRole(
  trx: Parameters<typeof openTeraScopedRole>[0],
  model: AccessModel,
  item: JsonObject,
  groupId: number,
  siteId: number,
): Promise<RoleRow | 'remove'> {
  let role: RoleRow | undefined;
  if ('site_access_role' in item) {
    const name = item.site_access_role;
    if (name === '') return 'remove';
    if (name === 'user') {
      // A project role in this site already gives the group a (inherited) user role here.
      const direct = model.groupProjectRoles(groupId, true);
      if (model.siteProjects(siteId).some((p) => direct.has(p.id_project))) return 'remove';
    }
    if (typeof name === 'string') role = await openTeraScopedRole(trx, { id_site: siteId }, name);
  }
  if ('id_service_role' in item) {
    const id = toInt(item.id_service_role);
    if (id === 0) return 'remove';
    const byId = id === null ? undefined : await roleById(trx, id);
    role =
      byId && byId.service_key === OPENTERA_SERVICE_KEY && byId.id_site === siteId
        ? byId
        : undefined;
  }
  if (!role) throw new Refusal(400, 'Invalid role name or id for that site');
  return role;
}

function accessPost(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/siteaccess',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: "Set or remove user groups' roles on sites the caller administers",
    body: SiteAccessPostBody,
    response: postResponses(SiteGrantItem),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const given = bodyField(request, 'site_access');
        if (given === undefined) return sendText(reply, 400, 'Missing site_access');
        const items = objectList(given);
        if (!items) return sendText(reply, 400, 'Invalid site_access');
        const me = caller.account.id;
        const { changes, granted } = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          const changes: GrantChange[] = [];
          const granted: Record<string, unknown>[] = [];
          for (const item of items) {
            if (!('id_user_group' in item)) throw new Refusal(400, 'Missing id_user_group');
            if (!('id_site' in item)) throw new Refusal(400, 'Missing id_site');
            if (!('site_access_role' in item) && !('id_service_role' in item))
              throw new Refusal(400, 'Missing role name or id');
            const groupId = toInt(item.id_user_group);
            const siteId = toInt(item.id_site);
            if (groupId === null) throw new Refusal(400, 'Invalid id_user_group');
            if (siteId === null) throw new Refusal(400, 'Invalid id_site');
            if (model.siteRole(me, siteId) !== 'admin') throw new Refusal(403, 'Forbidden');
            const role = await wantedRole(trx, model, item, groupId, siteId);
            if (role === 'remove') {
              const removed = await removeGroupAccess(trx, groupId, { id_site: siteId });
              if (removed) changes.push(removed);
              continue;
            }
            if (!(await groupExists(trx, groupId))) throw new Refusal(500, 'Database error');
            const set = await setGroupAccess(trx, groupId, { id_site: siteId }, role);
            await require2faForGroup(trx, groupId);
            changes.push(set);
            granted.push({
              ...grantJson(set.access),
              id_site_access: set.access.id_service_access,
              site_access_role: set.access.service_role_name,
            });
          }
          return { changes, granted };
        });
        for (const c of changes)
          await publishDatabaseEvent(ctx.deps, 'service_access', c.change, c.object);
        return sendJson(reply, 200, granted);
      }),
  });
}

function accessDelete(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    url: '/api/user/siteaccess',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: "Remove a user group's role on a site (admins of that site)",
    args: { id: int('Site Access ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }) =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined) return sendMissingId(reply, 'Site Access ID to delete');
        const me = caller.account.id;
        const removed = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const access = await accessById(trx, id);
          if (
            !access ||
            access.id_user_group === null ||
            access.id_site === null ||
            access.service_key !== OPENTERA_SERVICE_KEY
          )
            throw new Refusal(400, 'No site access to delete');
          const model = await loadModel(trx);
          if (model.siteRole(me, access.id_site) !== 'admin') throw new Refusal(403, 'Forbidden');
          await deleteAccess(trx, id);
          return {
            id_service_access: id,
            id_user_group: access.id_user_group,
            id_site: access.id_site,
          };
        });
        await publishDatabaseEvent(ctx.deps, 'service_access', 'delete', removed);
        return sendText(reply, 200, '');
      }),
  });
}
