/**
 * Brings the schema to the latest version. One migration set for both dialects, provided in
 * code (no directory scan, so it works the same from src/ and dist/). Safe to call at every
 * start and from several nodes at once (Kysely's migrator takes a lock).
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Dialect } from './connect.js';
import { initialMigration } from './migrations/0001-initial.js';
import { sessionTypeSitesMigration } from './migrations/0002-session-type-sites.js';
import { serviceProjectsSitesMigration } from './migrations/0003-service-projects-sites.js';
import { loginSessionsMigration } from './migrations/0004-login-sessions.js';
import { serviceTokensMigration } from './migrations/0005-service-tokens.js';
import { participantUsernamesMigration } from './migrations/0007-participant-usernames.js';
import { otpStepsMigration } from './migrations/0008-otp-steps.js';

/** The migrations by name; names sort in the order they must run. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-session-type-sites': sessionTypeSitesMigration(dialect),
    '0003-service-projects-sites': serviceProjectsSitesMigration(dialect),
    '0004-login-sessions': loginSessionsMigration(dialect),
    '0005-service-tokens': serviceTokensMigration(dialect),
    '0007-participant-usernames': participantUsernamesMigration,
    '0008-otp-steps': otpStepsMigration,
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
