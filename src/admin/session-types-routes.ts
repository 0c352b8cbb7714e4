/**
 * `/api/user/sessiontypes` as OpenTera's `UserQuerySessionTypes` serves it.
 *
 * GET: one session type (`id_session_type`: to a superadmin, or to a user with at least one
 * project), the types of a project (`id_project`, those the caller may see), of a site
 * (`id_site`, 403 when the caller has no access to it), or every type the caller may see;
 * `list` for the minimal form.
 *
 * POST `{"session_type": {...}}`: `id_session_type` 0 creates (with `session_type_sites`
 * unless the caller is a superadmin); updating needs admin access to a site of the type. A
 * service type needs an accessible `id_service`. Sites and projects in the lists must be
 * administered by the caller; on update the lists add what is missing and unlink the caller's
 * administered sites and projects that are absent. `session_type_services` (secondary
 * services) is not stored. DELETE `?id=`: by an admin of every project of the type (or of some
 * project when it has none), refused (500, as OpenTera) while sessions of the type exist;
 * soft-deletes the type and drops its links. Writes publish `session_type`, and
 * `session_type_site` / `session_type_project` for each link added or removed.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { ArgsErrorBody, BASIC_OR_TOKEN, JsonText } from '../http/schemas.js';
import {
  allSessionTypes,
  deleteTypeProject,
  deleteTypeSite,
  ensureServiceSite,
  insertSessionType,
  insertTypeProject,
  insertTypeSite,
  projectsWithSites,
  serviceAtSite,
  sessionTypeById,
  sessionTypesAtSites,
  sitesOfType,
  softDeleteSessionType,
  typeHasSessions,
  typeProjectsOfType,
  updateSessionType,
  type SessionTypeRow,
  type SessionTypeValues,
} from '../store/queries/admin-session-types.js';
import type { Database } from '../store/schema.js';
import { linkIds, sessionTypeColumns } from './session-types-body.js';
import {
  accessibleServiceIds,
  accessibleTypeIds,
  SERVICE_CATEGORY,
  sessionTypeJson,
  SessionTypeJson,
  SessionTypePostBody,
  typesOfProject,
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
const URL = '/api/user/sessiontypes';

/** A DatabaseEvent to publish once the transaction committed. */
interface Pending {
  model: string;
  change: 'create' | 'update' | 'delete';
  object: Record<string, unknown>;
}

export const sessionTypeRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: URL,
    summary: 'Session types the caller may see, of a project or of a site, or one',
    description:
      'id_session_type, else id_project, else id_site (403 without access to the site), else ' +
      'every session type the caller may see. list: minimal fields.',
    args: {
      id_session_type: int('ID of the session type to query'),
      id_project: int('ID of the project to get session type for'),
      id_site: int('ID of the site to get session types for'),
      list: bool('Flag that limits the returned data to minimal information'),
    },
    response: adminResponses({
      200: Type.Array(SessionTypeJson),
      400: ArgsErrorBody,
      403: JsonText,
    }),
    handle: async ({ reply, caller, args: q }) => {
      const k = ctx.deps.db.kysely;
      const access = await accessOf(ctx, caller);
      if (!access) return sendJson(reply, 200, []);
      let types: SessionTypeRow[];
      if (q.id_session_type) {
        const type = await sessionTypeById(k, q.id_session_type);
        // OpenTera's query joins the caller's projects without a condition: any project will do.
        types = type && (access.superadmin || access.projectIds.size > 0) ? [type] : [];
      } else if (q.id_project) {
        const links = await typesOfProject(k, access, q.id_project);
        const all = new Map((await allSessionTypes(k)).map((t) => [t.id_session_type, t]));
        types = links.flatMap((link) => all.get(link.id_session_type) ?? []);
      } else if (q.id_site) {
        if (!access.siteIds.has(q.id_site)) return sendText(reply, 403, 'Forbidden');
        types = await sessionTypesAtSites(k, [q.id_site]);
      } else if (access.superadmin) {
        types = await allSessionTypes(k);
      } else {
        types = await sessionTypesAtSites(k, [...access.siteIds]);
      }
      return sendJson(
        reply,
        200,
        types.map((t) => sessionTypeJson(t, q.list !== undefined)),
      );
    },
  });
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url: URL,
    summary:
      'Create (id_session_type 0) or update a session type, and link it to sites and projects',
    description:
      'Creating needs session_type_sites (except for a superadmin). A service type (category ' +
      '1) needs an id_service the caller may use. The caller must administer every listed ' +
      'site and project. Answers the session type in a list. session_type_services is not stored.',
    body: SessionTypePostBody,
    response: adminResponses({
      200: Type.Array(SessionTypeJson),
      400: JsonText,
      403: JsonText,
      500: JsonText,
    }),
    handle: async ({ request, reply, caller }) => {
      const body = bodyObject(request);
      if (!('session_type' in body)) return sendText(reply, 400, 'Missing session_type');
      const st = body.session_type;
      if (!isObject(st) || !('id_session_type' in st))
        return sendText(reply, 400, 'Missing id_session_type');
      const id = st.id_session_type;
      if (!isInt(id)) return sendText(reply, 400, 'Invalid value for id_session_type');
      const access = await accessOf(ctx, caller);
      if (!access) return sendText(reply, 403, 'Forbidden');
      const pending: Pending[] = [];
      let saved: number;
      try {
        saved = await ctx.deps.db.kysely
          .transaction()
          .execute((trx) => saveSessionType(trx, access, id, st, pending));
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session type not saved');
        return sendText(reply, 500, 'Database error');
      }
      const type = (await sessionTypeById(ctx.deps.db.kysely, saved))!;
      await publishAfterCommit(
        ctx,
        request,
        'session_type',
        id > 0 ? 'update' : 'create',
        sessionTypeJson(type, true),
      );
      for (const p of pending) await publishAfterCommit(ctx, request, p.model, p.change, p.object);
      return sendJson(reply, 200, [sessionTypeJson(type, false)]);
    },
  });
}

