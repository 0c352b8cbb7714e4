/**
 * GET /api/user/services/sites: the service-site links of one site the caller reaches
 * (`id_site`: links of services it reaches, OpenTeraServer left out; `with_services` adds the
 * other services, unlinked: every one for a superadmin, else those enabled on a site it
 * reaches), or of one service it reaches (`id_service`: links to sites it reaches;
 * `with_sites` adds its other sites, unlinked). Unlinked entries carry null ids. Without
 * `list`, names are added; `with_roles` adds the service's roles. No argument at all: 400.
 */
import { userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import {
  queryServices,
  serviceRoles,
  serviceSiteLinks,
  sitesByIds,
} from '../store/queries/admin-services.js';
import { accessibleServiceIds, byKey, OPENTERA_SERVICE_KEY } from './services-access.js';
import { listAnswers, ServiceSiteItem } from './services-schemas.js';
import { rolesJson, type LinkEntry } from './service-links.js';

const ARGS = {
  id_site: int('Site whose services are listed'),
  id_service: int('Service whose sites are listed'),
  list: bool('Ids only'),
  with_sites: bool('With id_service: also the sites not linked to it'),
  with_services: bool('With id_site: also the services not linked to it'),
  with_roles: bool("Add each service's roles"),
};

interface Entry extends LinkEntry {
  id_service_site: number | null;
  id_site: number | null;
  site_name: string | null;
}

export function serviceSitesGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/services/sites',
    summary: 'Services enabled per site',
    description: 'One of id_site or id_service (id_site wins).',
    args: ARGS,
    response: listAnswers(ServiceSiteItem),
    handle: async ({ reply, caller, args: q }) => {
      if (!Object.values(q).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendJson(reply, 200, []);
      const k = ctx.deps.db.kysely;
      const reached = await accessibleServiceIds(k, access);
      let entries: Entry[] = [];
      if (q.id_site) {
        if (access.siteIds.has(q.id_site)) {
          entries = (await serviceSiteLinks(k, { id_site: q.id_site }))
            .filter((l) => reached.has(l.id_service) && l.service_key !== OPENTERA_SERVICE_KEY)
            .map((l) => ({ ...l }));
          if (q.with_services) {
            const linked = new Set(entries.map((e) => e.id_service));
            const candidates = access.superadmin
              ? await queryServices(k)
              : await queryServices(k, {
                  ids: (await serviceSiteLinks(k, { sites: [...access.siteIds] })).map(
                    (l) => l.id_service,
                  ),
                });
            for (const s of candidates)
              if (s.service_key !== OPENTERA_SERVICE_KEY && !linked.has(s.id_service))
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
        entries = (await serviceSiteLinks(k, { id_service: q.id_service }))
          .filter((l) => access.siteIds.has(l.id_site))
          .map((l) => ({ ...l }));
        if (q.with_sites) {
          const linked = new Set(entries.map((e) => e.id_site));
          const others = await sitesByIds(
            k,
            [...access.siteIds].filter((s) => !linked.has(s)),
          );
          for (const s of others) entries.push({ ...unlinked(), ...s });
        }
        byKey(entries, (e) => e.site_name);
      }
      const roles = q.with_roles
        ? await serviceRoles(k, [...new Set(entries.flatMap((e) => e.id_service ?? []))])
        : [];
      return sendJson(
        reply,
        200,
        entries.map((e) => ({
          id_service_site: e.id_service_site,
          id_service: e.id_service,
          id_site: e.id_site,
          ...(q.list === undefined
            ? {
                service_name: e.service_name,
                service_key: e.service_key,
                service_system: e.service_system,
                site_name: e.site_name,
              }
            : {}),
          ...(q.with_roles ? { service_roles: rolesJson(roles, e.id_service) } : {}),
        })),
      );
    },
  });
}

const unlinked = (): Entry => ({
  id_service_site: null,
  id_service: null,
  id_site: null,
  service_name: null,
  service_key: null,
  service_system: null,
  site_name: null,
});
