/**
 * `/api/user/projectaccess`, as OpenTera's UserQueryProjectAccess: GET gives the project roles
 * of a user or a user group (on the projects the caller reaches), or the roles of the user
 * groups on a project; `by_users` gives them per member, `with_empty` adds what has no role,
 * `admins` keeps admin roles only (per member, OpenTera keeps every role), `with_sites` adds
 * each project's site. POST sets, changes or (empty role, `id_service_role` 0) removes user
 * groups' OpenTera roles on projects the caller administers; DELETE removes one grant. Writes
 * publish `service_access`.
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
  roleById,
  type RoleRow,
} from '../store/queries/admin-access.js';
import { OPENTERA_SERVICE_KEY } from '../store/queries/user-access.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel, RoleEntry } from './sites-access-model.js';
import { groupProjectAccess, projectColumns, projectRoleFields } from './sites-access-json.js';
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
  ProjectAccessItem,
  ProjectAccessPostBody,
  ProjectGrantItem,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

const ACCESS_ARGS = {
  id_user: int('ID of the user from which to request all projects roles'),
  id_user_group: int('ID of the user group from which to request all projects roles'),
  id_project: int('ID of the project from which to request all users groups roles'),
  admins: bool(
    'Flag to limit to projects from which the user is an admin or users in project that have ' +
      'the admin role',
  ),
  with_sites: bool('Include sites information for each project.'),
  by_users: bool('If specified, returns roles by users instead of by user groups'),
  with_empty: bool(
    "Used with id_user_group. Also return projects that don't have any access with that user " +
      "group. Used with id_project. also return user groups that don't have any access to the " +
      'project',
  ),
};

export const projectAccessRoutes = (ctx: ApiContext): Route[] => [
  accessGet(ctx),
  accessPost(ctx),
  accessDelete(ctx),
];

interface Found {
  kind: 'projects' | 'groups';
  roles: Map<number, RoleEntry | null>;
}

type Args = {
  id_user?: number;
  id_user_group?: number;
  id_project?: number;
  admins?: boolean;
  with_empty?: boolean;
};

/** The roles asked for (the last of id_user, id_user_group, id_project wins), or null. */
function find(model: AccessModel, me: number, args: Args): Found | null {
  const adminOnly = args.admins === true;
  let found: Found | null = null;
  if (args.id_user && model.accessibleUserIds(me).includes(args.id_user)) {
    const reached = new Set(model.accessibleProjectIds(me, adminOnly));
    const roles = new Map<number, RoleEntry | null>();
    for (const [id, entry] of model.userProjectRoles(args.id_user))
      if (reached.has(id) && (!adminOnly || entry.role === 'admin')) roles.set(id, entry);
    found = { kind: 'projects', roles };
  }
  if (args.id_user_group && model.accessibleGroupIds(me).includes(args.id_user_group)) {
    const roles = new Map<number, RoleEntry | null>(
      groupProjectAccess(model, me, args.id_user_group, adminOnly),
    );
    if (args.with_empty)
      for (const id of model.accessibleProjectIds(me, adminOnly))
        if (!roles.has(id)) roles.set(id, null);
    found = { kind: 'projects', roles };
  }
  if (args.id_project) {
    const roles = new Map<number, RoleEntry | null>();
    for (const groupId of model.accessibleGroupIds(me, adminOnly)) {
      const entry = model.groupProjectRoles(groupId).get(args.id_project);
      if (entry && (!adminOnly || entry.role === 'admin')) roles.set(groupId, entry);
      else if (args.with_empty) roles.set(groupId, null);
    }
    found = { kind: 'groups', roles };
  }
  return found;
}

function siteOf(model: AccessModel, projectId: number | undefined) {
  const project = projectId === undefined ? undefined : model.projects.get(projectId);
  if (!project) return {};
  return { id_site: project.id_site, site_name: model.sites.get(project.id_site)!.site_name };
}

