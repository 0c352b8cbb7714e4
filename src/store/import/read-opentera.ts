/**
 * The OpenTera side of the import: opening an OpenTera 1.3 PostgreSQL database, checking that it
 * has every table and column the import reads, and reading it inside one repeatable-read,
 * read-only transaction, so the copy is one consistent snapshot even while OpenTera runs.
 * Nothing here writes to OpenTera.
 */
import { ConfigError, maskUrl } from '../../config.js';
import { openDb, type Db } from '../connect.js';
import {
  countSourceRows,
  makeReadOnly,
  otherSettingNames,
  readSourcePage,
  sourceColumns,
  type Row,
} from '../queries/import.js';
import { IMPORTED_SETTINGS, requiredSourceColumns, type TablePlan } from './tables.js';
import { ImportError, reason } from './errors.js';

/** Rows read per page of a table. */
export const PAGE_SIZE = 2000;
/** Below every id: OpenTera's ids are PostgreSQL `integer`s. */
const INT4_MIN = -2147483648;

export interface SourceReader {
  /** Rows of the table in the source, copied or not. */
  count(plan: TablePlan): Promise<number>;
  /** The rows to copy, page by page, in id order. */
  pages(plan: TablePlan): AsyncGenerator<Row[]>;
  /** Names of the server settings the import leaves behind. */
  otherSettings(): Promise<string[]>;
}

/** Opens the OpenTera database at `url` and checks its schema; the caller closes it. */
export async function openOpenTera(url: string): Promise<Db> {
  const masked = maskUrl(url);
  if (!/^postgres(ql)?:\/\//i.test(url))
    throw new ImportError(
      'SOURCE_NOT_POSTGRES',
      `expected the postgres://… URL of an OpenTera database, got ${JSON.stringify(masked)}`,
    );
  let db: Db;
  try {
    db = await openDb(url);
  } catch (e) {
    const why = e instanceof ConfigError ? e.expected : reason(e);
    throw new ImportError('SOURCE_UNREACHABLE', `OpenTera database ${masked}: ${why}`, {
      cause: e,
    });
  }
  try {
    await checkOpenTeraSchema(db, masked);
    return db;
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Refuses a database that lacks a table or column the import reads. */
export async function checkOpenTeraSchema(db: Db, name: string): Promise<void> {
  const present = await sourceColumns(db);
  const missing = requiredSourceColumns()
    .filter(({ table, column }) => !present.get(table)?.has(column))
    .map(({ table, column }) => (present.has(table) ? `${table}.${column}` : table));
  const distinct = [...new Set(missing)];
  if (distinct.length === 0) return;
  const shown = distinct.slice(0, 6).join(', ');
  const more = distinct.length > 6 ? ` and ${distinct.length - 6} more` : '';
  throw new ImportError(
    'SOURCE_NOT_OPENTERA',
    `${name} is not an OpenTera 1.3 database: it lacks ${shown}${more}`,
  );
}

/** Runs `body` with a reader over one read-only snapshot of the source. */
export function withSnapshot<T>(db: Db, body: (reader: SourceReader) => Promise<T>): Promise<T> {
  return db.kysely
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      await makeReadOnly(trx);
      return body({
        count: (plan) => countSourceRows(trx, plan),
        async *pages(plan) {
          let after = INT4_MIN;
          for (;;) {
            const rows = await readSourcePage(trx, plan, after, PAGE_SIZE);
            if (rows.length === 0) return;
            yield rows;
            if (rows.length < PAGE_SIZE) return;
            after = Number(rows[rows.length - 1]![plan.id]);
          }
        },
        otherSettings: () => otherSettingNames(trx, IMPORTED_SETTINGS),
      });
    });
}
