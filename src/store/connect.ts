/**
 * Opens the database named by `--db`: one Kysely instance over SQLite (better-sqlite3) or
 * PostgreSQL (pg pool), with the same TypeScript row types on both (see ./schema.ts).
 *
 * URLs: `sqlite:<path>` (parent directories are created; WAL journal), `sqlite::memory:`,
 * `postgres://…` / `postgresql://…`. The connection is checked before returning; any failure
 * is a ConfigError naming `--db` with the password masked, so the CLI prints one line.
 *
 * SQLite support is the optional package better-sqlite3, loaded only for `sqlite:` URLs; when it
 * is not installed, opening a `sqlite:` URL is a ConfigError saying how to install it.
 * PostgreSQL TLS is set in the URL and applied by `pg`: `sslmode=verify-full` checks the server's
 * certificate and name (`sslrootcert=<file>` for a private CA; `sslcert=<file>`/`sslkey=<file>`
 * for a client certificate); `sslmode=disable` turns TLS off.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type LogEvent,
} from 'kysely';
import pg from 'pg';
import { ConfigError, maskUrl, sqliteFile } from '../config.js';
import type { Database } from './schema.js';
import { sqliteBooleans } from './sqlite-booleans.js';
import { PreparingPool } from './preparing-pool.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * Marks the SQL text of a compiled query as hot: on PostgreSQL it then runs as a named
   * prepared statement, planned once per connection (./preparing-pool.ts); nothing on SQLite.
   */
  prepare(text: string): void;
  /** Closes every connection. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** Extra Kysely plugins (after TeraRelay's own). */
  plugins?: KyselyPlugin[];
  /** Kysely's query log: called for every query (tests count queries with it). */
  log?: (e: LogEvent) => void;
}

/** `url` with any password replaced by `***`, safe to print. */
export const maskDbUrl = maskUrl;

// PostgreSQL type OIDs read back as TeraRelay's row types.
const INT8 = 20;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** Per-pool parsers: bigint → number, timestamps → ISO-8601 strings. */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if (format !== 'binary') {
      if (oid === INT8) return (v: string) => Number(v);
      if (oid === TIMESTAMPTZ) return (v: string) => new Date(v).toISOString();
      if (oid === TIMESTAMP)
        return (v: string) => new Date(v.replace(' ', 'T') + 'Z').toISOString();
    }
    return format === 'binary'
      ? pg.types.getTypeParser(oid, 'binary')
      : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

function shortReason(e: unknown): string {
  const err = e as { message?: unknown; code?: unknown; errors?: unknown[] };
  let msg = typeof err.message === 'string' ? err.message : String(e);
  if (!msg && Array.isArray(err.errors) && err.errors.length > 0) msg = shortReason(err.errors[0]);
  if (!msg && typeof err.code === 'string') msg = err.code;
  const line = msg.split('\n')[0]?.trim() ?? '';
  return line.length > 200 ? line.slice(0, 197) + '...' : line || 'unknown error';
}

/**
 * The better-sqlite3 constructor. Throws a ConfigError naming `--db` when the optional package is
 * not installed (with how to install it) or cannot be loaded.
 */
async function loadSqlite(masked: string): Promise<typeof SqliteDatabase> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing =
      err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes("'better-sqlite3'");
    throw new ConfigError(
      '--db',
      masked,
      missing
        ? 'SQLite needs the optional package better-sqlite3: run `npm install better-sqlite3` ' +
            'where terarelay is installed, or use postgres://…'
        : `cannot load better-sqlite3: ${shortReason(e)}`,
    );
  }
}

export async function openDb(url: string, options: OpenDbOptions = {}): Promise<Db> {
  const masked = maskDbUrl(url);
  const fail = (reason: string): ConfigError =>
    new ConfigError('--db', masked, `cannot connect: ${reason}`);
  let kysely: Kysely<Database>;
  let dialect: Dialect;
  let prepare = (_text: string): void => {};
  if (url.startsWith('sqlite:')) {
    dialect = 'sqlite';
    const path = sqliteFile(url);
    const Sqlite = await loadSqlite(masked);
    let database: SqliteDatabase.Database;
    try {
      if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
      database = new Sqlite(path);
      if (path !== ':memory:') database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma('busy_timeout = 5000');
    } catch (e) {
      throw fail(shortReason(e));
    }
    kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      plugins: [sqliteBooleans(), ...(options.plugins ?? [])],
      ...(options.log ? { log: options.log } : {}),
    });
  } else if (/^postgres(ql)?:\/\//i.test(url)) {
    dialect = 'postgres';
    const pool = new pg.Pool({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      types: pgTypes,
      max: 10,
    });
    // An idle client losing its connection is reported here; the next query on the pool
    // fails (or reconnects) on its own, so the event must not crash the process.
    pool.on('error', () => {});
    const preparing = new PreparingPool(pool);
    prepare = (text) => preparing.prepare(text);
    kysely = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: preparing }),
      plugins: [...(options.plugins ?? [])],
      ...(options.log ? { log: options.log } : {}),
    });
  } else {
    throw new ConfigError(
      '--db',
      masked,
      'expected sqlite:<path>, sqlite::memory: or postgres://…',
    );
  }
  try {
    await sql`select 1`.execute(kysely);
  } catch (e) {
    await kysely.destroy().catch(() => {});
    throw fail(shortReason(e));
  }
  let closing: Promise<void> | null = null;
  return {
    kysely,
    dialect,
    prepare,
    close: () => (closing ??= kysely.destroy()),
  };
}
