/**
 * Session types per site, as OpenTera 1.3 keeps them: `t_sessions_types_sites` (a session
 * type is usable in a project only when it is linked to that project's site), and soft delete
 * of session types (`t_sessions_types.deleted_at`). Existing databases get each session type
 * linked to the sites of the projects it is linked to, as OpenTera's own upgrade does.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../connect.js';
import { columnTypes } from './types.js';

export function sessionTypeSitesMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('t_sessions_types').addColumn('deleted_at', t.timestamp).execute();
      await db.schema
        .createTable('t_sessions_types_sites')
        .addColumn('id_session_type_site', t.serial, t.pk)
        .addColumn('id_session_type', 'integer', (c) =>
          c.notNull().references('t_sessions_types.id_session_type').onDelete('cascade'),
        )
        .addColumn('id_site', 'integer', (c) =>
          c.notNull().references('t_sites.id_site').onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('t_sessions_types_sites_pair_idx')
        .on('t_sessions_types_sites')
        .columns(['id_session_type', 'id_site'])
        .unique()
        .execute();
      await db.schema
        .createIndex('t_sessions_types_sites_id_site_idx')
        .on('t_sessions_types_sites')
        .column('id_site')
        .execute();
      await sql`
        INSERT INTO t_sessions_types_sites (id_session_type, id_site)
        SELECT DISTINCT stp.id_session_type, p.id_site
        FROM t_sessions_types_projects stp
        JOIN t_projects p ON p.id_project = stp.id_project
      `.execute(db);
    },
  };
}
