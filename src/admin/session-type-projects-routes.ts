/**
 * Session-type–project links as OpenTera's `UserQuerySessionTypeProjects` serves them, at
 * OpenTera 1.3's `/api/user/sessiontypes/projects` and at `/api/user/sessiontypeprojects`.
 *
 * GET: the links of a project (`id_project`, one the caller may access; `with_session_type`
 * adds its site's other session types, unlinked) or of a session type (`id_session_type`, one
 * the caller may see; only the caller's projects; `with_projects` adds its other projects,
 * unlinked). Names unless `list`; `with_sites` adds the project's site.
 *
 * POST, three forms: `{"session_type": {"id_session_type", "projects": [...]}}` and
 * `{"project": {"id_project", "sessiontypes": [...]}}` make the list the links of that type
 * (among the projects the caller administers) or project; `{"session_type_project": ...}` (one
 * link or a list) adds links. Every link must be in a project the caller administers, with the
 * session type linked to the project's site. Answers the links added. DELETE `?id=` (the link's
 * own id): by an admin of a site of the type; refused (500, as OpenTera) while the project has
 * sessions of that type. Each link added or removed publishes `session_type_project`.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN, JsonText } from '../http/schemas.js';
import {
  deleteTypeProject,
  ensureServiceProject,
  insertTypeProject,
  projectHasSessionsOfType,
  projectsWithSites,
  sessionTypeById,
  sessionTypesAtSites,
  typeAtSite,
  typeProject,
  typeProjectById,
  typeProjectsOfProject,
  typeProjectsOfType,
  type TypeProjectRow,
} from '../store/queries/admin-session-types.js';
import type { Database } from '../store/schema.js';
import {
  accessibleTypeIds,
  SERVICE_CATEGORY,
  byName,
  typesOfProject,
  TypeProjectJson,
} from './session-types-json.js';
import {
  accessOf,
  adminResponses,
  BadRequest,
  bodyObject,
  isInt,
  isObject,
  publishAfterCommit,
  Refused,
  requireId,
} from './sessions-kit.js';

type K = Kysely<Database>;

/** OpenTera 1.3's path, and the path of earlier versions. */
export const TYPE_PROJECT_URLS = [
  '/api/user/sessiontypes/projects',
  '/api/user/sessiontypeprojects',
];

const IN_USE =
  "Can't delete session type from project: please delete all sessions of that type in the " +
  'project before deleting.';

/** A link as listed: linked rows, or an unlinked type or project (the other side null). */
interface Listed {
  id_session_type_project: number | null;
  id_session_type: number | null;
  id_project: number | null;
  session_type_name: string | null;
  project_name: string | null;
  site: { id_site: number; site_name: string } | null;
}

const listed = (l: TypeProjectRow): Listed => ({
  id_session_type_project: l.id_session_type_project,
  id_session_type: l.id_session_type,
  id_project: l.id_project,
  session_type_name: l.session_type_name,
  project_name: l.project_name,
  site: { id_site: l.id_site, site_name: l.site_name },
});

export const sessionTypeProjectRoutes = (ctx: ApiContext): Route[] =>
  TYPE_PROJECT_URLS.flatMap((url) => [
    getRoute(ctx, url),
    postRoute(ctx, url),
    deleteRoute(ctx, url),
  ]);

async function linksOfProject(
  k: K,
  access: UserAccess,
  projectId: number,
  withOthers: boolean,
): Promise<Listed[]> {
  if (!access.projectIds.has(projectId)) return [];
  const links = (await typesOfProject(k, access, projectId)).map(listed);
  if (!withOthers) return links;
  const [project] = await projectsWithSites(k, [projectId]);
  if (!project) return links;
  for (const t of await sessionTypesAtSites(k, [project.id_site]))
    if (!links.some((l) => l.id_session_type === t.id_session_type))
      links.push({
        id_session_type_project: null,
        id_session_type: t.id_session_type,
        id_project: null,
        session_type_name: t.session_type_name,
        project_name: null,
        site: null,
      });
  return links.sort((a, b) => byName(a.session_type_name ?? '', b.session_type_name ?? ''));
}

async function linksOfType(
  k: K,
  access: UserAccess,
  typeId: number,
  withOthers: boolean,
): Promise<Listed[]> {
  if (!(await accessibleTypeIds(k, access)).has(typeId)) return [];
  const links = (await typeProjectsOfType(k, typeId))
    .filter((l) => access.projectIds.has(l.id_project))
    .map(listed);
  if (withOthers) {
    const missing = [...access.projectIds].filter((p) => !links.some((l) => l.id_project === p));
    for (const p of await projectsWithSites(k, missing))
      links.push({
        id_session_type_project: null,
        id_session_type: null,
        id_project: p.id_project,
        session_type_name: null,
        project_name: p.project_name,
        site: { id_site: p.id_site, site_name: p.site_name },
      });
  }
  return links.sort((a, b) => byName(a.project_name ?? '', b.project_name ?? ''));
}

