/**
 * The TeraRelay side of the import: one transaction on the target that takes the write lock,
 * refuses a database already holding data, inserts every row with its id, and on PostgreSQL moves
 * each id sequence past the largest id copied (SQLite's AUTOINCREMENT follows explicit ids by
 * itself). When anything fails the transaction rolls back: the target stays empty.
 */
import type { Transaction } from 'kysely';
import type { Db, Dialect } from '../connect.js';
import type { Database } from '../schema.js';
import {
  countSoftDeleted,
  insertRows,
  lockTarget,
  nonEmptyTables,
  resetSequence,
  type Row,
} from '../queries/import.js';
import { IMPORT_PLAN, type TablePlan } from './tables.js';
import { ImportError } from './errors.js';

export interface TargetWriter {
  readonly trx: Transaction<Database>;
  insert(plan: TablePlan, rows: readonly Row[]): Promise<void>;
  /** Called once a table is copied: PostgreSQL's sequence moves past its ids. */
  finish(plan: TablePlan): Promise<void>;
  /** Copied rows of the table that carry `deleted_at`. */
  softDeleted(plan: TablePlan): Promise<number>;
}

function writer(trx: Transaction<Database>, dialect: Dialect): TargetWriter {
  return {
    trx,
    insert: (plan, rows) => insertRows(trx, plan, rows),
    finish: async (plan) => {
      if (dialect === 'postgres') await resetSequence(trx, plan);
    },
    softDeleted: (plan) => countSoftDeleted(trx, plan),
  };
}

/**
 * Runs `body` in one transaction on an empty target (every imported table without rows);
 * throws TARGET_NOT_EMPTY, having changed nothing, otherwise.
 */
export function withEmptyTarget<T>(
  db: Db,
  name: string,
  body: (w: TargetWriter) => Promise<T>,
): Promise<T> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockTarget(trx, db.dialect);
    const full = await nonEmptyTables(
      trx,
      IMPORT_PLAN.map((p) => p.table),
    );
    if (full.length > 0)
      throw new ImportError(
        'TARGET_NOT_EMPTY',
        `${name} already holds data (${full.slice(0, 4).join(', ')}${full.length > 4 ? ', …' : ''}): ` +
          'import into a new, empty database (one no TeraRelay node has started on)',
      );
    return body(writer(trx, db.dialect));
  });
}
