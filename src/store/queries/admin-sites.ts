/**
 * The SQL behind the user API's sites and projects (`/api/user/sites`, `/api/user/projects`):
 * reads of alive rows, inserts (with the OpenTera service's `admin` and `user` roles of the new
 * site or project), updates, the dependants check and the soft delete that cascades to
 * projects, participant groups and participants (links to devices, services and session types
 * of a deleted project or site are removed). Functions take a Kysely instance so that a write and
 * its checks share one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { OPENTERA_SERVICE_KEY } from './user-access.js';
import { PROJECT_COLUMNS, SITE_COLUMNS, type ProjectRow, type SiteRow } from './admin-access.js';

type K = Kysely<Database>;

/** The alive sites named `name`, by id. */
export function sitesNamed(k: K, name: string): Promise<SiteRow[]> {
  return k
    .selectFrom('t_sites')
    .select(SITE_COLUMNS)
    .where('site_name', '=', name)
    .where('deleted_at', 'is', null)
    .orderBy('id_site')
    .execute();
}

/** The alive sites linked to a device, by id. */
export function sitesOfDevice(k: K, deviceId: number): Promise<SiteRow[]> {
  return k
    .selectFrom('t_devices_sites as ds')
    .innerJoin('t_sites as s', 's.id_site', 'ds.id_site')
    .select(['s.id_site', 's.site_name', 's.site_2fa_required'])
    .where('ds.id_device', '=', deviceId)
    .where('s.deleted_at', 'is', null)
    .orderBy('s.id_site')
    .execute();
}

/** The uuid of an alive device, if any. */
export async function deviceUuidOf(k: K, deviceId: number): Promise<string | undefined> {
  const row = await k
    .selectFrom('t_devices')
    .select('device_uuid')
    .where('id_device', '=', deviceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.device_uuid;
}

async function openTeraServiceId(k: K): Promise<number> {
  const row = await k
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', OPENTERA_SERVICE_KEY)
    .executeTakeFirstOrThrow();
  return row.id_service;
}

/** Inserts the OpenTera service's `admin` and `user` roles of a new site or project. */
async function insertScopeRoles(
  k: K,
  scope: { id_site: number } | { id_project: number },
): Promise<void> {
  const id_service = await openTeraServiceId(k);
  await k
    .insertInto('t_services_roles')
    .values(
      ['admin', 'user'].map((service_role_name) => ({ id_service, service_role_name, ...scope })),
    )
    .execute();
}

export interface SiteFields {
  site_name?: string;
  site_2fa_required?: boolean;
}

/** Inserts a site and its roles; returns the new id. */
export async function insertSite(
  k: K,
  fields: SiteFields & { site_name: string },
): Promise<number> {
  const { id_site } = await k
    .insertInto('t_sites')
    .values(fields)
    .returning('id_site')
    .executeTakeFirstOrThrow();
  await insertScopeRoles(k, { id_site });
  return id_site;
}

export async function updateSite(k: K, id: number, fields: SiteFields): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  await k.updateTable('t_sites').set(fields).where('id_site', '=', id).execute();
}

