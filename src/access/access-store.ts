/**
 * Computes access sets (src/access/access.ts) from the database: what a user, participant or
 * device may see (spec §5.4, §5.5), and which sessions a principal is a member of (§5.2).
 * It keeps no state: each call reads the database afresh, with a fixed number of queries
 * that does not grow with the data (joins and IN-subqueries; the role merge runs in TS).
 * Callers cache the result per connection and recompute it when access changes.
 */
import type { Db } from '../store/connect.js';
import type { PrincipalKind } from '../principal.js';
import type {
  AccessSets,
  DeviceAccess,
  ParticipantAccess,
  UserAccess,
  UserAccessTier,
} from './access.js';
import { adminIds, mergeRoles, type Role } from './roles.js';
import {
  queryDevices,
  queryEverything,
  queryGrants,
  queryParticipants,
  queryProjectUsers,
  querySiteAdminProjects,
} from '../store/queries/user-access.js';

export class AccessStore {
  constructor(private readonly db: Db) {}

  /**
   * A user's access, or null when the uuid is unknown or the user is deleted. Computed for
   * disabled users too: callers decide what a disabled account may do.
   */
  async userAccess(userUuid: string): Promise<UserAccess | null> {
    const k = this.db.kysely;
    const user = await k
      .selectFrom('t_users')
      .select(['id_user', 'user_superadmin'])
      .where('user_uuid', '=', userUuid)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!user) return null;
    const head = {
      kind: 'user' as const,
      userId: user.id_user,
      userUuid,
      superadmin: user.user_superadmin,
    };

    if (user.user_superadmin) {
      const all = await queryEverything(k);
      const tier: UserAccessTier = {
        siteIds: new Set(all.siteIds),
        projectIds: new Set(all.projectIds),
        participantUuids: new Set(all.participantUuids),
        deviceUuids: new Set(all.deviceUuids),
        userUuids: new Set([...all.userUuids, userUuid]),
      };
      const adminOf = (ids: number[]) => new Map<number, Role>(ids.map((id) => [id, 'admin']));
      return {
        ...head,
        ...tier,
        projectRoles: adminOf(all.projectIds),
        siteRoles: adminOf(all.siteIds),
        admin: tier,
      };
    }

    const [grants, siteAdminProjects, participants, devices, users] = await Promise.all([
      queryGrants(k, user.id_user),
      querySiteAdminProjects(k, user.id_user),
      queryParticipants(k, user.id_user),
      queryDevices(k, user.id_user),
      queryProjectUsers(k, user.id_user),
    ]);
    const { projectRoles, siteRoles } = mergeRoles(grants, siteAdminProjects);
    const adminProjects = adminIds(projectRoles);
    const adminSites = adminIds(siteRoles);