function linkJson(l: Listed, names: boolean, withSites: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id_project: l.id_project,
    id_session_type: l.id_session_type,
    id_session_type_project: l.id_session_type_project,
  };
  if (!names) return out;
  out.session_type_name = l.session_type_name;
  out.project_name = l.project_name;
  if (withSites && l.id_project !== null && l.site) Object.assign(out, l.site);
  return out;
}

function getRoute(ctx: ApiContext, url: string): Route {
  return defineRoute({
    ...userGet(ctx),
    url,
    summary: 'Links between session types and projects, of a project or of a session type',
    description:
      'id_project (with_session_type: also the unlinked session types of its site), else ' +
      'id_session_type (with_projects: also the unlinked projects of the caller). Names unless ' +
      'list; with_sites adds id_site and site_name. No argument: 400.',
    args: {
      id_project: int('Project ID to query associated session types from'),
      id_session_type: int('Session type ID to query associated projects from'),
      with_projects: bool('Used with id_session_type. Also return projects without the type'),
      with_session_type: bool('Used with id_project. Also return types without the project'),
      with_sites: bool('Used with id_session_type. Also return the sites of the projects'),
      list: bool('Flag that limits the returned data to minimal information (ids only)'),
    },
    response: adminResponses({ 200: Type.Array(TypeProjectJson), 400: BadRequest }),
    handle: async ({ reply, caller, args: q }) => {
      if (!Object.values(q).some((v) => Boolean(v)))
        return sendText(reply, 400, 'Missing arguments');
      const k = ctx.deps.db.kysely;
      const access = await accessOf(ctx, caller);
      let links: Listed[] = [];
      if (access && q.id_project)
        links = await linksOfProject(k, access, q.id_project, q.with_session_type === true);
      else if (access && q.id_session_type)
        links = await linksOfType(k, access, q.id_session_type, q.with_projects === true);
      return sendJson(
        reply,
        200,
        links.map((l) => linkJson(l, q.list === undefined, q.with_sites === true)),
      );
    },
  });
}

const LinkPostBody = Type.Union([
  Type.Object({
    session_type: Type.Object({
      id_session_type: Type.Integer(),
      projects: Type.Array(Type.Object({ id_project: Type.Integer() })),
    }),
  }),
  Type.Object({
    project: Type.Object({
      id_project: Type.Integer(),
      sessiontypes: Type.Array(Type.Object({ id_session_type: Type.Integer() })),
    }),
  }),
  Type.Object({
    session_type_project: Type.Union([
      Type.Object({ id_session_type: Type.Integer(), id_project: Type.Integer() }),
      Type.Array(Type.Object({ id_session_type: Type.Integer(), id_project: Type.Integer() })),
    ]),
  }),
]);

const LinkAnswer = Type.Object(
  {
    id_session_type: Type.Integer(),
    id_project: Type.Integer(),
    id_session_type_project: Type.Integer(),
  },
  { additionalProperties: true },
);

type Item = Record<string, unknown> & { id_session_type: number; id_project: number };
type Pending = { change: 'create' | 'delete'; object: Record<string, unknown> };

/** The ids under `key` of a list of objects, or null when it is not one. */
function idsOf(items: unknown, key: string): number[] | null {
  if (!Array.isArray(items)) return null;
  const ids: number[] = [];
  for (const item of items) {
    if (!isObject(item) || !isInt(item[key])) return null;
    ids.push(item[key]);
  }
  return ids;
}

/** Unlinks `links`, refusing when the project still has sessions of the type. */
async function unlink(trx: K, links: TypeProjectRow[], pending: Pending[]): Promise<void> {
  for (const l of links) {
    if (await projectHasSessionsOfType(trx, l.id_project, l.id_session_type))
      throw new Refused(500, IN_USE);
    await deleteTypeProject(trx, l.id_session_type_project);
    pending.push({
      change: 'delete',
      object: { id_session_type_project: l.id_session_type_project },
    });
  }
}

/** The links to add for the posted form (after removing what a list form drops). */
async function postedItems(
  trx: K,
  access: UserAccess,
  body: Record<string, unknown>,
  pending: Pending[],
): Promise<Item[]> {
  if ('session_type' in body) {
    const st = isObject(body.session_type) ? body.session_type : {};
    if (!('id_session_type' in st)) throw new Refused(400, 'Missing id_session_type');
    if (!('projects' in st)) throw new Refused(400, 'Missing projects');
    const typeId = st.id_session_type;
    if (!isInt(typeId) || !(await accessibleTypeIds(trx, access, true)).has(typeId))
      throw new Refused(403, 'Access denied');
    const received = idsOf(st.projects, 'id_project');
    if (!received) throw new Refused(400, 'Badly formatted request');
    const current = await typeProjectsOfType(trx, typeId);
    await unlink(
      trx,
      current.filter(
        (c) => !received.includes(c.id_project) && access.admin.projectIds.has(c.id_project),
      ),
      pending,
    );
    return [...new Set(received)]
      .filter((p) => !current.some((c) => c.id_project === p))
      .map((id_project) => ({ id_session_type: typeId, id_project }));
  }
  if ('project' in body) {
    const p = isObject(body.project) ? body.project : {};
    if (!('id_project' in p)) throw new Refused(400, 'Missing project ID');
    if (!('sessiontypes' in p)) throw new Refused(400, 'Missing session types');
    const projectId = p.id_project;
    if (!isInt(projectId) || access.projectRoles.get(projectId) !== 'admin')
      throw new Refused(403, 'Access denied');
    const received = idsOf(p.sessiontypes, 'id_session_type');
    if (!received) throw new Refused(400, 'Badly formatted request');
    const current = await typeProjectsOfProject(trx, projectId);
    await unlink(
      trx,
      current.filter((c) => !received.includes(c.id_session_type)),
      pending,
    );
    return [...new Set(received)]
      .filter((t) => !current.some((c) => c.id_session_type === t))
      .map((id_session_type) => ({ id_session_type, id_project: projectId }));
  }
  if ('session_type_project' in body) {
    const raw = body.session_type_project;
    const items = Array.isArray(raw) ? raw : [raw];
    return items.map((item) => {
      if (!isObject(item) || !('id_session_type' in item) || !('id_project' in item))
        throw new Refused(400, 'Badly formatted request');
      if (!isInt(item.id_session_type) || !isInt(item.id_project))
        throw new Refused(400, 'Badly formatted request');
      return item as Item;
    });
  }
  throw new Refused(400, 'Unknown format');
}

