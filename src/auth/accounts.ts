/**
 * The account rows authentication needs, read from the database on each call (no cache:
 * a disabled account is refused at its next request); a device login reads its whole answer's
 * device rows with its account, in the same query. Deleted rows are never returned.
 * Rows carry secrets (password hashes, static tokens): they stay inside auth/ and the login
 * answers, and are never logged.
 */
import type { Db } from '../store/connect.js';
import {
  deviceAccountByToken,
  participantAccountByStaticToken,
  participantAccountByUsername,
  participantAccountByUuid,
  userAccountByUsername,
  userAccountByUuid,
  userGlobalRoles,
  type DeviceAccountRow,
  type ParticipantAccountRow,
  type UserAccountRow,
} from '../store/queries/accounts.js';
import { deviceLoginReader, type DeviceLoginRow } from '../store/queries/login.js';

export interface UserAccount {
  id: number;
  uuid: string;
  username: string;
  firstname: string;
  lastname: string;
  passwordHash: string;
  enabled: boolean;
  superadmin: boolean;
  twoFactorEnabled: boolean;
  twoFactorOtpEnabled: boolean;
  hasOtpSecret: boolean;
  forcePasswordChange: boolean;
}

export interface ParticipantAccount {
  id: number;
  uuid: string;
  name: string;
  passwordHash: string | null;
  enabled: boolean;
  loginEnabled: boolean;
  tokenEnabled: boolean;
  staticToken: string | null;
  projectId: number;
}

export interface DeviceAccount {
  id: number;
  uuid: string;
  name: string;
  enabled: boolean;
  onlineable: boolean;
  token: string | null;
}

export const fullname = (u: Pick<UserAccount, 'firstname' | 'lastname'>): string =>
  `${u.firstname} ${u.lastname}`;

export class Accounts {
  private readonly readDeviceLogin: ReturnType<typeof deviceLoginReader>;

  constructor(private readonly db: Db) {
    this.readDeviceLogin = deviceLoginReader(db);
  }

  private static user(r: UserAccountRow): UserAccount {
    return {
      id: r.id_user,
      uuid: r.user_uuid,
      username: r.user_username,
      firstname: r.user_firstname,
      lastname: r.user_lastname,
      passwordHash: r.user_password,
      enabled: r.user_enabled,
      superadmin: r.user_superadmin,
      twoFactorEnabled: r.user_2fa_enabled,
      twoFactorOtpEnabled: r.user_2fa_otp_enabled,
      hasOtpSecret: !!r.user_2fa_otp_secret,
      forcePasswordChange: r.user_force_password_change,
    };
  }

  async userByUsername(username: string): Promise<UserAccount | null> {
    const r = await userAccountByUsername(this.db, username);
    return r ? Accounts.user(r) : null;
  }

  async userByUuid(uuid: string): Promise<UserAccount | null> {
    const r = await userAccountByUuid(this.db, uuid);
    return r ? Accounts.user(r) : null;
  }

  /** service_key → names of the global roles the user's groups hold (the `service_access` claim). */
  async serviceAccess(userId: number): Promise<Record<string, string[]>> {
    const rows = await userGlobalRoles(this.db, userId);
    const access: Record<string, string[]> = {};
    for (const r of rows) (access[r.service_key] ??= []).push(r.service_role_name);
    return access;
  }

  private static participant(r: ParticipantAccountRow): ParticipantAccount {
    return {
      id: r.id_participant,
      uuid: r.participant_uuid,
      name: r.participant_name,
      passwordHash: r.participant_password,
      enabled: r.participant_enabled,
      loginEnabled: r.participant_login_enabled,
      tokenEnabled: r.participant_token_enabled,
      staticToken: r.participant_token,
      projectId: r.id_project,
    };
  }

  async participantByUsername(username: string): Promise<ParticipantAccount | null> {
    const r = await participantAccountByUsername(this.db, username);
    return r ? Accounts.participant(r) : null;
  }

  async participantByUuid(uuid: string): Promise<ParticipantAccount | null> {
    const r = await participantAccountByUuid(this.db, uuid);
    return r ? Accounts.participant(r) : null;
  }

  async participantByStaticToken(token: string): Promise<ParticipantAccount | null> {
    const r = await participantAccountByStaticToken(this.db, token);
    return r ? Accounts.participant(r) : null;
  }

  private static device(r: DeviceAccountRow): DeviceAccount {
    return {
      id: r.id_device,
      uuid: r.device_uuid,
      name: r.device_name,
      enabled: r.device_enabled,
      onlineable: r.device_onlineable,
      token: r.device_token,
    };
  }

  async deviceByToken(token: string): Promise<DeviceAccount | null> {
    const r = await deviceAccountByToken(this.db, token);
    return r ? Accounts.device(r) : null;
  }

  /** The device whose stored token this is, with what its login answers lists, in one query. */
  async deviceLoginByToken(
    token: string,
  ): Promise<{ account: DeviceAccount; login: DeviceLoginRow } | null> {
    const r = await this.readDeviceLogin(token);
    return r ? { account: Accounts.device(r.device), login: r } : null;
  }
}
