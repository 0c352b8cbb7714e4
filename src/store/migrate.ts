/**
 * Brings the schema to the latest version. One migration set for both dialects, provided in
 * code (no directory scan, so it works the same from src/ and dist/). Safe to call at every
 * start and from several nodes at once (Kysely's migrator takes a lock).
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Dialect } from './connect.js';
import { initialMigration } from './migrations/0001-initial.js';

/** The migrations by name; names sort in the order they must run. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
  };
}

export async function migrateToLatest(db: Db): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: () => Promise.resolve(migrations(db.dialect)),
  };
  const migrator = new Migrator({
    db: db.kysely,
    provider,
    migrationTableName: 'terarelay_migrations',
    migrationLockTableName: 'terarelay_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(
      `database migration ${failed} failed: ${(error as Error).message ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
}
