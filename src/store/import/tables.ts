/**
 * What `import-opentera` copies from an OpenTera 1.3 database: every TeraRelay table that holds
 * OpenTera's data, in foreign-key order, with the columns TeraRelay keeps (same names in both
 * schemas; OpenTera's other columns, such as `version_id`, are not read) and which source rows
 * count as alive.
 *
 * Soft deletes: OpenTera soft-deletes rows of nearly every table, link tables included. Where
 * TeraRelay keeps `deleted_at` (sites, projects, groups, users, services, participants,
 * devices, session types, sessions), every row is copied with its `deleted_at`. Where it does not
 * (memberships, links, roles, grants), only rows OpenTera still reads are copied: rows whose
 * `deleted_at` is set are left behind, and so are the rows that point at a row left behind
 * (`follows`: a grant of a deleted role), which OpenTera no longer reached either. The copy
 * therefore satisfies every foreign key of TeraRelay's schema whenever the source satisfies
 * OpenTera's.
 */
import type { Selectable } from 'kysely';
import type { Database, TableName } from '../schema.js';
import { SETTING } from '../queries/settings.js';

/** The tables the import writes: OpenTera's, that is all of TeraRelay's but its own `terarelay_*`. */
export type CopiedTable = Exclude<TableName, `terarelay_${string}`>;

type ColumnOf<T extends CopiedTable> = keyof Selectable<Database[T]> & string;

/** The columns copied, per table: exactly TeraRelay's columns (checked below). */
const COLUMNS = {
  t_server_settings: ['id_server_settings', 'server_settings_name', 'server_settings_value'],
  t_services: [
    'id_service',
    'service_uuid',
    'service_name',
    'service_key',
    'service_hostname',
    'service_port',
    'service_endpoint',
    'service_clientendpoint',
    'service_endpoint_user',
    'service_endpoint_participant',
    'service_endpoint_device',
    'service_enabled',
    'service_system',
    'service_editable_config',
    'service_default_config',
    'service_has_assets',
    'service_has_tests',
    'deleted_at',
  ],
  t_sites: ['id_site', 'site_name', 'site_2fa_required', 'deleted_at'],
  t_projects: [
    'id_project',
    'id_site',
    'project_name',
    'project_enabled',
    'project_description',
    'deleted_at',
  ],
  t_services_roles: ['id_service_role', 'id_service', 'id_project', 'id_site', 'service_role_name'],
  t_services_sites: ['id_service_site', 'id_service', 'id_site'],
  t_services_projects: ['id_service_project', 'id_service', 'id_project'],
  t_users_groups: ['id_user_group', 'user_group_name', 'deleted_at'],
  t_users: [
    'id_user',
    'user_uuid',
    'user_username',
    'user_email',
    'user_password',
    'user_firstname',
    'user_lastname',
    'user_profile',
    'user_enabled',
    'user_notes',
    'user_lastonline',
    'user_superadmin',
    'user_2fa_enabled',
    'user_2fa_otp_enabled',
    'user_2fa_email_enabled',
    'user_2fa_otp_secret',
    'user_force_password_change',
    'deleted_at',
  ],
  t_users_users_groups: ['id_user_user_group', 'id_user', 'id_user_group'],
  t_participants_groups: [
    'id_participant_group',
    'id_project',
    'participant_group_name',
    'deleted_at',
  ],
  t_participants: [
    'id_participant',
    'participant_uuid',
    'participant_name',
    'participant_username',
    'participant_email',
    'participant_password',
    'participant_token_enabled',
    'participant_token',
    'participant_lastonline',
    'participant_enabled',
    'participant_login_enabled',
    'id_participant_group',
    'id_project',
    'deleted_at',
  ],
  t_devices_types: ['id_device_type', 'device_type_key', 'device_type_name'],
  t_devices_subtypes: ['id_device_subtype', 'id_device_type', 'device_subtype_name'],
  t_devices: [
    'id_device',
    'device_uuid',
    'device_name',
    'id_device_type',
    'id_device_subtype',
    'device_token',
    'device_certificate',
    'device_enabled',
    'device_onlineable',
    'device_config',
    'device_infos',
    'device_notes',
    'device_lastonline',
    'deleted_at',
  ],
  t_services_access: [
    'id_service_access',
    'id_service_role',
    'id_user_group',
    'id_participant_group',
    'id_device',
  ],
  t_devices_sites: ['id_device_site', 'id_device', 'id_site'],
  t_devices_projects: ['id_device_project', 'id_device', 'id_project'],
  t_devices_participants: ['id_device_participant', 'id_device', 'id_participant'],
  t_sessions_types: [
    'id_session_type',
    'id_service',
    'session_type_name',
    'session_type_online',
    'session_type_config',
    'session_type_color',
    'session_type_category',
    'deleted_at',
  ],
  t_sessions_types_projects: ['id_session_type_project', 'id_session_type', 'id_project'],
  t_sessions_types_sites: ['id_session_type_site', 'id_session_type', 'id_site'],
  t_sessions: [
    'id_session',
    'session_uuid',
    'id_creator_user',
    'id_creator_device',
    'id_creator_participant',
    'id_creator_service',
    'id_session_type',
    'session_name',
    'session_start_datetime',
    'session_duration',
    'session_status',
    'session_comments',
    'session_parameters',
    'deleted_at',
  ],
  t_sessions_users: ['id_session_user', 'id_session', 'id_user'],
  t_sessions_participants: ['id_session_participant', 'id_session', 'id_participant'],
  t_sessions_devices: ['id_session_device', 'id_session', 'id_device'],
} as const satisfies { [T in CopiedTable]: readonly ColumnOf<T>[] };

