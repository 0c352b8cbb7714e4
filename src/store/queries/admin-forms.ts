/**
 * The SQL behind the choice lists of the editors' forms (`/api/user/forms`): device types,
 * sites, projects, participant groups, session types, users, devices and participants, each
 * narrowed by the caller's access in src/admin/forms-*.ts. Deleted rows never appear.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { OPENTERA_SERVICE_KEY } from './user-access.js';

type K = Kysely<Database>;

/** A list of ids for an IN clause: SQL has no empty IN list. */
const inList = (ids: readonly number[]) => (ids.length ? ids : [-1]);

/** Every device type, by id. */
export function deviceTypes(k: K) {
  return k
    .selectFrom('t_devices_types')
    .select(['id_device_type', 'device_type_name'])
    .orderBy('id_device_type')
    .execute();
}

/** Alive sites (all, or among `ids`), by name. */
export function formSites(k: K, ids?: readonly number[]) {
  let q = k.selectFrom('t_sites').select(['id_site', 'site_name']).where('deleted_at', 'is', null);
  if (ids) q = q.where('id_site', 'in', inList(ids));
  return q.orderBy('site_name').orderBy('id_site').execute();
}

/** Alive projects of alive sites among `ids`, optionally of one site, with the site's name; by id. */
export function formProjects(k: K, ids: readonly number[], siteId?: number) {
  let q = k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.project_name', 'p.id_site', 's.site_name'])
    .where('p.id_project', 'in', inList(ids))
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (siteId !== undefined) q = q.where('p.id_site', '=', siteId);
  return q.orderBy('p.id_project').execute();
}

/** The project of an alive participant group, with its site, or undefined. */
export function groupProject(k: K, groupId: number) {
  return k
    .selectFrom('t_participants_groups as g')
    .innerJoin('t_projects as p', 'p.id_project', 'g.id_project')
    .select(['g.id_project', 'p.id_site'])
    .where('g.id_participant_group', '=', groupId)
    .where('g.deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Alive participant groups of the given projects, by id. */
export function formGroups(k: K, projectIds: readonly number[]) {
  return k
    .selectFrom('t_participants_groups')
    .select(['id_participant_group', 'participant_group_name', 'id_project'])
    .where('id_project', 'in', inList(projectIds))
    .where('deleted_at', 'is', null)
    .orderBy('id_participant_group')
    .execute();
}

/** An alive participant's project and uuid, or undefined. */
export function participantProject(k: K, participantId: number) {
  return k
    .selectFrom('t_participants')
    .select(['id_project', 'participant_uuid'])
    .where('id_participant', '=', participantId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Alive session types: all, or those enabled on one of `siteIds`; by name. */
export function formSessionTypes(k: K, siteIds?: readonly number[]) {
  let q = k
    .selectFrom('t_sessions_types as st')
    .select(['st.id_session_type', 'st.session_type_name'])
    .where('st.deleted_at', 'is', null);
  if (siteIds)
    q = q.where('st.id_session_type', 'in', (eb) =>
      eb
        .selectFrom('t_sessions_types_sites')
        .select('id_session_type')
        .where('id_site', 'in', inList(siteIds)),
    );
  return q.orderBy('st.session_type_name').orderBy('st.id_session_type').execute();
}

/** The alive session types linked to a project, with their category and service; by name. */
export function projectSessionTypes(k: K, projectId: number) {
  return k
    .selectFrom('t_sessions_types_projects as stp')
    .innerJoin('t_sessions_types as st', 'st.id_session_type', 'stp.id_session_type')
    .select([
      'st.id_session_type',
      'st.session_type_name',
      'st.session_type_category',
      'st.id_service',
    ])
    .where('stp.id_project', '=', projectId)
    .where('st.deleted_at', 'is', null)
    .orderBy('st.session_type_name')
    .orderBy('st.id_session_type')
    .execute();
}

/** A session type, deleted or not, or undefined. */
export function sessionTypeById(k: K, id: number) {
  return k
    .selectFrom('t_sessions_types')
    .select(['id_session_type', 'session_type_name'])
    .where('id_session_type', '=', id)
    .executeTakeFirst();
}

/** Alive users (all, by uuid, or by id), by first name. */
export function formUsers(k: K, filter: { uuids?: readonly string[]; ids?: readonly number[] }) {
  let q = k
    .selectFrom('t_users')
    .select(['id_user', 'user_uuid', 'user_firstname', 'user_lastname', 'user_superadmin'])
    .where('deleted_at', 'is', null);
  if (filter.uuids) q = q.where('user_uuid', 'in', filter.uuids.length ? filter.uuids : ['']);
  if (filter.ids) q = q.where('id_user', 'in', inList(filter.ids));
  return q.orderBy('user_firstname').orderBy('id_user').execute();
}

/**
 * Ids of the alive users holding a role on a project through a group: an OpenTeraServer role
 * scoped to the project, or any OpenTeraServer role of its site.
 */
export async function projectUserIds(k: K, projectId: number): Promise<number[]> {
  const rows = await k
    .selectFrom('t_users as u')
    .innerJoin('t_users_users_groups as uug', 'uug.id_user', 'u.id_user')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .select('u.id_user')
    .distinct()
    .where('u.deleted_at', 'is', null)
    .where('g.deleted_at', 'is', null)
    .where('sv.service_key', '=', OPENTERA_SERVICE_KEY)
    .where((eb) =>
      eb.or([
        eb('r.id_project', '=', projectId),
        eb(
          'r.id_site',
          'in',
          eb.selectFrom('t_projects').select('id_site').where('id_project', '=', projectId),
        ),
      ]),
    )
    .execute();
  return rows.map((r) => r.id_user);
}

/** Alive devices (all, by uuid, or linked to a project), by id. */
export function formDevices(k: K, filter: { uuids?: readonly string[]; projectId?: number }) {
  let q = k
    .selectFrom('t_devices')
    .select(['id_device', 'device_uuid', 'device_name'])
    .where('deleted_at', 'is', null);
  if (filter.uuids) q = q.where('device_uuid', 'in', filter.uuids.length ? filter.uuids : ['']);
  if (filter.projectId !== undefined)
    q = q.where('id_device', 'in', (eb) =>
      eb
        .selectFrom('t_devices_projects')
        .select('id_device')
        .where('id_project', '=', filter.projectId!),
    );
  return q.orderBy('id_device').execute();
}

/** Alive participants of the given projects, by id. */
export function formParticipants(k: K, projectIds: readonly number[]) {
  return k
    .selectFrom('t_participants')
    .select(['id_participant', 'participant_uuid', 'participant_name', 'id_project'])
    .where('id_project', 'in', inList(projectIds))
    .where('deleted_at', 'is', null)
    .orderBy('id_participant')
    .execute();
}
