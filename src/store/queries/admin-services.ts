/**
 * The SQL behind the user API's read-only services (`/api/user/services`, `/services/projects`,
 * `/services/sites`): service rows, their roles, and the services enabled per site
 * (`t_services_sites`) and per project (`t_services_projects`). Deleted services, sites and
 * projects never appear.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

type K = Kysely<Database>;

const SERVICE_COLUMNS = [
  'id_service',
  'service_uuid',
  'service_name',
  'service_key',
  'service_hostname',
  'service_port',
  'service_endpoint',
  'service_clientendpoint',
  'service_endpoint_user',
  'service_endpoint_participant',
  'service_endpoint_device',
  'service_enabled',
  'service_system',
  'service_editable_config',
  'service_default_config',
  'service_has_assets',
  'service_has_tests',
] as const;

export type ServiceRow = Awaited<ReturnType<typeof queryServices>>[number];

/** Non-deleted services, by id; `ids` (not empty), `uuid` or `key` narrow them. */
export function queryServices(
  k: K,
  filter: { ids?: readonly number[]; uuid?: string; key?: string } = {},
) {
  let q = k.selectFrom('t_services').select(SERVICE_COLUMNS).where('deleted_at', 'is', null);
  if (filter.ids) q = q.where('id_service', 'in', filter.ids.length ? filter.ids : [-1]);
  if (filter.uuid !== undefined) q = q.where('service_uuid', '=', filter.uuid);
  if (filter.key !== undefined) q = q.where('service_key', '=', filter.key);
  return q.orderBy('id_service').execute();
}

/**
 * The services a non-superadmin reaches: those enabled in one of `projectIds`, or on one of
 * `adminSiteIds` (the sites it administers).
 */
export async function reachableServiceIds(
  k: K,
  projectIds: readonly number[],
  adminSiteIds: readonly number[],
): Promise<number[]> {
  if (projectIds.length === 0 && adminSiteIds.length === 0) return [];
  const rows = await k
    .selectFrom('t_services as s')
    .select('s.id_service')
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb(
          's.id_service',
          'in',
          eb
            .selectFrom('t_services_projects')
            .select('id_service')
            .where('id_project', 'in', projectIds.length ? projectIds : [-1]),
        ),
        eb(
          's.id_service',
          'in',
          eb
            .selectFrom('t_services_sites')
            .select('id_service')
            .where('id_site', 'in', adminSiteIds.length ? adminSiteIds : [-1]),
        ),
      ]),
    )
    .execute();
  return rows.map((r) => r.id_service);
}

/** The roles of services (all scopes), by id. */
export function serviceRoles(k: K, serviceIds: readonly number[]) {
  if (serviceIds.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_services_roles')
    .select(['id_service_role', 'id_service', 'id_project', 'id_site', 'service_role_name'])
    .where('id_service', 'in', serviceIds)
    .orderBy('id_service_role')
    .execute();
}

/** Service-project links (alive services and projects of alive sites), with names, by service name. */
export function serviceProjectLinks(
  k: K,
  filter: { id_project?: number; id_service?: number; services?: readonly number[] },
) {
  let q = k
    .selectFrom('t_services_projects as sp')
    .innerJoin('t_services as sv', 'sv.id_service', 'sp.id_service')
    .innerJoin('t_projects as p', 'p.id_project', 'sp.id_project')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select([
      'sp.id_service_project',
      'sp.id_service',
      'sp.id_project',
      'sv.service_name',
      'sv.service_key',
      'sv.service_system',
      'p.project_name',
      'p.id_site',
      's.site_name',
    ])
    .where('sv.deleted_at', 'is', null)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (filter.id_project !== undefined) q = q.where('sp.id_project', '=', filter.id_project);
  if (filter.id_service !== undefined) q = q.where('sp.id_service', '=', filter.id_service);
  if (filter.services)
    q = q.where('sp.id_service', 'in', filter.services.length ? filter.services : [-1]);
  return q.orderBy('sp.id_service_project').execute();
}

/** Service-site links (alive services and sites), with names. */
export function serviceSiteLinks(
  k: K,
  filter: { id_site?: number; id_service?: number; sites?: readonly number[] },
) {
  let q = k
    .selectFrom('t_services_sites as ss')
    .innerJoin('t_services as sv', 'sv.id_service', 'ss.id_service')
    .innerJoin('t_sites as s', 's.id_site', 'ss.id_site')
    .select([
      'ss.id_service_site',
      'ss.id_service',
      'ss.id_site',
      'sv.service_name',
      'sv.service_key',
      'sv.service_system',
      's.site_name',
    ])
    .where('sv.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (filter.id_site !== undefined) q = q.where('ss.id_site', '=', filter.id_site);
  if (filter.id_service !== undefined) q = q.where('ss.id_service', '=', filter.id_service);
  if (filter.sites) q = q.where('ss.id_site', 'in', filter.sites.length ? filter.sites : [-1]);
  return q.orderBy('ss.id_service_site').execute();
}

/** An alive project (of an alive site), or undefined. */
export function projectRow(k: K, id: number) {
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.project_name', 'p.id_site', 's.site_name'])
    .where('p.id_project', '=', id)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Alive projects (of alive sites) among `ids`. */
export function projectsByIds(k: K, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.project_name', 'p.id_site', 's.site_name'])
    .where('p.id_project', 'in', ids)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .execute();
}

/** Alive sites among `ids`. */
export function sitesByIds(k: K, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_sites')
    .select(['id_site', 'site_name'])
    .where('id_site', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
}
