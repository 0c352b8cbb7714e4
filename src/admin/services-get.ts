/**
 * GET /api/user/services: the services the caller reaches (services-access.ts), never
 * OpenTeraServer itself. One selector at a time, in OpenTera's order: id/id_service, uuid,
 * key, id_project (the project's services), id_site (the site's services); none: every
 * service reached. `with_config` keeps those with an editable configuration; `list` gives
 * the short form, without the default configuration, roles and project links.
 */
import { userGet, type ApiContext } from '../http/context.js';
import { bool, int, str } from '../http/query.js';
import { sendJson } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import {
  queryServices,
  serviceProjectLinks,
  serviceRoles,
  serviceSiteLinks,
  type ServiceRow,
} from '../store/queries/admin-services.js';
import { accessibleServiceIds, OPENTERA_SERVICE_KEY } from './services-access.js';
import { listAnswers, ServiceItem } from './services-schemas.js';

const SERVICE_ARGS = {
  id_service: int('Service id'),
  id: int('Alias of id_service'),
  uuid: str('Service uuid'),
  key: str('Service key'),
  id_project: int('Services enabled in this project'),
  id_site: int('Services enabled on this site'),
  list: bool('Minimal fields only'),
  with_config: bool('Only services with an editable configuration'),
};

export function servicesGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/services',
    summary: 'Services the caller may see',
    args: SERVICE_ARGS,
    response: listAnswers(ServiceItem),
    handle: async ({ reply, caller, args: q }) => {
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendJson(reply, 200, []);
      const k = ctx.deps.db.kysely;
      const reached = await accessibleServiceIds(k, access);
      const id = q.id || q.id_service;
      let ids: number[];
      if (id) ids = [id];
      else if (q.uuid) ids = (await queryServices(k, { uuid: q.uuid })).map((s) => s.id_service);
      else if (q.key) ids = (await queryServices(k, { key: q.key })).map((s) => s.id_service);
      else if (q.id_project)
        ids = access.projectIds.has(q.id_project)
          ? (await serviceProjectLinks(k, { id_project: q.id_project })).map((l) => l.id_service)
          : [];
      else if (q.id_site)
        ids = access.siteIds.has(q.id_site)
          ? (await serviceSiteLinks(k, { id_site: q.id_site })).map((l) => l.id_service)
          : [];
      else ids = [...reached];
      const services = (await queryServices(k, { ids: ids.filter((s) => reached.has(s)) })).filter(
        (s) =>
          s.service_key !== OPENTERA_SERVICE_KEY && (!q.with_config || s.service_editable_config),
      );
      if (q.list)
        return sendJson(
          reply,
          200,
          services.map((s) => serviceJson(s, true)),
        );
      const serviceIds = services.map((s) => s.id_service);
      const [roles, links] = await Promise.all([
        serviceRoles(k, serviceIds),
        serviceProjectLinks(k, { services: serviceIds }),
      ]);
      return sendJson(
        reply,
        200,
        services.map((s) => ({
          ...serviceJson(s, false),
          service_roles: roles.filter((r) => r.id_service === s.id_service),
          service_projects: links
            .filter((l) => l.id_service === s.id_service)
            .map((l) => ({
              id_service_project: l.id_service_project,
              id_service: l.id_service,
              id_project: l.id_project,
            })),
        })),
      );
    },
  });
}

/** OpenTera's `TeraService.to_json`: empty endpoints are left out. */
export function serviceJson(s: ServiceRow, minimal: boolean): Record<string, unknown> {
  const { service_default_config, ...rest } = s;
  const out: Record<string, unknown> = minimal ? rest : { ...rest, service_default_config };
  for (const f of [
    'service_endpoint_user',
    'service_endpoint_participant',
    'service_endpoint_device',
  ])
    if (!out[f]) delete out[f];
  return out;
}