function accessGet(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/projectaccess',
    summary: 'Project roles of a user or user group, or of the user groups on a project',
    description: 'At least one argument is required (400 "Missing arguments").',
    args: ACCESS_ARGS,
    response: getResponses(ProjectAccessItem),
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
            ...(found.kind === 'projects'
              ? projectColumns(model.projects.get(id)!)
              : { id_user_group: id, user_group_name: model.groups.get(id)!.user_group_name }),
            ...(args.with_sites
              ? siteOf(model, found.kind === 'projects' ? id : args.id_project)
              : {}),
            ...projectRoleFields(entry ?? undefined),
          })),
        );
      }
      let users: number[] = [];
      let projects: number[] = [];
      if (args.id_project && found.kind === 'groups') {
        for (const groupId of found.roles.keys())
          users.push(...model.groupMemberships(groupId, me).map((m) => m.id_user));
        projects = model.projects.has(args.id_project) ? [args.id_project] : [];
      }
      if (args.id_user_group) {
        users = model.groupMemberships(args.id_user_group, me).map((m) => m.id_user);
        projects = found.kind === 'projects' ? [...found.roles.keys()] : [];
      }
      const reached = new Set(model.accessibleUserIds(me));
      const out: Record<string, unknown>[] = [];
      for (const userId of new Set(users))
        for (const projectId of projects) {
          const role = reached.has(userId)
            ? model.userProjectRoles(userId).get(projectId)
            : undefined;
          out.push({
            id_user: userId,
            id_project: projectId,
            user_name: model.fullName(userId),
            project_access_role: role?.role ?? null,
            project_access_inherited: role?.inherited ?? null,
            ...(args.with_sites ? siteOf(model, projectId) : {}),
          });
        }
      return sendJson(reply, 200, out);
    },
  });
}

/** The role an item asks for: a role, `remove`, or a refusal. */
async function wantedRole(
  trx: Parameters<typeof openTeraScopedRole>[0],
  item: JsonObject,
  projectId: number,
): Promise<RoleRow | 'remove'> {
  let role: RoleRow | undefined;
  if ('project_access_role' in item) {
    const name = item.project_access_role;
    if (name === '') return 'remove';
    if (typeof name === 'string')
      role = await openTeraScopedRole(trx, { id_project: projectId }, name);
  }
  if ('id_service_role' in item) {
    const id = toInt(item.id_service_role);
    if (id === 0) return 'remove';
    const byId = id === null ? undefined : await roleById(trx, id);
    role =
      byId && byId.service_key === OPENTERA_SERVICE_KEY && byId.id_project === projectId
        ? byId
        : undefined;
  }
  if (!role) throw new Refusal(400, 'Invalid role name or id for that project');
  return role;
}

function accessPost(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/projectaccess',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: "Set or remove user groups' roles on projects the caller administers",
    body: ProjectAccessPostBody,
    response: postResponses(ProjectGrantItem),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const given = bodyField(request, 'project_access');
        if (given === undefined) return sendText(reply, 400, 'Missing project_access');
        const items = objectList(given);
        if (!items) return sendText(reply, 400, 'Invalid project_access');
        const me = caller.account.id;
        const { changes, granted } = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          const changes: GrantChange[] = [];
          const granted: Record<string, unknown>[] = [];
          for (const item of items) {
            if (!('id_user_group' in item)) throw new Refusal(400, 'Missing id_user_group');
            if (!('id_project' in item)) throw new Refusal(400, 'Missing id_project');
            if (
              !('project_access_role' in item) &&
              !('id_project_role' in item) &&
              !('id_service_role' in item)
            )
              throw new Refusal(400, 'Missing role name or id');
            const groupId = toInt(item.id_user_group);
            const projectId = toInt(item.id_project);
            if (groupId === null) throw new Refusal(400, 'Invalid id_user_group');
            if (projectId === null) throw new Refusal(400, 'Invalid id_project');
            if (model.projectRole(me, projectId) !== 'admin') throw new Refusal(403, 'Forbidden');
            const role = await wantedRole(trx, item, projectId);
            if (role === 'remove') {
              const removed = await removeGroupAccess(trx, groupId, { id_project: projectId });
              if (removed) changes.push(removed);
              continue;
            }
            if (!(await groupExists(trx, groupId))) throw new Refusal(500, 'Database error');
            const set = await setGroupAccess(trx, groupId, { id_project: projectId }, role);
            changes.push(set);
            granted.push({
              ...grantJson(set.access),
              id_project_access: set.access.id_service_access,
              project_access_role: set.access.service_role_name,
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
    url: '/api/user/projectaccess',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: "Remove a user group's role on a project (admins of that project)",
    args: { id: int('Project Access ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }) =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined) return sendMissingId(reply, 'Project Access ID to delete');
        const me = caller.account.id;
        const removed = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const access = await accessById(trx, id);
          if (
            !access ||
            access.id_user_group === null ||
            access.id_project === null ||
            access.service_key !== OPENTERA_SERVICE_KEY
          )
            throw new Refusal(400, 'No project access to delete.');
          const model = await loadModel(trx);
          if (model.projectRole(me, access.id_project) !== 'admin')
            throw new Refusal(403, 'Forbidden');
          await deleteAccess(trx, id);
          return {
            id_service_access: id,
            id_user_group: access.id_user_group,
            id_project: access.id_project,
          };
        });
        await publishDatabaseEvent(ctx.deps, 'service_access', 'delete', removed);
        return sendText(reply, 200, '');
      }),
  });
}