type MissingColumn = {
  [T in CopiedTable]: Exclude<ColumnOf<T>, (typeof COLUMNS)[T][number]>;
}[CopiedTable];
/** Fails to compile when a TeraRelay column is missing from COLUMNS (it would not be copied). */
const columnsComplete: [MissingColumn] extends [never] ? true : MissingColumn = true;
void columnsComplete;

export interface TablePlan {
  readonly table: CopiedTable;
  /** The integer primary key (pages are read in its order; PostgreSQL's sequence is reset). */
  readonly id: string;
  readonly columns: readonly string[];
  /** Whether OpenTera soft-deletes rows of this table (it then has `deleted_at`). */
  readonly softDeletedInOpenTera: boolean;
  /** Whether TeraRelay keeps `deleted_at` for this table (copied as is). */
  readonly keepsDeletedAt: boolean;
  /**
   * OpenTera soft-deletes rows of this table but TeraRelay keeps no `deleted_at` for it: only
   * rows with `deleted_at` null are copied.
   */
  readonly aliveOnly: boolean;
  /** Columns TeraRelay requires that OpenTera leaves nullable: a row with a null is not copied. */
  readonly required: readonly string[];
  /** References to tables whose rows may be left behind: a row is copied with its parent only. */
  readonly follows: ReadonlyArray<{ readonly column: string; readonly parent: TablePlan }>;
  /**
   * Columns TeraRelay keeps unique together and OpenTera does not: of rows alike, the one with
   * the smallest id is copied.
   */
  readonly uniqueBy: readonly string[];
  /** Only these rows, by `server_settings_name` (t_server_settings). */
  readonly settingNames?: readonly string[];
}

/**
 * The server settings copied: the static-token keys (without them no imported token verifies),
 * the device registration key, the server uuid and the known client versions. OpenTera's
 * dynamic token keys live in Redis, not here: TeraRelay creates its own at start (tokens of
 * logged-in users die, as at every OpenTera restart).
 */
export const IMPORTED_SETTINGS: readonly string[] = [
  SETTING.TokenEncryptionKey,
  SETTING.ParticipantTokenEncryptionKey,
  SETTING.DeviceRegisterKey,
  SETTING.ServerUUID,
  SETTING.ServerVersions,
];

/** The copied tables OpenTera never soft-deletes (no `deleted_at` there). */
const NEVER_SOFT_DELETED: readonly CopiedTable[] = [
  't_server_settings',
  't_devices_types',
  't_devices_subtypes',
];

function plan<T extends CopiedTable>(
  table: T,
  o: {
    required?: readonly ColumnOf<T>[];
    follows?: ReadonlyArray<{ column: ColumnOf<T>; parent: TablePlan }>;
    uniqueBy?: readonly ColumnOf<T>[];
    settingNames?: readonly string[];
  } = {},
): TablePlan {
  const columns: readonly string[] = COLUMNS[table];
  const softDeletedInOpenTera = !NEVER_SOFT_DELETED.includes(table);
  const keepsDeletedAt = columns.includes('deleted_at');
  return {
    table,
    id: columns[0]!,
    columns,
    softDeletedInOpenTera,
    keepsDeletedAt,
    aliveOnly: softDeletedInOpenTera && !keepsDeletedAt,
    required: o.required ?? [],
    follows: o.follows ?? [],
    uniqueBy: o.uniqueBy ?? [],
    ...(o.settingNames ? { settingNames: o.settingNames } : {}),
  };
}

const serviceRoles = plan('t_services_roles');

/** Every copied table, parents before children. */
export const IMPORT_PLAN: readonly TablePlan[] = [
  plan('t_server_settings', { settingNames: IMPORTED_SETTINGS }),
  plan('t_services'),
  plan('t_sites'),
  plan('t_projects'),
  serviceRoles,
  plan('t_services_sites', { uniqueBy: ['id_service', 'id_site'] }),
  plan('t_services_projects', { uniqueBy: ['id_service', 'id_project'] }),
  plan('t_users_groups'),
  plan('t_users'),
  plan('t_users_users_groups'),
  plan('t_participants_groups'),
  plan('t_participants'),
  plan('t_devices_types'),
  plan('t_devices_subtypes'),
  plan('t_devices'),
  plan('t_services_access', { follows: [{ column: 'id_service_role', parent: serviceRoles }] }),
  plan('t_devices_sites'),
  plan('t_devices_projects'),
  plan('t_devices_participants'),
  plan('t_sessions_types'),
  plan('t_sessions_types_projects'),
  plan('t_sessions_types_sites', { uniqueBy: ['id_session_type', 'id_site'] }),
  plan('t_sessions'),
  plan('t_sessions_users', { required: ['id_session', 'id_user'] }),
  plan('t_sessions_participants', { required: ['id_session', 'id_participant'] }),
  plan('t_sessions_devices', { required: ['id_session', 'id_device'] }),
];

/** The columns an OpenTera 1.3 database must have for the import (its own, plus `deleted_at`). */
export function requiredSourceColumns(): Array<{ table: string; column: string }> {
  return IMPORT_PLAN.flatMap((p) =>
    [...p.columns, ...(p.aliveOnly ? ['deleted_at'] : [])].map((column) => ({
      table: p.table,
      column,
    })),
  );
}
