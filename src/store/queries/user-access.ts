/**
 * The SQL behind a user's access sets. Every function here is one query whose
 * shape does not depend on data size: the "accessible projects/sites" rules are expressed as
 * IN-subqueries over the user's grants, so the caller never loops over groups or projects.
 * Soft-deleted rows (deleted_at set) never count: groups, services, sites, projects,
 * participants, devices and users.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { GrantRow, SiteProjectRow } from '../../access/roles.js';

type K = Kysely<Database>;

/** The core service: only its project roles make users visible to each other. */
export const OPENTERA_SERVICE_KEY = 'OpenTeraServer';

/** Service roles granted to the (non-deleted) groups of one user (joins aliased g, sa, r, sv). */
function grantedRoles(k: K, userId: number) {
  return k
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .where('uug.id_user', '=', userId)
    .where('g.deleted_at', 'is', null)
    .where('sv.deleted_at', 'is', null);
}

/** Sites on which one of the user's groups holds a site-scoped `admin` role. */
function siteAdminSiteIds(k: K, userId: number) {
  return grantedRoles(k, userId)
    .select('r.id_site')
    .where('r.id_site', 'is not', null)
    .where('r.service_role_name', '=', 'admin');
}

/** Projects with a project-scoped role granted to one of the user's groups. */
function directProjectIds(k: K, userId: number) {
  return grantedRoles(k, userId).select('r.id_project').where('r.id_project', 'is not', null);
}

/** Accessible projects: direct project roles, plus every project of a site-admin site. */
function accessibleProjectIds(k: K, userId: number) {
  return k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select('p.id_project')
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('p.id_project', 'in', directProjectIds(k, userId)),
        eb('p.id_site', 'in', siteAdminSiteIds(k, userId)),
      ]),
    );
}

/** Accessible sites: site roles, plus the sites of projects with a direct project role. */
function accessibleSiteIds(k: K, userId: number) {
  return k
    .selectFrom('t_sites as s')
    .select('s.id_site')
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb(
          's.id_site',
          'in',
          grantedRoles(k, userId).select('r.id_site').where('r.id_site', 'is not', null),
        ),
        eb(
          's.id_site',
          'in',
          eb
            .selectFrom('t_projects as pp')
            .select('pp.id_site')
            .where('pp.deleted_at', 'is', null)
            .where('pp.id_project', 'in', directProjectIds(k, userId)),
        ),
      ]),
    );
}

/** The user's project- and site-scoped grants whose project/site (and its site) is alive. */
export async function queryGrants(k: K, userId: number): Promise<GrantRow[]> {
  const rows = await grantedRoles(k, userId)
    .leftJoin('t_projects as p', 'p.id_project', 'r.id_project')
    .leftJoin('t_sites as ps', 'ps.id_site', 'p.id_site')
    .leftJoin('t_sites as s', 's.id_site', 'r.id_site')
    .select([
      'r.service_role_name as role',
      'r.id_project',
      'p.id_site as project_site',
      'r.id_site',
    ])
    .where((eb) =>
      eb.or([
        eb.and([
          eb('p.id_project', 'is not', null),
          eb('p.deleted_at', 'is', null),
          eb('ps.deleted_at', 'is', null),
        ]),
        eb.and([eb('s.id_site', 'is not', null), eb('s.deleted_at', 'is', null)]),
      ]),
    )
    .execute();
  return rows.map((r) => ({
    role: r.role,
    idProject: r.id_project,
    projectSite: r.project_site,
    idSite: r.id_site,
  }));
}

/** The alive projects of the sites where the user is a site admin. */
export async function querySiteAdminProjects(k: K, userId: number): Promise<SiteProjectRow[]> {
  const rows = await k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.id_site'])
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .where('p.id_site', 'in', siteAdminSiteIds(k, userId))
    .execute();
  return rows.map((r) => ({ idProject: r.id_project, idSite: r.id_site }));
}

/** Participants of the accessible projects, with their project (for the admin tier). */
export function queryParticipants(
  k: K,
  userId: number,
): Promise<{ uuid: string; idProject: number }[]> {
  return k
    .selectFrom('t_participants')
    .select(['participant_uuid as uuid', 'id_project as idProject'])
    .where('deleted_at', 'is', null)
    .where('id_project', 'in', accessibleProjectIds(k, userId))
    .execute();
}

/** Devices linked (t_devices_sites) to an accessible site, one row per link. */
export function queryDevices(k: K, userId: number): Promise<{ uuid: string; idSite: number }[]> {
  return k
    .selectFrom('t_devices_sites as ds')
    .innerJoin('t_devices as d', 'd.id_device', 'ds.id_device')
    .select(['d.device_uuid as uuid', 'ds.id_site as idSite'])
    .where('d.deleted_at', 'is', null)
    .where('ds.id_site', 'in', accessibleSiteIds(k, userId))
    .execute();
}

/**
 * Members of the groups holding an OpenTeraServer role scoped to an accessible project, one
 * row per (user, project). Disabled users count; deleted users and groups do not.
 */
export function queryProjectUsers(
  k: K,
  userId: number,
): Promise<{ uuid: string; idProject: number | null }[]> {
  return k
    .selectFrom('t_users as u')
    .innerJoin('t_users_users_groups as uug', 'uug.id_user', 'u.id_user')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .select(['u.user_uuid as uuid', 'r.id_project as idProject'])
    .distinct()
    .where('u.deleted_at', 'is', null)
    .where('g.deleted_at', 'is', null)
    .where('sv.deleted_at', 'is', null)
    .where('sv.service_key', '=', OPENTERA_SERVICE_KEY)
    .where('r.id_project', 'in', accessibleProjectIds(k, userId))
    .execute();
}

/** Everything a superadmin sees: every alive site, project, participant, device and user. */
export async function queryEverything(k: K) {
  const [sites, projects, participants, devices, users] = await Promise.all([
    k.selectFrom('t_sites').select('id_site').where('deleted_at', 'is', null).execute(),
    k
      .selectFrom('t_projects as p')
      .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
      .select('p.id_project')
      .where('p.deleted_at', 'is', null)
      .where('s.deleted_at', 'is', null)
      .execute(),
    k
      .selectFrom('t_participants')
      .select('participant_uuid')
      .where('deleted_at', 'is', null)
      .execute(),
    k.selectFrom('t_devices').select('device_uuid').where('deleted_at', 'is', null).execute(),
    k.selectFrom('t_users').select('user_uuid').where('deleted_at', 'is', null).execute(),
  ]);
  return {
    siteIds: sites.map((r) => r.id_site),
    projectIds: projects.map((r) => r.id_project),
    participantUuids: participants.map((r) => r.participant_uuid),
    deviceUuids: devices.map((r) => r.device_uuid),
    userUuids: users.map((r) => r.user_uuid),
  };
}