async function saveLinks(
  trx: K,
  access: UserAccess,
  body: Record<string, unknown>,
  pending: Pending[],
): Promise<Item[]> {
  const items = await postedItems(trx, access, body, pending);
  for (const item of items) {
    if (!access.admin.projectIds.has(item.id_project)) throw new Refused(403, 'Forbidden');
    const [project] = await projectsWithSites(trx, [item.id_project]);
    if (!project || !(await typeAtSite(trx, item.id_session_type, project.id_site)))
      throw new Refused(
        403,
        'At least one session type is not associated to the site of its project',
      );
  }
  const out: Item[] = [];
  for (const item of items) {
    let id = item.id_session_type_project;
    if (!('id_session_type_project' in item))
      id =
        (await typeProject(trx, item.id_session_type, item.id_project))?.id_session_type_project ??
        0;
    if (!isInt(id) || id <= 0) {
      id = await insertTypeProject(trx, item.id_session_type, item.id_project);
      // OpenTera's check_integrity: a service type's service is enabled in the project.
      const type = await sessionTypeById(trx, item.id_session_type);
      if (type?.session_type_category === SERVICE_CATEGORY && type.id_service !== null)
        await ensureServiceProject(trx, type.id_service, item.id_project);
      pending.push({
        change: 'create',
        object: {
          id_session_type_project: id,
          id_session_type: item.id_session_type,
          id_project: item.id_project,
        },
      });
    }
    out.push({ ...item, id_session_type_project: id });
  }
  return out;
}

function postRoute(ctx: ApiContext, url: string): Route {
  return defineRoute({
    method: 'POST',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url,
    summary: 'Set the projects of a session type or the session types of a project, or add links',
    description:
      'session_type {id_session_type, projects}, project {id_project, sessiontypes}, or ' +
      'session_type_project (one link or a list). Answers the links added.',
    body: LinkPostBody,
    response: adminResponses({
      200: Type.Array(LinkAnswer),
      400: JsonText,
      403: JsonText,
      500: JsonText,
    }),
    handle: async ({ request, reply, caller }) => {
      const body = bodyObject(request);
      const access = await accessOf(ctx, caller);
      if (!access) return sendText(reply, 403, 'Forbidden');
      const pending: Pending[] = [];
      let saved: Item[];
      try {
        saved = await ctx.deps.db.kysely
          .transaction()
          .execute((trx) => saveLinks(trx, access, body, pending));
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session type links not saved');
        return sendText(reply, 500, 'Database error');
      }
      for (const p of pending)
        await publishAfterCommit(ctx, request, 'session_type_project', p.change, p.object);
      return sendJson(reply, 200, saved);
    },
  });
}

function deleteRoute(ctx: ApiContext, url: string): Route {
  return defineRoute({
    method: 'DELETE',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url,
    summary: 'Delete a session-type–project link (by the link id)',
    description:
      'By an admin of a site of the session type. Refused with 500, as OpenTera, while the ' +
      'project has sessions of that type.',
    args: { id: int('Specific session-type - project association ID to delete') },
    response: adminResponses({ 200: JsonText, 400: BadRequest, 403: JsonText, 500: JsonText }),
    handle: async ({ request, reply, caller, args }) => {
      if (!requireId(reply, args.id)) return reply;
      const id = args.id;
      const access = await accessOf(ctx, caller);
      try {
        await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const link = await typeProjectById(trx, id);
          if (!link) throw new Refused(400, 'Not found');
          if (!access || !(await accessibleTypeIds(trx, access, true)).has(link.id_session_type))
            throw new Refused(403, 'Access denied');
          await unlink(trx, [link], []);
        });
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session type link not deleted');
        return sendText(reply, 500, 'Database error');
      }
      await publishAfterCommit(ctx, request, 'session_type_project', 'delete', {
        id_session_type_project: id,
      });
      return sendText(reply, 200, '');
    },
  });
}
