/**
 * First-start seeding. A database is seeded only while it is empty (no server settings and no
 * users), inside one transaction, so a restart or a second node never seeds twice:
 * - `defaults`: server settings (token keys, DeviceRegisterKey, ServerUUID, ServerVersions),
 *   the services and their global roles, `Default Site` and its roles, the device types and
 *   `admin`/`admin` (superadmin, must change the password at first login);
 * - `test`: OpenTera's test dataset with OpenTera's integer ids;
 * - `bench:N`: the defaults plus a load-test dataset of N watchers, N project users, N
 *   participants and N devices (./bench.ts);
 * - `none`: nothing.
 * The report lists the credentials created, for printing at start (test and dev use only).
 */
import { sql } from 'kysely';
import type { Db } from '../connect.js';
import { seedDefaults } from './defaults.js';
import { seedTestData } from './test-dataset.js';
import { benchSize, seedBenchData } from './bench.js';

export type SeedMode = 'none' | 'defaults' | 'test' | `bench:${number}`;

export interface SeedReport {
  mode: SeedMode;
  credentials: Array<{
    kind: 'user' | 'participant' | 'device';
    /** Display name (user full name, participant or device name). */
    name: string;
    username?: string;
    password?: string;
    /** Static token (devices, token-enabled participants). */
    token?: string;
  }>;
}

/** Seeds an empty database; returns null (and changes nothing) when it is not empty. */
export async function seedIfEmpty(db: Db, mode: SeedMode): Promise<SeedReport | null> {
  if (mode === 'none') return null;
  return db.kysely.transaction().execute(async (trx) => {
    // Take the write lock before looking, so concurrent first starts (several nodes, or
    // processes sharing a SQLite file) seed once: the others wait, then find rows.
    if (db.dialect === 'postgres')
      await sql`lock table t_server_settings in exclusive mode`.execute(trx);
    else await sql`delete from t_server_settings where 1 = 0`.execute(trx);
    const settings = await trx
      .selectFrom('t_server_settings')
      .select('id_server_settings')
      .limit(1)
      .execute();
    const users = await trx.selectFrom('t_users').select('id_user').limit(1).execute();
    if (settings.length > 0 || users.length > 0) return null;
    const test = mode === 'test';
    const keys = await seedDefaults(trx, test);
    const bench = benchSize(mode);
    const credentials: SeedReport['credentials'] = test
      ? await seedTestData(trx, keys)
      : [
          { kind: 'user', name: 'Super Admin', username: 'admin', password: 'admin' },
          ...(bench === null ? [] : await seedBenchData(trx, keys, bench)),
        ];
    return { mode, credentials };
  });
}
