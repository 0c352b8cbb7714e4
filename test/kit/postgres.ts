/**
 * A private PostgreSQL database per test file: created on demand, dropped by `drop()`.
 * Server: TERARELAY_TEST_PG (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { unavailable } from './services.js';

export const PG_ADMIN_URL =
  process.env.TERARELAY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh database, or returns a skip reason when PostgreSQL is unreachable locally. */
export async function createTestDatabase(): Promise<TestDatabase | { skip: string }> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (e) {
    return { skip: unavailable('PostgreSQL', `${PG_ADMIN_URL}: ${(e as Error).message}`) };
  }
  const name = `terarelay_t_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
