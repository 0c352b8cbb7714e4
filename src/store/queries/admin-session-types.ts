/**
 * The SQL behind the user API's session types (`/api/user/sessiontypes`), their links to
 * projects and sites, and the service links OpenTera keeps consistent with them. Soft-deleted session types, projects and sites never appear. Link rows
 * (`t_sessions_types_projects`, `t_sessions_types_sites`) are deleted outright: OpenTera
 * soft-deletes them, but never reads a soft-deleted link back except to re-create it.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

type K = Kysely<Database>;

/** A session type with its service's key and uuid (null without a live service). */
export interface SessionTypeRow {
  id_session_type: number;
  id_service: number | null;
  session_type_name: string;
  session_type_online: boolean;
  session_type_config: string | null;
  session_type_color: string;
  session_type_category: number;
  service_key: string | null;
  service_uuid: string | null;
}

function typesQuery(k: K) {
  return k
    .selectFrom('t_sessions_types as st')
    .leftJoin('t_services as sv', (j) =>
      j.onRef('sv.id_service', '=', 'st.id_service').on('sv.deleted_at', 'is', null),
    )
    .select([
      'st.id_session_type',
      'st.id_service',
      'st.session_type_name',
      'st.session_type_online',
      'st.session_type_config',
      'st.session_type_color',
      'st.session_type_category',
      'sv.service_key',
      'sv.service_uuid',
    ])
    .where('st.deleted_at', 'is', null);
}

export function sessionTypeById(k: K, id: number): Promise<SessionTypeRow | undefined> {
  return typesQuery(k).where('st.id_session_type', '=', id).executeTakeFirst();
}

/** Every session type, by id. */
export function allSessionTypes(k: K): Promise<SessionTypeRow[]> {
  return typesQuery(k).orderBy('st.id_session_type').execute();
}

/** Session types linked to any of `siteIds`, each once, by name. */
export function sessionTypesAtSites(k: K, siteIds: readonly number[]): Promise<SessionTypeRow[]> {
  if (siteIds.length === 0) return Promise.resolve([]);
  return typesQuery(k)
    .where('st.id_session_type', 'in', (eb) =>
      eb
        .selectFrom('t_sessions_types_sites')
        .select('id_session_type')
        .where('id_site', 'in', [...siteIds]),
    )
    .orderBy('st.session_type_name')
    .orderBy('st.id_session_type')
    .execute();
}

/** Ids of the session types linked to one of `siteIds`. */
export async function sessionTypeIdsAtSites(
  k: K,
  siteIds: readonly number[],
): Promise<Set<number>> {
  const rows = await sessionTypesAtSites(k, siteIds);
  return new Set(rows.map((r) => r.id_session_type));
}

/** A session-type–project link with its type's and project's names and the project's site. */
export interface TypeProjectRow {
  id_session_type_project: number;
  id_session_type: number;
  id_project: number;
  session_type_name: string;
  session_type_category: number;
  id_service: number | null;
  project_name: string;
  id_site: number;
  site_name: string;
}

function typeProjectsQuery(k: K) {
  return k
    .selectFrom('t_sessions_types_projects as l')
    .innerJoin('t_sessions_types as st', 'st.id_session_type', 'l.id_session_type')
    .innerJoin('t_projects as p', 'p.id_project', 'l.id_project')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select([
      'l.id_session_type_project',
      'l.id_session_type',
      'l.id_project',
      'st.session_type_name',
      'st.session_type_category',
      'st.id_service',
      'p.project_name',
      'p.id_site',
      's.site_name',
    ])
    .where('st.deleted_at', 'is', null)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
}

export function typeProjectById(k: K, id: number): Promise<TypeProjectRow | undefined> {
  return typeProjectsQuery(k).where('l.id_session_type_project', '=', id).executeTakeFirst();
}

export function typeProjectsOfProject(k: K, projectId: number): Promise<TypeProjectRow[]> {
  return typeProjectsQuery(k).where('l.id_project', '=', projectId).execute();
}

export function typeProjectsOfType(k: K, typeId: number): Promise<TypeProjectRow[]> {
  return typeProjectsQuery(k).where('l.id_session_type', '=', typeId).execute();
}

export function typeProject(
  k: K,
  typeId: number,
  projectId: number,
): Promise<TypeProjectRow | undefined> {
  return typeProjectsQuery(k)
    .where('l.id_session_type', '=', typeId)
    .where('l.id_project', '=', projectId)
    .executeTakeFirst();
}

export async function insertTypeProject(k: K, typeId: number, projectId: number): Promise<number> {
  const row = await k
    .insertInto('t_sessions_types_projects')
    .values({ id_session_type: typeId, id_project: projectId })
    .returning('id_session_type_project')
    .executeTakeFirstOrThrow();
  return row.id_session_type_project;
}

export async function deleteTypeProject(k: K, id: number): Promise<void> {
  await k
    .deleteFrom('t_sessions_types_projects')
    .where('id_session_type_project', '=', id)
    .execute();
}

/** A (non-deleted) project with its site. */
export interface ProjectSiteRow {
  id_project: number;
  project_name: string;
  id_site: number;
  site_name: string;
}

