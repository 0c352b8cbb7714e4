/**
 * `terarelay import-opentera <postgres url>`: copies an OpenTera 1.3 deployment's access model
 * (sites, projects, groups, users with their bcrypt hashes, participants and devices with their
 * static tokens, device types and links, services with their roles and grants, session types,
 * sessions and their members, and the server settings that matter, the static-token keys first)
 * into an empty TeraRelay database, keeping every id and uuid, so no one re-enrols and every
 * device and participant token keeps working. One snapshot of the source, one transaction on
 * the target: it copies all of it or nothing.
 */
import { maskUrl } from '../../config.js';
import { openDb, type Db } from '../connect.js';
import { migrateToLatest } from '../migrate.js';
import { databaseIdentity, settingNames } from '../queries/import.js';
import { withEmptyTarget } from './copy.js';
import { ImportError, reason } from './errors.js';
import { openOpenTera, withSnapshot } from './read-opentera.js';
import type { ImportReport, TableReport } from './report.js';
import { IMPORT_PLAN, IMPORTED_SETTINGS } from './tables.js';
import { checkStaticTokens } from './tokens-check.js';

/** Copies `source` (an opened OpenTera database) into `target` (a migrated TeraRelay database). */
export function importOpenTera(
  source: Db,
  target: Db,
  names: { source: string; target: string },
): Promise<ImportReport> {
  return withSnapshot(source, (reader) =>
    withEmptyTarget(target, names.target, async (w) => {
      const tables: TableReport[] = [];
      for (const plan of IMPORT_PLAN) {
        let copied = 0;
        try {
          for await (const rows of reader.pages(plan)) {
            await w.insert(plan, rows);
            copied += rows.length;
          }
          await w.finish(plan);
        } catch (e) {
          throw new ImportError(
            'COPY_FAILED',
            `copying ${plan.table} failed: ${reason(e)}; nothing was written`,
            { cause: e },
          );
        }
        tables.push({
          table: plan.table,
          copied,
          leftBehind: (await reader.count(plan)) - copied,
          softDeleted: plan.keepsDeletedAt ? await w.softDeleted(plan) : null,
        });
      }
      const present = await settingNames(w.trx);
      return {
        ...names,
        tables,
        settings: {
          copied: IMPORTED_SETTINGS.filter((n) => present.has(n)),
          leftBehind: await reader.otherSettings(),
        },
        tokens: await checkStaticTokens(w.trx),
      };
    }),
  );
}

/**
 * Opens the OpenTera database at `sourceUrl` and the TeraRelay database at `targetUrl` (created
 * and migrated when new), imports, and closes both.
 */
export async function importOpenTeraInto(
  sourceUrl: string,
  targetUrl: string,
): Promise<ImportReport> {
  const names = { source: maskUrl(sourceUrl), target: maskUrl(targetUrl) };
  const source = await openOpenTera(sourceUrl);
  try {
    const target = await openDb(targetUrl);
    try {
      if (
        target.dialect === 'postgres' &&
        (await databaseIdentity(source)) === (await databaseIdentity(target))
      )
        throw new ImportError(
          'SAME_DATABASE',
          `${names.target} is the OpenTera database itself: give TeraRelay a database of its own`,
        );
      await migrateToLatest(target);
      return await importOpenTera(source, target, names);
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}