/** Whether another alive site is named `name`. */
export async function siteNameTaken(k: K, name: string, exceptId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_sites')
    .select('id_site')
    .where('site_name', '=', name)
    .where('id_site', '!=', exceptId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function siteById(k: K, id: number): Promise<SiteRow | undefined> {
  return k
    .selectFrom('t_sites')
    .select(SITE_COLUMNS)
    .where('id_site', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export type ProjectWithSite = ProjectRow & { site_name: string };

/** An alive project (of an alive site), with its site's name. */
export function projectById(k: K, id: number): Promise<ProjectWithSite | undefined> {
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select([...PROJECT_COLUMNS, 's.site_name'])
    .where('p.id_project', '=', id)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The projects where a service is enabled (t_services_projects), by id. */
export async function projectIdsOfService(k: K, serviceId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_services_projects')
    .select('id_project')
    .where('id_service', '=', serviceId)
    .orderBy('id_project')
    .execute();
  return rows.map((r) => r.id_project);
}

/** The alive projects named `name`, by id. */
export async function projectIdsNamed(k: K, name: string): Promise<number[]> {
  const rows = await k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select('p.id_project')
    .where('p.project_name', '=', name)
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .orderBy('p.id_project')
    .execute();
  return rows.map((r) => r.id_project);
}

export interface ProjectFields {
  id_site?: number;
  project_name?: string;
  project_enabled?: boolean;
  project_description?: string | null;
}

/** Inserts a project and its roles; returns the new id. */
export async function insertProject(
  k: K,
  fields: ProjectFields & { id_site: number; project_name: string },
): Promise<number> {
  const { id_project } = await k
    .insertInto('t_projects')
    .values(fields)
    .returning('id_project')
    .executeTakeFirstOrThrow();
  await insertScopeRoles(k, { id_project });
  return id_project;
}

export async function updateProject(k: K, id: number, fields: ProjectFields): Promise<void> {
  if (Object.keys(fields).length === 0) return;
  await k.updateTable('t_projects').set(fields).where('id_project', '=', id).execute();
}

/** Per project: its alive participant groups and alive participants. */
export async function projectCounts(
  k: K,
  projectIds: readonly number[],
): Promise<Map<number, { groups: number; participants: number }>> {
  const counts = new Map(projectIds.map((id) => [id, { groups: 0, participants: 0 }]));
  if (projectIds.length === 0) return counts;
  const [groups, participants] = await Promise.all([
    k
      .selectFrom('t_participants_groups')
      .select(['id_project', (eb) => eb.fn.countAll<number>().as('n')])
      .where('id_project', 'in', projectIds)
      .where('deleted_at', 'is', null)
      .groupBy('id_project')
      .execute(),
    k
      .selectFrom('t_participants')
      .select(['id_project', (eb) => eb.fn.countAll<number>().as('n')])
      .where('id_project', 'in', projectIds)
      .where('deleted_at', 'is', null)
      .groupBy('id_project')
      .execute(),
  ]);
  for (const g of groups) counts.get(g.id_project)!.groups = Number(g.n);
  for (const p of participants) counts.get(p.id_project)!.participants = Number(p.n);
  return counts;
}

/**
 * The alive participants of these projects that an alive session still holds (as its creator
 * or one of its participants): what refuses the delete of their project or site.
 */
export async function participantsWithSessions(
  k: K,
  projectIds: readonly number[],
): Promise<number> {
  if (projectIds.length === 0) return 0;
  const row = await k
    .selectFrom('t_participants as pt')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('pt.id_project', 'in', projectIds)
    .where('pt.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('t_sessions as s')
            .select('s.id_session')
            .whereRef('s.id_creator_participant', '=', 'pt.id_participant')
            .where('s.deleted_at', 'is', null),
        ),
        eb.exists(
          eb
            .selectFrom('t_sessions_participants as sp')
            .innerJoin('t_sessions as s', 's.id_session', 'sp.id_session')
            .select('s.id_session')
            .whereRef('sp.id_participant', '=', 'pt.id_participant')
            .where('s.deleted_at', 'is', null),
        ),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What a soft delete removed along with its object. */
export interface Cascade {
  projectIds: number[];
  participantGroupIds: number[];
  participants: { id_participant: number; participant_uuid: string }[];
}

/** The alive project ids of a site. */
export async function projectIdsOfSite(k: K, siteId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_projects')
    .select('id_project')
    .where('id_site', '=', siteId)
    .where('deleted_at', 'is', null)
    .execute();
  return rows.map((r) => r.id_project);
}

/**
 * Soft-deletes these projects with their participant groups and participants, and removes
 * their links to session types and devices.
 */
export async function softDeleteProjects(
  k: K,
  projectIds: readonly number[],
  at: string,
): Promise<Cascade> {
  const cascade: Cascade = {
    projectIds: [...projectIds],
    participantGroupIds: [],
    participants: [],
  };
  if (projectIds.length === 0) return cascade;
  cascade.participants = await k
    .updateTable('t_participants')
    .set({ deleted_at: at })
    .where('id_project', 'in', projectIds)
    .where('deleted_at', 'is', null)
    .returning(['id_participant', 'participant_uuid'])
    .execute();
  const groups = await k
    .updateTable('t_participants_groups')
    .set({ deleted_at: at })
    .where('id_project', 'in', projectIds)
    .where('deleted_at', 'is', null)
    .returning('id_participant_group')
    .execute();
  cascade.participantGroupIds = groups.map((g) => g.id_participant_group);
  await k
    .updateTable('t_projects')
    .set({ deleted_at: at })
    .where('id_project', 'in', projectIds)
    .where('deleted_at', 'is', null)
    .execute();
  await k.deleteFrom('t_sessions_types_projects').where('id_project', 'in', projectIds).execute();
  await k.deleteFrom('t_devices_projects').where('id_project', 'in', projectIds).execute();
  await k.deleteFrom('t_services_projects').where('id_project', 'in', projectIds).execute();
  return cascade;
}

/** Soft-deletes a site, its projects and theirs; removes its links to devices. */
export async function softDeleteSite(k: K, siteId: number, at: string): Promise<Cascade> {
  const cascade = await softDeleteProjects(k, await projectIdsOfSite(k, siteId), at);
  await k
    .updateTable('t_sites')
    .set({ deleted_at: at })
    .where('id_site', '=', siteId)
    .where('deleted_at', 'is', null)
    .execute();
  await k.deleteFrom('t_devices_sites').where('id_site', '=', siteId).execute();
  await k.deleteFrom('t_sessions_types_sites').where('id_site', '=', siteId).execute();
  await k.deleteFrom('t_services_sites').where('id_site', '=', siteId).execute();
  return cascade;
}

/** The session types linked to a project, by id. */
export async function sessionTypeIdsOfProject(k: K, projectId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_sessions_types_projects')
    .select('id_session_type')
    .where('id_project', '=', projectId)
    .orderBy('id_session_type')
    .execute();
  return rows.map((r) => r.id_session_type);
}

/**
 * The alive session types among `ids` that are linked to one of these sites
 * (t_sessions_types_sites), or all the alive ones among `ids` when `siteIds` is null.
 */
export async function sessionTypesOfSites(
  k: K,
  ids: readonly number[],
  siteIds: readonly number[] | null,
): Promise<number[]> {
  if (ids.length === 0 || siteIds?.length === 0) return [];
  let q = k
    .selectFrom('t_sessions_types as st')
    .select('st.id_session_type')
    .where('st.id_session_type', 'in', ids)
    .where('st.deleted_at', 'is', null);
  if (siteIds !== null)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('t_sessions_types_sites as sts')
          .select('sts.id_session_type')
          .whereRef('sts.id_session_type', '=', 'st.id_session_type')
          .where('sts.id_site', 'in', siteIds),
      ),
    );
  const rows = await q.execute();
  return rows.map((r) => r.id_session_type);
}

/** Links and unlinks session types of a project; returns the link rows added and removed. */
export async function changeProjectSessionTypes(
  k: K,
  projectId: number,
  add: readonly number[],
  remove: readonly number[],
): Promise<{
  added: { id_session_type_project: number; id_session_type: number }[];
  removed: { id_session_type_project: number; id_session_type: number }[];
}> {
  const removed =
    remove.length === 0
      ? []
      : await k
          .deleteFrom('t_sessions_types_projects')
          .where('id_project', '=', projectId)
          .where('id_session_type', 'in', remove)
          .returning(['id_session_type_project', 'id_session_type'])
          .execute();
  const added =
    add.length === 0
      ? []
      : await k
          .insertInto('t_sessions_types_projects')
          .values(add.map((id_session_type) => ({ id_session_type, id_project: projectId })))
          .returning(['id_session_type_project', 'id_session_type'])
          .execute();
  return { added, removed };
}