/** OpenTera's checks and writes, in its order; throws Refused. Returns the type's id. */
async function saveSessionType(
  trx: K,
  access: UserAccess,
  id: number,
  st: Record<string, unknown>,
  pending: Pending[],
): Promise<number> {
  if (id > 0) {
    if (!(await accessibleTypeIds(trx, access, true)).has(id)) throw new Refused(403, 'Forbidden');
  } else if (!('session_type_sites' in st) && !access.superadmin) {
    throw new Refused(400, 'Missing site(s) to associate that session type to');
  }
  const columns = sessionTypeColumns(st, id > 0);
  if (!columns.ok && columns.status === 400) throw new Refused(400, columns.text);
  let category = 'session_type_category' in st ? (st.session_type_category as number) : undefined;
  const existing = id > 0 && category === undefined ? await sessionTypeById(trx, id) : undefined;
  category ??= existing?.session_type_category;
  let serviceId: unknown = null;
  if (category === SERVICE_CATEGORY) {
    serviceId = 'id_service' in st ? st.id_service : existing?.id_service;
    if (!serviceId) throw new Refused(400, 'Missing id_service for session type of type service');
    if (!(await accessibleServiceIds(trx, access)).has(serviceId as number))
      throw new Refused(403, 'Forbidden');
  }
  const sites = linkIds(st, 'session_type_sites', 'id_site');
  if (!sites.ok) throw new Refused(sites.status, sites.text);
  const adminSites = access.admin.siteIds;
  if (sites.value) {
    if (sites.value.some((s) => !adminSites.has(s)))
      throw new Refused(403, 'No site admin access for at least one site in the list');
    const serviceGiven =
      'session_type_category' in st && 'id_service' in st && category === SERVICE_CATEGORY;
    if (!access.superadmin && serviceGiven)
      for (const site of sites.value)
        if (!(await serviceAtSite(trx, serviceId as number, site)))
          throw new Refused(
            403,
            "At least one site isn't associated with the service of that session type",
          );
  }
  const projects = linkIds(st, 'session_type_projects', 'id_project');
  if (!projects.ok) throw new Refused(projects.status, projects.text);
  const adminProjects = access.admin.projectIds;
  if (projects.value?.some((p) => !adminProjects.has(p)))
    throw new Refused(403, 'No project admin access for at a least one project in the list');
  if (!columns.ok) throw new Refused(columns.status, columns.text);

  const typeId = await writeType(trx, id, columns.value);
  if (sites.value) {
    await linkSites(trx, typeId, id <= 0, sites.value, adminSites, pending);
    // OpenTera's check_integrity: a service type's service is enabled on each of its sites.
    const saved = await sessionTypeById(trx, typeId);
    if (saved?.session_type_category === SERVICE_CATEGORY && saved.id_service !== null)
      for (const site of await sitesOfType(trx, typeId))
        await ensureServiceSite(trx, saved.id_service, site.id_site);
  }
  if (projects.value)
    await linkProjects(trx, typeId, id <= 0, !sites.value, projects.value, adminProjects, pending);
  return typeId;
}

