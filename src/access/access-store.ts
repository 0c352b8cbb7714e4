/**
 * Computes access sets (src/access/access.ts) from the database: what a user, participant or
 * device may see, and which sessions a principal is a member of. It caches nothing (it only
 * shares equal sets, ./set-pool.ts): each call reads the database afresh (through
 * src/store/queries/), with a fixed number of queries that does not grow with the data (joins
 * and IN-subqueries; the role merge runs in TS). Callers cache the result per connection and
 * recompute it when access changes.
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
import { SetPool } from './set-pool.js';
import {
  queryDevices,
  queryEverything,
  queryGrants,
  queryParticipants,
  queryProjectUsers,
  querySiteAdminProjects,
} from '../store/queries/user-access.js';
import {
  accessUser,
  deviceParticipantLinks,
  memberSessionUuids,
  participantDeviceLinks,
} from '../store/queries/access.js';

/** What a superadmin may see: everything not deleted, as admin. */
type Everything = Pick<UserAccess, keyof UserAccessTier | 'projectRoles' | 'siteRoles' | 'admin'>;

export class AccessStore {
  /**
   * The superadmin sets last built. Every superadmin sees the same rows, so while the database
   * returns the same rows, every superadmin's access shares these (read-only) sets instead of
   * holding its own copy: one copy per node, however many superadmins are connected.
   */
  private lastEverything: Everything | null = null;
  /**
   * The other users' sets, pooled by content: users with the same roles share them (one copy
   * per node), and a fan-out asks each distinct set once. A participant's or device's links
   * are its own and are not pooled.
   */
  private readonly pool = new SetPool();

  constructor(private readonly db: Db) {}

  /** The superadmin sets for these rows: the last ones built when they hold the same rows. */
  private everything(all: Awaited<ReturnType<typeof queryEverything>>): Everything {
    const last = this.lastEverything;
    if (
      last &&
      sameMembers(last.siteIds, all.siteIds) &&
      sameMembers(last.projectIds, all.projectIds) &&
      sameMembers(last.participantUuids, all.participantUuids) &&
      sameMembers(last.deviceUuids, all.deviceUuids) &&
      sameMembers(last.userUuids, all.userUuids)
    )
      return last;
    const tier: UserAccessTier = {
      siteIds: new Set(all.siteIds),
      projectIds: new Set(all.projectIds),
      participantUuids: new Set(all.participantUuids),
      deviceUuids: new Set(all.deviceUuids),
      userUuids: new Set(all.userUuids),
    };
    const adminOf = (ids: number[]) => new Map<number, Role>(ids.map((id) => [id, 'admin']));
    this.lastEverything = {
      ...tier,
      projectRoles: adminOf(all.projectIds),
      siteRoles: adminOf(all.siteIds),
      admin: tier,
    };
    return this.lastEverything;
  }

  /**
   * A user's access, or null when the uuid is unknown or the user is deleted. Computed for
   * disabled users too: callers decide what a disabled account may do.
   */
  async userAccess(userUuid: string): Promise<UserAccess | null> {
    const k = this.db.kysely;
    const user = await accessUser(this.db, userUuid);
    if (!user) return null;
    const head = {
      kind: 'user' as const,
      userId: user.id_user,
      userUuid,
      superadmin: user.user_superadmin,
    };

    if (user.user_superadmin) {
      const all = await queryEverything(k);
      if (!all.userUuids.includes(userUuid)) all.userUuids.push(userUuid);
      return { ...head, ...this.everything(all) };
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

    const pool = this.pool;
    const full: UserAccessTier = {
      siteIds: pool.intern(siteRoles.keys()),
      projectIds: pool.intern(projectRoles.keys()),
      participantUuids: pool.intern(participants.map((p) => p.uuid)),
      deviceUuids: pool.intern(devices.map((d) => d.uuid)),
      userUuids: pool.intern([...users.map((u) => u.uuid), userUuid]),
    };
    const admin: UserAccessTier = {
      siteIds: pool.intern(adminSites),
      projectIds: pool.intern(adminProjects),
      participantUuids: pool.intern(
        participants.filter((p) => adminProjects.has(p.idProject)).map((p) => p.uuid),
      ),
      deviceUuids: pool.intern(devices.filter((d) => adminSites.has(d.idSite)).map((d) => d.uuid)),
      userUuids: pool.intern([
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
    const rows = await participantDeviceLinks(this.db, participantUuid);
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
    const rows = await deviceParticipantLinks(this.db, deviceUuid);
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
    return new Set(await memberSessionUuids(this.db, kind, uuid));
  }
}

/** True when `set` holds exactly the (distinct) values of `values`. */
function sameMembers<T>(set: ReadonlySet<T>, values: readonly T[]): boolean {
  if (set.size !== values.length) return false;
  for (const v of values) if (!set.has(v)) return false;
  return true;
}
