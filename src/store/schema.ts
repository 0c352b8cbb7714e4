/**
 * The database schema as Kysely table types, with OpenTera's table and column names
 *, plus TeraRelay's own `terarelay_revoked_tokens`.
 *
 * The TypeScript types are the same on SQLite and PostgreSQL:
 * - booleans are `boolean` (PostgreSQL `boolean`; SQLite `integer` 0/1, converted both ways
 *   by `sqliteBooleans()` in ./sqlite-booleans.ts, which reads `BOOLEAN_COLUMNS` below);
 * - timestamps are ISO-8601 strings (`2025-01-21T10:00:00.000Z`); PostgreSQL `timestamptz`
 *   values are read back as ISO strings by the pool's type parsers (./connect.ts);
 * - `bigint` columns are read back as JS numbers (they hold epoch milliseconds and counts).
 *
 * Soft-deletable tables carry `deleted_at` (null = alive); every read of those tables must
 * filter `deleted_at is null`, as OpenTera's ORM does.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** An ISO-8601 timestamp string. */
export type Timestamp = string;
/** A serial integer id, assigned by the database. */
export type Id = Generated<number>;
/** A column with a database default: optional on insert, always present on select. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface SitesTable {
  id_site: Id;
  site_name: string;
  site_2fa_required: Defaulted<boolean>;
  deleted_at: Timestamp | null;
}

export interface ProjectsTable {
  id_project: Id;
  id_site: number;
  project_name: string;
  project_enabled: Defaulted<boolean>;
  project_description: string | null;
  deleted_at: Timestamp | null;
}

export interface UsersGroupsTable {
  id_user_group: Id;
  user_group_name: string;
  deleted_at: Timestamp | null;
}

export interface UsersUsersGroupsTable {
  id_user_user_group: Id;
  id_user: number;
  id_user_group: number;
}

export interface UsersTable {
  id_user: Id;
  user_uuid: string;
  user_username: string;
  user_email: string | null;
  /** bcrypt hash (`$2b$…`). */
  user_password: string;
  user_firstname: string;
  user_lastname: string;
  user_profile: Defaulted<string>;
  user_enabled: boolean;
  user_notes: string | null;
  user_lastonline: Timestamp | null;
  user_superadmin: boolean;
  user_2fa_enabled: Defaulted<boolean>;
  user_2fa_otp_enabled: Defaulted<boolean>;
  user_2fa_email_enabled: Defaulted<boolean>;
  user_2fa_otp_secret: string | null;
  user_force_password_change: Defaulted<boolean>;
  deleted_at: Timestamp | null;
}

export interface ServicesTable {
  id_service: Id;
  service_uuid: string;
  service_name: string;
  service_key: string;
  service_hostname: string;
  service_port: number;
  service_endpoint: string;
  service_clientendpoint: string;
  service_endpoint_user: string | null;
  service_endpoint_participant: string | null;
  service_endpoint_device: string | null;
  service_enabled: Defaulted<boolean>;
  service_system: Defaulted<boolean>;
  service_editable_config: Defaulted<boolean>;
  service_default_config: string | null;
  service_has_assets: Defaulted<boolean>;
  service_has_tests: Defaulted<boolean>;
  deleted_at: Timestamp | null;
}

export interface ServicesRolesTable {
  id_service_role: Id;
  id_service: number;
  /** Set for a project-scoped role. */
  id_project: number | null;
  /** Set for a site-scoped role. Both null: a global role of the service. */
  id_site: number | null;
  service_role_name: string;
}

/** A grant of one service role to exactly one grantee. */
export interface ServicesAccessTable {
  id_service_access: Id;
  id_service_role: number;
  id_user_group: number | null;
  id_participant_group: number | null;
  id_device: number | null;
}

/** The services usable on a site (OpenTera 1.3). */
export interface ServicesSitesTable {
  id_service_site: Id;
  id_service: number;
  id_site: number;
}

/** The services usable in a project, among its site's (OpenTera 1.3). */
export interface ServicesProjectsTable {
  id_service_project: Id;
  id_service: number;
  id_project: number;
}

export interface ParticipantsGroupsTable {
  id_participant_group: Id;
  id_project: number;
  participant_group_name: string;
  deleted_at: Timestamp | null;
}