async function writeType(trx: K, id: number, values: SessionTypeValues): Promise<number> {
  if (id > 0) {
    await updateSessionType(trx, id, values);
    return id;
  }
  const { session_type_name, session_type_online, session_type_color, session_type_category } =
    values;
  if (
    session_type_name === undefined ||
    session_type_online === undefined ||
    session_type_color === undefined ||
    session_type_category === undefined
  )
    throw new Error('a required session type column is missing');
  return insertSessionType(trx, {
    ...values,
    session_type_name,
    session_type_online,
    session_type_color,
    session_type_category,
  });
}

/** Adds the missing site links; on update, unlinks administered sites absent from `wanted`. */
async function linkSites(
  trx: K,
  typeId: number,
  created: boolean,
  wanted: number[],
  adminSites: ReadonlySet<number>,
  pending: Pending[],
): Promise<void> {
  const current = created ? [] : await sitesOfType(trx, typeId);
  for (const site of new Set(wanted)) {
    if (current.some((c) => c.id_site === site)) continue;
    const link = await insertTypeSite(trx, typeId, site);
    pending.push({
      model: 'session_type_site',
      change: 'create',
      object: { id_session_type_site: link, id_session_type: typeId, id_site: site },
    });
  }
  for (const c of current)
    if (adminSites.has(c.id_site) && !wanted.includes(c.id_site)) {
      await deleteTypeSite(trx, c.id_session_type_site);
      pending.push({
        model: 'session_type_site',
        change: 'delete',
        object: { id_session_type_site: c.id_session_type_site },
      });
    }
}

/**
 * Adds the missing project links (on update without a site list, each project's site must be
 * one of the type's); on update, unlinks administered projects absent from `wanted`.
 */
async function linkProjects(
  trx: K,
  typeId: number,
  created: boolean,
  checkSites: boolean,
  wanted: number[],
  adminProjects: ReadonlySet<number>,
  pending: Pending[],
): Promise<void> {
  const current = created ? [] : await typeProjectsOfType(trx, typeId);
  const toAdd = [...new Set(wanted)].filter((p) => !current.some((c) => c.id_project === p));
  if (!created && checkSites) {
    const typeSites = new Set((await sitesOfType(trx, typeId)).map((s) => s.id_site));
    for (const project of await projectsWithSites(trx, toAdd))
      if (!typeSites.has(project.id_site))
        throw new Refused(400, 'Session type not associated to project site');
  }
  for (const project of toAdd) {
    const link = await insertTypeProject(trx, typeId, project);
    pending.push({
      model: 'session_type_project',
      change: 'create',
      object: { id_session_type_project: link, id_session_type: typeId, id_project: project },
    });
  }
  for (const c of current)
    if (adminProjects.has(c.id_project) && !wanted.includes(c.id_project)) {
      await deleteTypeProject(trx, c.id_session_type_project);
      pending.push({
        model: 'session_type_project',
        change: 'delete',
        object: { id_session_type_project: c.id_session_type_project },
      });
    }
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url: URL,
    summary: 'Delete a session type (soft delete)',
    description:
      'By an admin of every project the type is linked to (of at least one project when it ' +
      'has none). Refused with 500, as OpenTera, while sessions of that type exist.',
    args: { id: int('Session type ID to delete') },
    response: adminResponses({ 200: JsonText, 400: BadRequest, 403: JsonText, 500: JsonText }),
    handle: async ({ request, reply, caller, args }) => {
      if (!requireId(reply, args.id)) return reply;
      const id = args.id;
      const access = await accessOf(ctx, caller);
      let deleted: SessionTypeRow;
      try {
        deleted = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const type = await sessionTypeById(trx, id);
          if (!type) throw new Refused(400, 'Not found');
          const links = await typeProjectsOfType(trx, id);
          if (links.length > 0) {
            if (links.some((l) => access?.projectRoles.get(l.id_project) !== 'admin'))
              throw new Refused(403, 'Cannot delete because you are not admin in all projects.');
          } else if (!access || access.admin.projectIds.size === 0) {
            throw new Refused(403, 'Unable to delete - not admin in at least one project');
          }
          if (await typeHasSessions(trx, id))
            throw new Refused(
              500,
              "Can't delete session type: please delete all sessions with that type before deleting.",
            );
          await softDeleteSessionType(trx, id, new Date().toISOString());
          return type;
        });
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session type not deleted');
        return sendText(reply, 500, 'Database error');
      }
      await publishAfterCommit(ctx, request, 'session_type', 'delete', {
        id_session_type: deleted.id_session_type,
        id_service: deleted.id_service,
      });
      return sendText(reply, 200, '');
    },
  });
}