export function projectsWithSites(k: K, ids: readonly number[]): Promise<ProjectSiteRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.project_name', 'p.id_site', 's.site_name'])
    .where('p.id_project', 'in', [...ids])
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .execute();
}

/** The site links of a session type: `[id_session_type_site, id_site]` pairs. */
export function sitesOfType(
  k: K,
  typeId: number,
): Promise<Array<{ id_session_type_site: number; id_site: number }>> {
  return k
    .selectFrom('t_sessions_types_sites as l')
    .innerJoin('t_sites as s', 's.id_site', 'l.id_site')
    .select(['l.id_session_type_site', 'l.id_site'])
    .where('l.id_session_type', '=', typeId)
    .where('s.deleted_at', 'is', null)
    .execute();
}

/** Whether the session type is linked to the site. */
export async function typeAtSite(k: K, typeId: number, siteId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_sessions_types_sites')
    .select('id_session_type_site')
    .where('id_session_type', '=', typeId)
    .where('id_site', '=', siteId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertTypeSite(k: K, typeId: number, siteId: number): Promise<number> {
  const row = await k
    .insertInto('t_sessions_types_sites')
    .values({ id_session_type: typeId, id_site: siteId })
    .returning('id_session_type_site')
    .executeTakeFirstOrThrow();
  return row.id_session_type_site;
}

export async function deleteTypeSite(k: K, id: number): Promise<void> {
  await k.deleteFrom('t_sessions_types_sites').where('id_session_type_site', '=', id).execute();
}

/** Ids of every (non-deleted) service. */
export async function allServiceIds(k: K): Promise<Set<number>> {
  const rows = await k
    .selectFrom('t_services')
    .select('id_service')
    .where('deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.id_service));
}

export interface SessionTypeValues {
  id_service?: number | null;
  session_type_name?: string;
  session_type_online?: boolean;
  session_type_config?: string | null;
  session_type_color?: string;
  session_type_category?: number;
}

export async function insertSessionType(
  k: K,
  values: Required<Omit<SessionTypeValues, 'session_type_config' | 'id_service'>> &
    SessionTypeValues,
): Promise<number> {
  const row = await k
    .insertInto('t_sessions_types')
    .values(values)
    .returning('id_session_type')
    .executeTakeFirstOrThrow();
  return row.id_session_type;
}

export async function updateSessionType(
  k: K,
  id: number,
  values: SessionTypeValues,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k.updateTable('t_sessions_types').set(values).where('id_session_type', '=', id).execute();
}

/** Soft-deletes a session type and drops its project and site links, as OpenTera's cascade. */
export async function softDeleteSessionType(k: K, id: number, at: string): Promise<void> {
  await k.deleteFrom('t_sessions_types_projects').where('id_session_type', '=', id).execute();
  await k.deleteFrom('t_sessions_types_sites').where('id_session_type', '=', id).execute();
  await k
    .updateTable('t_sessions_types')
    .set({ deleted_at: at })
    .where('id_session_type', '=', id)
    .execute();
}

/** Whether a non-deleted session has this type. */
export async function typeHasSessions(k: K, typeId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_sessions')
    .select('id_session')
    .where('id_session_type', '=', typeId)
    .where('deleted_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether a non-deleted session of this type belongs to the project, as OpenTera links them:
 * created by, or with as member, a (non-deleted) participant of the project.
 */
export async function projectHasSessionsOfType(
  k: K,
  projectId: number,
  typeId: number,
): Promise<boolean> {
  const row = await k
    .selectFrom('t_sessions as s')
    .select('s.id_session')
    .where('s.id_session_type', '=', typeId)
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb(
          's.id_creator_participant',
          'in',
          eb
            .selectFrom('t_participants')
            .select('id_participant')
            .where('id_project', '=', projectId)
            .where('deleted_at', 'is', null),
        ),
        eb.exists(
          eb
            .selectFrom('t_sessions_participants as l')
            .innerJoin('t_participants as p', 'p.id_participant', 'l.id_participant')
            .select('l.id_session')
            .whereRef('l.id_session', '=', 's.id_session')
            .where('p.id_project', '=', projectId)
            .where('p.deleted_at', 'is', null),
        ),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether the service is enabled on the site (`t_services_sites`). */
export async function serviceAtSite(k: K, serviceId: number, siteId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_services_sites')
    .select('id_service_site')
    .where('id_service', '=', serviceId)
    .where('id_site', '=', siteId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Enables the service on the site unless it already is (OpenTera's `check_integrity`). */
export async function ensureServiceSite(k: K, serviceId: number, siteId: number): Promise<void> {
  if (await serviceAtSite(k, serviceId, siteId)) return;
  await k
    .insertInto('t_services_sites')
    .values({ id_service: serviceId, id_site: siteId })
    .execute();
}

/** Enables the service in the project unless it already is (OpenTera's `check_integrity`). */
export async function ensureServiceProject(
  k: K,
  serviceId: number,
  projectId: number,
): Promise<void> {
  const row = await k
    .selectFrom('t_services_projects')
    .select('id_service_project')
    .where('id_service', '=', serviceId)
    .where('id_project', '=', projectId)
    .executeTakeFirst();
  if (row) return;
  await k
    .insertInto('t_services_projects')
    .values({ id_service: serviceId, id_project: projectId })
    .execute();
}