export interface ParticipantsTable {
  id_participant: Id;
  participant_uuid: string;
  participant_name: string;
  participant_username: string | null;
  participant_email: string | null;
  /** bcrypt hash (`$2b$…`) or null (no password login). */
  participant_password: string | null;
  participant_token_enabled: Defaulted<boolean>;
  /** The static token (HS256 JWT, ./static-tokens.ts) or null. */
  participant_token: string | null;
  participant_lastonline: Timestamp | null;
  participant_enabled: Defaulted<boolean>;
  participant_login_enabled: Defaulted<boolean>;
  id_participant_group: number | null;
  id_project: number;
  deleted_at: Timestamp | null;
}

export interface DevicesTypesTable {
  id_device_type: Id;
  /** Stable key (`capteur`, `videoconference`, `robot`, `bureau_actif`). */
  device_type_key: string;
  /** Display name (`Capteur`, …), returned by device login as `device_type`. */
  device_type_name: string;
}

export interface DevicesSubtypesTable {
  id_device_subtype: Id;
  id_device_type: number;
  device_subtype_name: string;
}

export interface DevicesTable {
  id_device: Id;
  device_uuid: string;
  device_name: string;
  id_device_type: number;
  id_device_subtype: number | null;
  /** The static token (HS256 JWT, ./static-tokens.ts). */
  device_token: string | null;
  device_certificate: string | null;
  device_enabled: Defaulted<boolean>;
  device_onlineable: Defaulted<boolean>;
  device_config: string | null;
  device_infos: string | null;
  device_notes: string | null;
  device_lastonline: Timestamp | null;
  deleted_at: Timestamp | null;
}

export interface DevicesSitesTable {
  id_device_site: Id;
  id_device: number;
  id_site: number;
}

export interface DevicesProjectsTable {
  id_device_project: Id;
  id_device: number;
  id_project: number;
}

export interface DevicesParticipantsTable {
  id_device_participant: Id;
  id_device: number;
  id_participant: number;
}

export interface SessionsTypesTable {
  id_session_type: Id;
  id_service: number | null;
  session_type_name: string;
  session_type_online: boolean;
  session_type_config: string | null;
  session_type_color: string;
  /** 1 SERVICE, 2 DATACOLLECT, 3 FILETRANSFER, 4 PROTOCOL. */
  session_type_category: number;
  deleted_at: Timestamp | null;
}

export interface SessionsTypesProjectsTable {
  id_session_type_project: Id;
  id_session_type: number;
  id_project: number;
}

/** The sites where a session type may be used (OpenTera 1.3). */
export interface SessionsTypesSitesTable {
  id_session_type_site: Id;
  id_session_type: number;
  id_site: number;
}

export interface SessionsTable {
  id_session: Id;
  session_uuid: string;
  id_creator_user: number | null;
  id_creator_device: number | null;
  id_creator_participant: number | null;
  id_creator_service: number | null;
  id_session_type: number;
  session_name: string;
  session_start_datetime: Timestamp;
  /** Seconds. */
  session_duration: Defaulted<number>;
  /** 0 not started, 1 in progress, 2 completed, 3 cancelled, 4 terminated. */
  session_status: number;
  session_comments: string | null;
  session_parameters: string | null;
  deleted_at: Timestamp | null;
}

export interface SessionsUsersTable {
  id_session_user: Id;
  id_session: number;
  id_user: number;
}

export interface SessionsParticipantsTable {
  id_session_participant: Id;
  id_session: number;
  id_participant: number;
}

export interface SessionsDevicesTable {
  id_session_device: Id;
  id_session: number;
  id_device: number;
}

export interface ServerSettingsTable {
  id_server_settings: Id;
  server_settings_name: string;
  server_settings_value: string;
}

/** TeraRelay's own: revoked user/participant tokens, kept until they would have expired. */
export interface RevokedTokensTable {
  token_kind: 'user' | 'participant';
  token: string;
  /** Epoch milliseconds (the token's `exp`). */
  expires_at: number;
}

