/**
 * `/api/user/projects`, as OpenTera's UserQueryProjects: GET lists the projects the caller
 * reaches (or those of one project id, site, service, name, or another user), each with
 * `project_role`, or with `list` their minimal fields and participant counts; POST creates a
 * project (admins of its site) or updates one the caller administers, `sessiontypes` replacing
 * its session types (each one the caller reaches and linked to the project's site); DELETE
 * (admins of its site) soft-deletes a project with its participant groups and participants,
 * refused with 500 while one of those participants is held by a session.
 */
import type { Kysely } from 'kysely';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int, str } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import type { ProjectRow } from '../store/queries/admin-access.js';
import {
  changeProjectSessionTypes,
  insertProject,
  participantsWithSessions,
  projectById,
  projectCounts,
  projectIdsNamed,
  projectIdsOfService,
  sessionTypeIdsOfProject,
  sessionTypesOfSites,
  softDeleteProjects,
  updateProject,
  type ProjectFields,
  type ProjectWithSite,
} from '../store/queries/admin-sites.js';
import type { Database } from '../store/schema.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel } from './sites-access-model.js';
import { publishCascade } from './sites-events.js';
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
  ProjectItem,
  ProjectPostBody,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

type K = Kysely<Database>;

const PROJECT_ARGS = {
  id_project: int('ID of the project to query'),
  id: int('Alias for "id_project"'),
  id_site: int('ID of the site from which to get all projects'),
  id_service: int('ID of the service from which to get all projects'),
  user_uuid: str('User UUID from which to get all projects that are accessible'),
  name: str('Project to query by name'),
  list: bool('Flag that limits the returned data to minimal information'),
  enabled: bool('Only enabled (true) or disabled (false) projects'),
};

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const CANT_DELETE =
  "Can't delete project: please delete all participants with sessions before deleting.";

/** A project's own columns (OpenTera's minimal project JSON). */
export const projectJson = (p: ProjectRow) => ({
  id_project: p.id_project,
  id_site: p.id_site,
  project_name: p.project_name,
  project_enabled: p.project_enabled,
  project_description: p.project_description,
});

/** A project's full JSON: its columns and its site's name. */
export const projectFullJson = (p: ProjectWithSite) => ({
  ...projectJson(p),
  site_name: p.site_name,
});

export const projectsRoutes = (ctx: ApiContext): Route[] => [
  projectsGet(ctx),
  projectsPost(ctx),
  projectsDelete(ctx),
];

function projectsGet(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/projects',
    summary: 'Projects the caller reaches, with its role on each',
    description:
      'One of id_project/id, user_uuid (the projects that user reaches, with its role), ' +
      'id_service (the projects where that service is enabled, of id_site if given), id_site ' +
      'or name; without one, every project the caller reaches. `enabled` filters, `list` gives ' +
      'the minimal fields with participant group and participant counts.',
    args: PROJECT_ARGS,
    response: getResponses(ProjectItem),
    handle: async ({ reply, caller, args }) => {
      const k = ctx.deps.db.kysely;
      const model = await loadModel(k);
      const me = caller.account.id;
      const idProject = args.id || args.id_project;
      let roleOf = me;
      let ids: number[] = [];
      const mine = () => model.accessibleProjectIds(me);
      if (idProject) {
        if (mine().includes(idProject)) ids = [idProject];
      } else if (args.user_uuid) {
        const queried = [...model.users.values()].find((u) => u.user_uuid === args.user_uuid);
        if (queried) {
          ids = model.accessibleProjectIds(queried.id_user);
          roleOf = queried.id_user;
        }
      } else if (args.id_service) {
        // The projects where the service is enabled, among the caller's (of one site if given).
        const enabled = new Set(await projectIdsOfService(k, args.id_service));
        ids = mine()
          .filter((id) => enabled.has(id))
          .filter((id) => !args.id_site || model.projects.get(id)?.id_site === args.id_site)
          .sort((a, b) =>
            byName(model.projects.get(a)!.project_name, model.projects.get(b)!.project_name),
          );
      } else if (args.id_site) {
        ids = mine().filter((id) => model.projects.get(id)?.id_site === args.id_site);
      } else if (args.name) {
        const first = (await projectIdsNamed(k, args.name))[0];
        if (first !== undefined && mine().includes(first)) ids = [first];
      } else {
        ids = mine();
      }
      let projects = ids.flatMap((id) => model.projects.get(id) ?? []);
      if (args.enabled !== undefined)
        projects = projects.filter((p) => p.project_enabled === args.enabled);
      if (args.list) {
        const counts = await projectCounts(
          k,
          projects.map((p) => p.id_project),
        );
        return sendJson(
          reply,
          200,
          projects.map((p) => ({
            ...projectJson(p),
            project_participant_group_count: counts.get(p.id_project)!.groups,
            project_participant_count: counts.get(p.id_project)!.participants,
          })),
        );
      }
      return sendJson(
        reply,
        200,
        projects.map((p) => ({
          ...projectJson(p),
          site_name: model.sites.get(p.id_site)!.site_name,
          project_role: model.projectRole(roleOf, p.id_project),
        })),
      );
    },
  });
}

/** The project columns given in a POSTed project; a wrong type is refused with 400. */
function projectFields(project: JsonObject): ProjectFields {
  const fields: ProjectFields = {};
  if ('id_site' in project) {
    const id = toInt(project.id_site);
    if (id === null) throw new Refusal(400, 'Invalid id_site');
    fields.id_site = id;
  }
  if ('project_name' in project) {
    if (typeof project.project_name !== 'string') throw new Refusal(400, 'Invalid project_name');
    fields.project_name = project.project_name;
  }
  if ('project_enabled' in project) {
    if (typeof project.project_enabled !== 'boolean')
      throw new Refusal(400, 'Invalid project_enabled');
    fields.project_enabled = project.project_enabled;
  }
  if ('project_description' in project) {
    const d = project.project_description;
    if (d !== null && typeof d !== 'string') throw new Refusal(400, 'Invalid project_description');
    fields.project_description = d;
  }
  return fields;
}

