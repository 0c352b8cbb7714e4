/**
 * The services enabled per site and per project, as OpenTera 1.3 keeps them:
 * `t_services_sites` (a service usable on a site) and `t_services_projects` (a service usable
 * in a project, one of its site's services). One row per pair.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../connect.js';
import { columnTypes } from './types.js';

export function serviceProjectsSitesMigration(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [table, id, other, otherTable] of [
        ['t_services_sites', 'id_service_site', 'id_site', 't_sites'],
        ['t_services_projects', 'id_service_project', 'id_project', 't_projects'],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn(id, t.serial, t.pk)
          .addColumn('id_service', 'integer', (c) =>
            c.notNull().references('t_services.id_service').onDelete('cascade'),
          )
          .addColumn(other, 'integer', (c) =>
            c.notNull().references(`${otherTable}.${other}`).onDelete('cascade'),
          )
          .execute();
        await db.schema
          .createIndex(`${table}_pair_idx`)
          .on(table)
          .columns(['id_service', other])
          .unique()
          .execute();
        await db.schema.createIndex(`${table}_${other}_idx`).on(table).column(other).execute();
      }
    },
  };
}
