/** Column types and defaults that differ between SQLite and PostgreSQL. */
import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type RawBuilder } from 'kysely';
import type { Dialect } from '../connect.js';

export interface ColumnTypes {
  /** Auto-increment integer id type; use with `pk`. */
  serial: ColumnDataType;
  pk: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
  /** `boolean` (PostgreSQL) or `integer` 0/1 (SQLite). */
  bool: ColumnDataType;
  true: RawBuilder<unknown>;
  false: RawBuilder<unknown>;
  /** `timestamptz` (PostgreSQL) or ISO-8601 `text` (SQLite). */
  timestamp: ColumnDataType;
  bigint: ColumnDataType;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  if (dialect === 'postgres') {
    return {
      serial: 'serial',
      pk: (c) => c.primaryKey(),
      bool: 'boolean',
      true: sql`true`,
      false: sql`false`,
      timestamp: 'timestamptz',
      bigint: 'bigint',
    };
  }
  return {
    serial: 'integer',
    pk: (c) => c.primaryKey().autoIncrement(),
    bool: 'integer',
    true: sql`1`,
    false: sql`0`,
    timestamp: 'text',
    bigint: 'integer',
  };
}