/** The session type ids of a POSTed `sessiontypes`, or undefined when absent. */
function sessionTypeIds(project: JsonObject): number[] | undefined {
  if (!('sessiontypes' in project)) return undefined;
  const list = project.sessiontypes;
  if (!Array.isArray(list)) throw new Refusal(400, 'Invalid sessiontypes');
  return list.map((st: unknown) => {
    const id = isObject(st) ? toInt(st.id_session_type) : null;
    if (id === null) throw new Refusal(400, 'Invalid sessiontypes');
    return id;
  });
}

/** Refuses session types the caller does not reach or that the project's site lacks. */
async function checkSessionTypes(
  k: K,
  model: AccessModel,
  me: number,
  ids: readonly number[],
  siteId: number,
): Promise<void> {
  const wanted = [...new Set(ids)];
  const reachable = await sessionTypesOfSites(
    k,
    wanted,
    model.isSuperadmin(me) ? null : model.accessibleSiteIds(me, true),
  );
  if (reachable.length < wanted.length) throw new Refusal(403, 'No access to a session type');
  const ofSite = await sessionTypesOfSites(k, wanted, [siteId]);
  if (ofSite.length < wanted.length)
    throw new Refusal(403, 'At least one session type is not associated to the project site');
}

interface Saved {
  id: number;
  created: boolean;
  links: Awaited<ReturnType<typeof changeProjectSessionTypes>>;
}

function projectsPost(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/projects',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary:
      'Create a project (admins of its site; id_project 0) or update one the caller administers',
    body: ProjectPostBody,
    response: postResponses(ProjectItem),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const project = bodyField(request, 'project');
        if (!isObject(project)) return sendText(reply, 400, 'Missing project');
        if (!('id_project' in project)) return sendText(reply, 400, 'Missing id_project');
        const id = toInt(project.id_project);
        if (id === null) return sendText(reply, 400, 'Invalid id_project');
        if (id <= 0 && !('id_site' in project)) return sendText(reply, 400, 'Missing id_site');
        const fields = projectFields(project);
        const sessionTypes = sessionTypeIds(project);
        const me = caller.account.id;
        const saved = await ctx.deps.db.kysely
          .transaction()
          .execute(async (trx): Promise<Saved> => {
            const model = await loadModel(trx);
            const adminSites = model.accessibleSiteIds(me, true);
            const current = id > 0 ? model.projects.get(id) : undefined;
            if (id <= 0 && !adminSites.includes(fields.id_site!))
              throw new Refusal(403, 'Forbidden');
            if (id > 0 && (!current || !model.accessibleProjectIds(me, true).includes(id)))
              throw new Refusal(403, 'Forbidden');
            if (
              current &&
              fields.id_site !== undefined &&
              fields.id_site !== current.id_site &&
              !adminSites.includes(fields.id_site)
            )
              throw new Refusal(403, 'Forbidden');
            const siteId = fields.id_site ?? current!.id_site;
            if (sessionTypes) await checkSessionTypes(trx, model, me, sessionTypes, siteId);
            let projectId = id;
            if (current) await updateProject(trx, id, fields);
            else {
              if (!fields.project_name) throw new Refusal(500, 'Database error');
              projectId = await insertProject(trx, {
                ...fields,
                id_site: siteId,
                project_name: fields.project_name,
              });
            }
            let links: Saved['links'] = { added: [], removed: [] };
            if (sessionTypes) {
              const now = await sessionTypeIdsOfProject(trx, projectId);
              const wanted = new Set(sessionTypes);
              links = await changeProjectSessionTypes(
                trx,
                projectId,
                [...wanted].filter((st) => !now.includes(st)),
                now.filter((st) => !wanted.has(st)),
              );
            }
            return { id: projectId, created: !current, links };
          });
        const row = await projectById(ctx.deps.db.kysely, saved.id);
        if (!row) return sendText(reply, 500, 'Database error');
        await publishDatabaseEvent(
          ctx.deps,
          'project',
          saved.created ? 'create' : 'update',
          projectJson(row),
        );
        for (const [change, list] of [
          ['create', saved.links.added],
          ['delete', saved.links.removed],
        ] as const)
          for (const link of list)
            await publishDatabaseEvent(ctx.deps, 'session_type_project', change, {
              ...link,
              id_project: saved.id,
            });
        return sendJson(reply, 200, [projectFullJson(row)]);
      }),
  });
}

function projectsDelete(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    url: '/api/user/projects',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Delete a project with its participant groups and participants (admins of its site)',
    description: 'Refused (500) while a session holds one of its participants.',
    args: { id: int('Project ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }) =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined) return sendMissingId(reply, 'Project ID to delete');
        const me = caller.account.id;
        const cascade = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          const project = model.projects.get(id);
          if (!project || model.siteRole(me, project.id_site) !== 'admin')
            throw new Refusal(403, 'Forbidden');
          if ((await participantsWithSessions(trx, [id])) > 0) throw new Refusal(500, CANT_DELETE);
          return softDeleteProjects(trx, [id], new Date().toISOString());
        });
        await publishCascade(ctx.deps, cascade);
        return sendText(reply, 200, '');
      }),
  });
}