    const full: UserAccessTier = {
      siteIds: new Set(siteRoles.keys()),
      projectIds: new Set(projectRoles.keys()),
      participantUuids: new Set(participants.map((p) => p.uuid)),
      deviceUuids: new Set(devices.map((d) => d.uuid)),
      userUuids: new Set([...users.map((u) => u.uuid), userUuid]),
    };
    const admin: UserAccessTier = {
      siteIds: adminSites,
      projectIds: adminProjects,
      participantUuids: new Set(
        participants.filter((p) => adminProjects.has(p.idProject)).map((p) => p.uuid),
      ),
      deviceUuids: new Set(devices.filter((d) => adminSites.has(d.idSite)).map((d) => d.uuid)),
      userUuids: new Set([
        ...users
          .filter((u) => u.idProject !== null && adminProjects.has(u.idProject))
          .map((u) => u.uuid),
        userUuid,
      ]),
    };
    return { ...head, ...full, projectRoles, siteRoles, admin };
  }

  /** A participant's access (itself and its linked, non-deleted devices), or null. */
  async participantAccess(participantUuid: string): Promise<ParticipantAccess | null> {
    const rows = await this.db.kysely
      .selectFrom('t_participants as p')
      .leftJoin('t_devices_participants as dp', 'dp.id_participant', 'p.id_participant')
      .leftJoin('t_devices as d', (j) =>
        j.onRef('d.id_device', '=', 'dp.id_device').on('d.deleted_at', 'is', null),
      )
      .select(['p.id_participant', 'd.device_uuid'])
      .where('p.participant_uuid', '=', participantUuid)
      .where('p.deleted_at', 'is', null)
      .execute();
    const first = rows[0];
    if (!first) return null;
    return {
      kind: 'participant',
      participantId: first.id_participant,
      participantUuid,
      deviceUuids: new Set(rows.flatMap((r) => (r.device_uuid === null ? [] : [r.device_uuid]))),
    };
  }

  /** A device's access (itself and its linked, non-deleted participants), or null. */
  async deviceAccess(deviceUuid: string): Promise<DeviceAccess | null> {
    const rows = await this.db.kysely
      .selectFrom('t_devices as d')
      .leftJoin('t_devices_participants as dp', 'dp.id_device', 'd.id_device')
      .leftJoin('t_participants as p', (j) =>
        j.onRef('p.id_participant', '=', 'dp.id_participant').on('p.deleted_at', 'is', null),
      )
      .select(['d.id_device', 'p.participant_uuid'])
      .where('d.device_uuid', '=', deviceUuid)
      .where('d.deleted_at', 'is', null)
      .execute();
    const first = rows[0];
    if (!first) return null;
    return {
      kind: 'device',
      deviceId: first.id_device,
      deviceUuid,
      participantUuids: new Set(
        rows.flatMap((r) => (r.participant_uuid === null ? [] : [r.participant_uuid])),
      ),
    };
  }

  /** The access of any principal, or null when it is unknown or deleted. */
  accessFor(kind: PrincipalKind, uuid: string): Promise<AccessSets | null> {
    switch (kind) {
      case 'user':
        return this.userAccess(uuid);
      case 'participant':
        return this.participantAccess(uuid);
      case 'device':
        return this.deviceAccess(uuid);
    }
  }

  /**
   * Uuids of the non-deleted sessions the principal is a member of (t_sessions_users,
   * t_sessions_participants, t_sessions_devices). Empty for an unknown or deleted principal.
   */
  async sessionMemberships(kind: PrincipalKind, uuid: string): Promise<Set<string>> {
    const k = this.db.kysely;
    let rows: { session_uuid: string }[];
    switch (kind) {
      case 'user':
        rows = await k
          .selectFrom('t_sessions as s')
          .innerJoin('t_sessions_users as m', 'm.id_session', 's.id_session')
          .innerJoin('t_users as x', 'x.id_user', 'm.id_user')
          .select('s.session_uuid')
          .where('x.user_uuid', '=', uuid)
          .where('x.deleted_at', 'is', null)
          .where('s.deleted_at', 'is', null)
          .execute();
        break;
      case 'participant':
        rows = await k
          .selectFrom('t_sessions as s')
          .innerJoin('t_sessions_participants as m', 'm.id_session', 's.id_session')
          .innerJoin('t_participants as x', 'x.id_participant', 'm.id_participant')
          .select('s.session_uuid')
          .where('x.participant_uuid', '=', uuid)
          .where('x.deleted_at', 'is', null)
          .where('s.deleted_at', 'is', null)
          .execute();
        break;
      case 'device':
        rows = await k
          .selectFrom('t_sessions as s')
          .innerJoin('t_sessions_devices as m', 'm.id_session', 's.id_session')
          .innerJoin('t_devices as x', 'x.id_device', 'm.id_device')
          .select('s.session_uuid')
          .where('x.device_uuid', '=', uuid)
          .where('x.deleted_at', 'is', null)
          .where('s.deleted_at', 'is', null)
          .execute();
        break;
    }
    return new Set(rows.map((r) => r.session_uuid));
  }
}