/** TeraRelay's own: service tokens issued by `terarelay service-token`, by their `jti`. */
export interface ServiceTokensTable {
  token_id: string;
  id_service: number;
  issued_at: Timestamp;
  /** Null: the token does not expire. */
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** TeraRelay's own: users half-way through a login, by the SHA-256 (hex) of their session id. */
export interface LoginSessionsTable {
  session_hash: string;
  id_user: number;
  step: 'password_change' | '2fa_setup' | '2fa';
  /** The base32 secret a 2FA set-up offered, until it is confirmed. */
  otp_secret: string | null;
  /** Epoch milliseconds. */
  created_at: number;
  /** Epoch milliseconds. */
  expires_at: number;
}

/** Per user, the time step of the last 2FA code accepted (a code is accepted once). */
export interface OtpStepsTable {
  id_user: number;
  last_step: number;
}

export interface Database {
  t_sites: SitesTable;
  t_projects: ProjectsTable;
  t_users_groups: UsersGroupsTable;
  t_users_users_groups: UsersUsersGroupsTable;
  t_users: UsersTable;
  t_services: ServicesTable;
  t_services_roles: ServicesRolesTable;
  t_services_access: ServicesAccessTable;
  t_services_sites: ServicesSitesTable;
  t_services_projects: ServicesProjectsTable;
  t_participants_groups: ParticipantsGroupsTable;
  t_participants: ParticipantsTable;
  t_devices_types: DevicesTypesTable;
  t_devices_subtypes: DevicesSubtypesTable;
  t_devices: DevicesTable;
  t_devices_sites: DevicesSitesTable;
  t_devices_projects: DevicesProjectsTable;
  t_devices_participants: DevicesParticipantsTable;
  t_sessions_types: SessionsTypesTable;
  t_sessions_types_projects: SessionsTypesProjectsTable;
  t_sessions_types_sites: SessionsTypesSitesTable;
  t_sessions: SessionsTable;
  t_sessions_users: SessionsUsersTable;
  t_sessions_participants: SessionsParticipantsTable;
  t_sessions_devices: SessionsDevicesTable;
  t_server_settings: ServerSettingsTable;
  terarelay_revoked_tokens: RevokedTokensTable;
  terarelay_service_tokens: ServiceTokensTable;
  terarelay_login_sessions: LoginSessionsTable;
  terarelay_otp_steps: OtpStepsTable;
}

export type TableName = keyof Database;

export type Site = Selectable<SitesTable>;
export type Project = Selectable<ProjectsTable>;
export type UserGroup = Selectable<UsersGroupsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Service = Selectable<ServicesTable>;
export type ServiceRole = Selectable<ServicesRolesTable>;
export type ServiceAccess = Selectable<ServicesAccessTable>;
export type ParticipantGroup = Selectable<ParticipantsGroupsTable>;
export type Participant = Selectable<ParticipantsTable>;
export type NewParticipant = Insertable<ParticipantsTable>;
export type ParticipantUpdate = Updateable<ParticipantsTable>;
export type DeviceType = Selectable<DevicesTypesTable>;
export type DeviceSubtype = Selectable<DevicesSubtypesTable>;
export type Device = Selectable<DevicesTable>;
export type NewDevice = Insertable<DevicesTable>;
export type DeviceUpdate = Updateable<DevicesTable>;
export type SessionType = Selectable<SessionsTypesTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type SessionUpdate = Updateable<SessionsTable>;
export type ServerSetting = Selectable<ServerSettingsTable>;
export type RevokedToken = Selectable<RevokedTokensTable>;

/** Every `(table, column)` whose selected type is boolean. */
type BooleanColumn = {
  [T in TableName]: {
    [C in keyof Selectable<Database[T]>]: Selectable<Database[T]>[C] extends boolean ? C : never;
  }[keyof Selectable<Database[T]>];
}[TableName];

/**
 * The boolean column names (unique across tables). SQLite stores them as 0/1; the SQLite
 * plugin turns them back into booleans in results. The type checks below keep this list
 * equal to the boolean columns of `Database`.
 */
export const BOOLEAN_COLUMNS = [
  'site_2fa_required',
  'project_enabled',
  'user_enabled',
  'user_superadmin',
  'user_2fa_enabled',
  'user_2fa_otp_enabled',
  'user_2fa_email_enabled',
  'user_force_password_change',
  'service_enabled',
  'service_system',
  'service_editable_config',
  'service_has_assets',
  'service_has_tests',
  'participant_token_enabled',
  'participant_enabled',
  'participant_login_enabled',
  'device_enabled',
  'device_onlineable',
  'session_type_online',
] as const satisfies readonly BooleanColumn[];

type MissingBooleanColumn = Exclude<BooleanColumn, (typeof BOOLEAN_COLUMNS)[number]>;
/** Fails to compile when a boolean column is missing from BOOLEAN_COLUMNS. */
const booleanColumnsComplete: [MissingBooleanColumn] extends [never] ? true : MissingBooleanColumn =
  true;
void booleanColumnsComplete;

/** The soft-deletable tables (reads must filter `deleted_at is null`). */
export const SOFT_DELETE_TABLES = [
  't_sites',
  't_projects',
  't_users_groups',
  't_users',
  't_services',
  't_participants_groups',
  't_participants',
  't_devices',
  't_sessions_types',
  't_sessions',
] as const satisfies readonly TableName[];
