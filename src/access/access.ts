/**
 * Access sets: what one principal may see, computed once (at connect, or per REST request)
 * and read by the event filters and the REST lists, for users, participants and devices.
 * Sets hold only non-deleted rows.
 */

/** One tier of a user's access: everything reachable through any role, or through admin only. */
export interface UserAccessTier {
  siteIds: ReadonlySet<number>;
  projectIds: ReadonlySet<number>;
  participantUuids: ReadonlySet<string>;
  deviceUuids: ReadonlySet<string>;
  userUuids: ReadonlySet<string>;
}

export interface UserAccess extends UserAccessTier {
  kind: 'user';
  userId: number;
  userUuid: string;
  superadmin: boolean;
  /** Roles per project and site after merging groups: admin overrides user. */
  projectRoles: ReadonlyMap<number, 'admin' | 'user'>;
  siteRoles: ReadonlyMap<number, 'admin' | 'user'>;
  /** The admin-only variants, used by /api/user/disconnect. */
  admin: UserAccessTier;
}

export interface ParticipantAccess {
  kind: 'participant';
  participantId: number;
  participantUuid: string;
  /** Devices linked to the participant (t_devices_participants). */
  deviceUuids: ReadonlySet<string>;
}

export interface DeviceAccess {
  kind: 'device';
  deviceId: number;
  deviceUuid: string;
  /** Participants linked to the device (t_devices_participants). */
  participantUuids: ReadonlySet<string>;
}

export type AccessSets = UserAccess | ParticipantAccess | DeviceAccess;
