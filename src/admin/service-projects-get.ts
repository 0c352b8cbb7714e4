/**
 * GET /api/user/services/projects: the service-project links of one project the caller
 * reaches (`id_project`: links of services it reaches; `with_services` adds its site's other
 * services, unlinked), or of one service it reaches (`id_service`: links to projects it
 * reaches; `with_projects` adds its other projects, unlinked). Unlinked entries carry null
 * ids. Without `list`, names are added; `with_sites` adds the project's site, `with_roles`
 * the service's roles. No argument at all: 400.
 */
import { userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import {
  projectRow,
  projectsByIds,
  serviceProjectLinks,
  serviceRoles,
  serviceSiteLinks,
} from '../store/queries/admin-services.js';
import { accessibleServiceIds, byKey } from './services-access.js';
import { listAnswers, ServiceProjectItem } from './services-schemas.js';
import { rolesJson, type LinkEntry } from './service-links.js';

const ARGS = {
  id_project: int('Project whose services are listed'),
  id_service: int('Service whose projects are listed'),
  list: bool('Ids only'),
  with_projects: bool('With id_service: also the projects not linked to it'),
  with_services: bool("With id_project: also its site's services not linked to it"),
  with_roles: bool("Add each service's roles"),
  with_sites: bool("Add each project's site"),
};

interface Entry extends LinkEntry {
  id_service_project: number | null;
  id_project: number | null;
  project_name: string | null;
  id_site: number | null;
  site_name: string | null;
}

export function serviceProjectsGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/services/projects',
    summary: 'Services enabled per project',
    description: 'One of id_project or id_service (id_project wins).',
    args: ARGS,
    response: listAnswers(ServiceProjectItem),
    handle: async ({ reply, caller, args: q }) => {
      if (!Object.values(q).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendJson(reply, 200, []);
      const k = ctx.deps.db.kysely;
      const reached = await accessibleServiceIds(k, access);
      let entries: Entry[] = [];
      if (q.id_project) {
        const project = access.projectIds.has(q.id_project)
          ? await projectRow(k, q.id_project)
          : undefined;
        if (project) {
          entries = (await serviceProjectLinks(k, { id_project: project.id_project }))
            .filter((l) => reached.has(l.id_service))
            .map((l) => ({ ...l }));
          if (q.with_services) {
            const linked = new Set(entries.map((e) => e.id_service));
            const siteServices = await serviceSiteLinks(k, { id_site: project.id_site });
            for (const s of siteServices)
              if (!linked.has(s.id_service))
                entries.push({
                  ...unlinked(),
                  id_service: s.id_service,
                  service_name: s.service_name,
                  service_key: s.service_key,
                  service_system: s.service_system,
                });
          }
          byKey(entries, (e) => e.service_name);
        }
      } else if (q.id_service && reached.has(q.id_service)) {
        entries = (await serviceProjectLinks(k, { id_service: q.id_service }))
          .filter((l) => access.projectIds.has(l.id_project))
          .map((l) => ({ ...l }));
        if (q.with_projects) {
          const linked = new Set(entries.map((e) => e.id_project));
          const others = await projectsByIds(
            k,
            [...access.projectIds].filter((p) => !linked.has(p)),
          );
          for (const p of others) entries.push({ ...unlinked(), ...p });
        }
        byKey(entries, (e) => e.project_name);
      }
      const roles = q.with_roles
        ? await serviceRoles(k, [...new Set(entries.flatMap((e) => e.id_service ?? []))])
        : [];
      return sendJson(
        reply,
        200,
        entries.map((e) => ({
          id_service_project: e.id_service_project,
          id_service: e.id_service,
          id_project: e.id_project,
          ...(q.list === undefined
            ? {
                service_name: e.service_name,
                service_key: e.service_key,
                service_system: e.service_system,
                project_name: e.project_name,
                ...(q.with_sites && e.id_project !== null
                  ? { id_site: e.id_site, site_name: e.site_name }
                  : {}),
              }
            : {}),
          ...(q.with_roles ? { service_roles: rolesJson(roles, e.id_service) } : {}),
        })),
      );
    },
  });
}

const unlinked = (): Entry => ({
  id_service_project: null,
  id_service: null,
  id_project: null,
  service_name: null,
  service_key: null,
  service_system: null,
  project_name: null,
  id_site: null,
  site_name: null,
});
