/**
 * The initial schema: OpenTera's tables (the columns TeraRelay reads or seeds) and
 * `terarelay_revoked_tokens`. Runs on SQLite and PostgreSQL; the column types differ only
 * where the dialects do (see ./types.ts). Indexes cover every uuid, username, token and
 * foreign-key column that a lookup or join uses.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';
import { columnTypes } from './types.js';

export function initialMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const s = db.schema;
      await s
        .createTable('t_sites')
        .addColumn('id_site', t.serial, t.pk)
        .addColumn('site_name', 'text', (c) => c.notNull())
        .addColumn('site_2fa_required', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_projects')
        .addColumn('id_project', t.serial, t.pk)
        .addColumn('id_site', 'integer', (c) =>
          c.notNull().references('t_sites.id_site').onDelete('cascade'),
        )
        .addColumn('project_name', 'text', (c) => c.notNull())
        .addColumn('project_enabled', t.bool, (c) => c.notNull().defaultTo(t.true))
        .addColumn('project_description', 'text')
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_users_groups')
        .addColumn('id_user_group', t.serial, t.pk)
        .addColumn('user_group_name', 'text', (c) => c.notNull())
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_users')
        .addColumn('id_user', t.serial, t.pk)
        .addColumn('user_uuid', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('user_username', 'varchar(50)', (c) => c.notNull().unique())
        .addColumn('user_email', 'text')
        .addColumn('user_password', 'text', (c) => c.notNull())
        .addColumn('user_firstname', 'text', (c) => c.notNull())
        .addColumn('user_lastname', 'text', (c) => c.notNull())
        .addColumn('user_profile', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('user_enabled', t.bool, (c) => c.notNull())
        .addColumn('user_notes', 'text')
        .addColumn('user_lastonline', t.timestamp)
        .addColumn('user_superadmin', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('user_2fa_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('user_2fa_otp_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('user_2fa_email_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('user_2fa_otp_secret', 'text')
        .addColumn('user_force_password_change', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_users_users_groups')
        .addColumn('id_user_user_group', t.serial, t.pk)
        .addColumn('id_user', 'integer', (c) =>
          c.notNull().references('t_users.id_user').onDelete('cascade'),
        )
        .addColumn('id_user_group', 'integer', (c) =>
          c.notNull().references('t_users_groups.id_user_group').onDelete('cascade'),
        )
        .execute();
      await s
        .createTable('t_services')
        .addColumn('id_service', t.serial, t.pk)
        .addColumn('service_uuid', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('service_name', 'text', (c) => c.notNull())
        .addColumn('service_key', 'text', (c) => c.notNull().unique())
        .addColumn('service_hostname', 'text', (c) => c.notNull())
        .addColumn('service_port', 'integer', (c) => c.notNull())
        .addColumn('service_endpoint', 'text', (c) => c.notNull())
        .addColumn('service_clientendpoint', 'text', (c) => c.notNull())
        .addColumn('service_endpoint_user', 'text')
        .addColumn('service_endpoint_participant', 'text')
        .addColumn('service_endpoint_device', 'text')
        .addColumn('service_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('service_system', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('service_editable_config', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('service_default_config', 'text', (c) => c.defaultTo('{}'))
        .addColumn('service_has_assets', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('service_has_tests', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_services_roles')
        .addColumn('id_service_role', t.serial, t.pk)
        .addColumn('id_service', 'integer', (c) =>
          c.notNull().references('t_services.id_service').onDelete('cascade'),
        )
        .addColumn('id_project', 'integer', (c) =>
          c.references('t_projects.id_project').onDelete('cascade'),
        )
        .addColumn('id_site', 'integer', (c) => c.references('t_sites.id_site').onDelete('cascade'))
        .addColumn('service_role_name', 'varchar(100)', (c) => c.notNull())
        .execute();
      await s
        .createTable('t_participants_groups')
        .addColumn('id_participant_group', t.serial, t.pk)
        .addColumn('id_project', 'integer', (c) =>
          c.notNull().references('t_projects.id_project').onDelete('cascade'),
        )
        .addColumn('participant_group_name', 'text', (c) => c.notNull())
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_participants')
        .addColumn('id_participant', t.serial, t.pk)
        .addColumn('participant_uuid', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('participant_name', 'text', (c) => c.notNull())
        .addColumn('participant_username', 'varchar(50)')
        .addColumn('participant_email', 'text')
        .addColumn('participant_password', 'text')
        .addColumn('participant_token_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('participant_token', 'text', (c) => c.unique())
        .addColumn('participant_lastonline', t.timestamp)
        .addColumn('participant_enabled', t.bool, (c) => c.notNull().defaultTo(t.true))
        .addColumn('participant_login_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('id_participant_group', 'integer', (c) =>
          c.references('t_participants_groups.id_participant_group').onDelete('cascade'),
        )
        .addColumn('id_project', 'integer', (c) =>
          c.notNull().references('t_projects.id_project').onDelete('cascade'),
        )
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_devices_types')
        .addColumn('id_device_type', t.serial, t.pk)
        .addColumn('device_type_key', 'text', (c) => c.notNull().unique())
        .addColumn('device_type_name', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('t_devices_subtypes')
        .addColumn('id_device_subtype', t.serial, t.pk)
        .addColumn('id_device_type', 'integer', (c) =>
          c.notNull().references('t_devices_types.id_device_type').onDelete('cascade'),
        )
        .addColumn('device_subtype_name', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('t_devices')
        .addColumn('id_device', t.serial, t.pk)
        .addColumn('device_uuid', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('device_name', 'text', (c) => c.notNull())
        .addColumn('id_device_type', 'integer', (c) =>
          c.notNull().references('t_devices_types.id_device_type').onDelete('cascade'),
        )
        .addColumn('id_device_subtype', 'integer', (c) =>
          c.references('t_devices_subtypes.id_device_subtype').onDelete('set null'),
        )
        .addColumn('device_token', 'text', (c) => c.unique())
        .addColumn('device_certificate', 'text')
        .addColumn('device_enabled', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('device_onlineable', t.bool, (c) => c.notNull().defaultTo(t.false))
        .addColumn('device_config', 'text')
        .addColumn('device_infos', 'text')
        .addColumn('device_notes', 'text')
        .addColumn('device_lastonline', t.timestamp)
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await s
        .createTable('t_services_access')
        .addColumn('id_service_access', t.serial, t.pk)
        .addColumn('id_service_role', 'integer', (c) =>
          c.notNull().references('t_services_roles.id_service_role').onDelete('cascade'),
        )
        .addColumn('id_user_group', 'integer', (c) =>
          c.references('t_users_groups.id_user_group').onDelete('cascade'),
        )
        .addColumn('id_participant_group', 'integer', (c) =>
          c.references('t_participants_groups.id_participant_group').onDelete('cascade'),
        )
        .addColumn('id_device', 'integer', (c) =>
          c.references('t_devices.id_device').onDelete('cascade'),
        )
        .execute();
      await linkTable(
        db,
        t,
        't_devices_sites',
        'id_device_site',
        ['id_device', 't_devices'],
        ['id_site', 't_sites'],
      );
      await linkTable(
        db,
        t,
        't_devices_projects',
        'id_device_project',
        ['id_device', 't_devices'],
        ['id_project', 't_projects'],
      );
      await linkTable(
        db,
        t,
        't_devices_participants',
        'id_device_participant',
        ['id_device', 't_devices'],
        ['id_participant', 't_participants'],
      );
      await s
        .createTable('t_sessions_types')
        .addColumn('id_session_type', t.serial, t.pk)
        .addColumn('id_service', 'integer', (c) =>
          c.references('t_services.id_service').onDelete('cascade'),
        )
        .addColumn('session_type_name', 'text', (c) => c.notNull())
        .addColumn('session_type_online', t.bool, (c) => c.notNull())
        .addColumn('session_type_config', 'text')
        .addColumn('session_type_color', 'varchar(7)', (c) => c.notNull())
        .addColumn('session_type_category', 'integer', (c) => c.notNull())
        .execute();
      await linkTable(
        db,
        t,
        't_sessions_types_projects',
        'id_session_type_project',
        ['id_session_type', 't_sessions_types'],
        ['id_project', 't_projects'],
      );
      await s
        .createTable('t_sessions')
        .addColumn('id_session', t.serial, t.pk)
        .addColumn('session_uuid', 'varchar(36)', (c) => c.notNull().unique())
        .addColumn('id_session_type', 'integer', (c) =>
          c.notNull().references('t_sessions_types.id_session_type'),
        )
        .addColumn('id_creator_user', 'integer', (c) => c.references('t_users.id_user'))
        .addColumn('id_creator_device', 'integer', (c) => c.references('t_devices.id_device'))
        .addColumn('id_creator_participant', 'integer', (c) =>
          c.references('t_participants.id_participant'),
        )
        .addColumn('id_creator_service', 'integer', (c) =>
          c.references('t_services.id_service').onDelete('cascade'),
        )
        .addColumn('session_name', 'text', (c) => c.notNull())
        .addColumn('session_start_datetime', t.timestamp, (c) => c.notNull())
        .addColumn('session_duration', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('session_status', 'integer', (c) => c.notNull())
        .addColumn('session_comments', 'text')
        .addColumn('session_parameters', 'text')
        .addColumn('deleted_at', t.timestamp)
        .execute();
      await linkTable(
        db,
        t,
        't_sessions_users',
        'id_session_user',
        ['id_session', 't_sessions'],
        ['id_user', 't_users'],
      );
      await linkTable(
        db,
        t,
        't_sessions_participants',
        'id_session_participant',
        ['id_session', 't_sessions'],
        ['id_participant', 't_participants'],
      );
      await linkTable(
        db,
        t,
        't_sessions_devices',
        'id_session_device',
        ['id_session', 't_sessions'],
        ['id_device', 't_devices'],
      );
      await s
        .createTable('t_server_settings')
        .addColumn('id_server_settings', t.serial, t.pk)
        .addColumn('server_settings_name', 'text', (c) => c.notNull().unique())
        .addColumn('server_settings_value', 'text', (c) => c.notNull())
        .execute();
      await s
        .createTable('terarelay_revoked_tokens')
        .addColumn('token_kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('expires_at', t.bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('terarelay_revoked_tokens_pk', ['token_kind', 'token'])
        .execute();

      const indexes: Array<[string, string]> = [
        ['t_projects', 'id_site'],
        ['t_users_users_groups', 'id_user'],
        ['t_users_users_groups', 'id_user_group'],
        ['t_services_roles', 'id_service'],
        ['t_services_roles', 'id_project'],
        ['t_services_roles', 'id_site'],
        ['t_services_access', 'id_service_role'],
        ['t_services_access', 'id_user_group'],
        ['t_services_access', 'id_participant_group'],
        ['t_services_access', 'id_device'],
        ['t_participants_groups', 'id_project'],
        ['t_participants', 'participant_username'],
        ['t_participants', 'id_participant_group'],
        ['t_participants', 'id_project'],
        ['t_devices_subtypes', 'id_device_type'],
        ['t_devices', 'id_device_type'],
        ['t_devices', 'id_device_subtype'],
        ['t_sessions_types', 'id_service'],
        ['t_sessions', 'id_session_type'],
        ['t_sessions', 'id_creator_user'],
        ['t_sessions', 'id_creator_device'],
        ['t_sessions', 'id_creator_participant'],
        ['t_sessions', 'id_creator_service'],
        ['terarelay_revoked_tokens', 'expires_at'],
      ];
      for (const [table, column] of indexes) {
        await s.createIndex(`${table}_${column}_idx`).on(table).column(column).execute();
      }
    },
  };
}

/** A link table `name(id, a → ta, b → tb)` with an index on each side. */
async function linkTable(
  db: Kysely<unknown>,
  t: ReturnType<typeof columnTypes>,
  name: string,
  id: string,
  [a, ta]: [string, string],
  [b, tb]: [string, string],
): Promise<void> {
  await db.schema
    .createTable(name)
    .addColumn(id, t.serial, t.pk)
    .addColumn(a, 'integer', (c) => c.notNull().references(`${ta}.${a}`).onDelete('cascade'))
    .addColumn(b, 'integer', (c) => c.notNull().references(`${tb}.${b}`).onDelete('cascade'))
    .execute();
  await db.schema.createIndex(`${name}_${a}_idx`).on(name).column(a).execute();
  await db.schema.createIndex(`${name}_${b}_idx`).on(name).column(b).execute();
}
