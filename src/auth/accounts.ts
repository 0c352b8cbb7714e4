/**
 * The account rows authentication needs, read from the database on each call (no cache:
 * a disabled account is refused at its next request). Deleted rows are never returned.
 * Rows carry secrets (password hashes, static tokens): they stay inside auth/ and the login
 * answers, and are never logged.
 */
import { DEVICE_COLUMNS } from '../access/principals.js';
import type { Db } from '../store/connect.js';

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
  constructor(private readonly db: Db) {}

  private users() {
    return this.db.kysely
      .selectFrom('t_users')
      .select([
        'id_user',
        'user_uuid',
        'user_username',
        'user_firstname',
        'user_lastname',
        'user_password',
        'user_enabled',
        'user_superadmin',
        'user_2fa_enabled',
        'user_2fa_otp_enabled',
        'user_2fa_otp_secret',
        'user_force_password_change',
      ])
      .where('deleted_at', 'is', null);
  }

  private static user(r: {
    id_user: number;
    user_uuid: string;
    user_username: string;
    user_firstname: string;
    user_lastname: string;
    user_password: string;
    user_enabled: boolean;
    user_superadmin: boolean;
    user_2fa_enabled: boolean;
    user_2fa_otp_enabled: boolean;
    user_2fa_otp_secret: string | null;
    user_force_password_change: boolean;
  }): UserAccount {
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
    const r = await this.users().where('user_username', '=', username).executeTakeFirst();
    return r ? Accounts.user(r) : null;
  }

  async userByUuid(uuid: string): Promise<UserAccount | null> {
    const r = await this.users().where('user_uuid', '=', uuid).executeTakeFirst();
    return r ? Accounts.user(r) : null;
  }

  /** service_key → names of the global roles the user's groups hold (the `service_access` claim). */
  async serviceAccess(userId: number): Promise<Record<string, string[]>> {
    const rows = await this.db.kysely
      .selectFrom('t_users_users_groups as uug')
      .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
      .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
      .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
      .innerJoin('t_services as s', 's.id_service', 'r.id_service')
      .select(['s.service_key', 'r.service_role_name'])
      .where('uug.id_user', '=', userId)
      .where('g.deleted_at', 'is', null)
      .where('s.deleted_at', 'is', null)
      .where('r.id_site', 'is', null)
      .where('r.id_project', 'is', null)
      .orderBy('sa.id_service_access')
      .execute();
    const access: Record<string, string[]> = {};
    for (const r of rows) (access[r.service_key] ??= []).push(r.service_role_name);
    return access;
  }

  private participants() {
    return this.db.kysely
      .selectFrom('t_participants')
      .select([
        'id_participant',
        'participant_uuid',
        'participant_name',
        'participant_password',
        'participant_enabled',
        'participant_login_enabled',
        'participant_token_enabled',
        'participant_token',
        'id_project',
      ])
      .where('deleted_at', 'is', null);
  }

  private static participant(r: {
    id_participant: number;
    participant_uuid: string;
    participant_name: string;
    participant_password: string | null;
    participant_enabled: boolean;
    participant_login_enabled: boolean;
    participant_token_enabled: boolean;
    participant_token: string | null;
    id_project: number;
  }): ParticipantAccount {
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
    const r = await this.participants()
      .where('participant_username', '=', username)
      .executeTakeFirst();
    return r ? Accounts.participant(r) : null;
  }

  async participantByUuid(uuid: string): Promise<ParticipantAccount | null> {
    const r = await this.participants().where('participant_uuid', '=', uuid).executeTakeFirst();
    return r ? Accounts.participant(r) : null;
  }

  async participantByStaticToken(token: string): Promise<ParticipantAccount | null> {
    const r = await this.participants().where('participant_token', '=', token).executeTakeFirst();
    return r ? Accounts.participant(r) : null;
  }

  async deviceByToken(token: string): Promise<DeviceAccount | null> {
    const r = await this.db.kysely
      .selectFrom('t_devices')
      .select([...DEVICE_COLUMNS, 'device_token'])
      .where('device_token', '=', token)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return r
      ? {
          id: r.id_device,
          uuid: r.device_uuid,
          name: r.device_name,
          enabled: r.device_enabled,
          onlineable: r.device_onlineable,
          token: r.device_token,
        }
      : null;
  }

  /** Records a successful login (`*_lastonline`, as OpenTera does). */
  async touch(kind: 'user' | 'participant' | 'device', id: number): Promise<void> {
    const now = new Date().toISOString();
    const k = this.db.kysely;
    if (kind === 'user')
      await k
        .updateTable('t_users')
        .set({ user_lastonline: now })
        .where('id_user', '=', id)
        .execute();
    else if (kind === 'participant')
      await k
        .updateTable('t_participants')
        .set({ participant_lastonline: now })
        .where('id_participant', '=', id)
        .execute();
    else
      await k
        .updateTable('t_devices')
        .set({ device_lastonline: now })
        .where('id_device', '=', id)
        .execute();
  }
}
