/**
 * The parts of the `--seed bench:N` dataset the load generator drives, read from the database
 * the relay uses: one participant per bench project (the fan-out's event subjects) and the
 * device tokens, in device order. On PostgreSQL it also gathers the planner's statistics.
 */
import { sql } from 'kysely';
import { openDb } from '../../src/store/connect.js';
import {
  BENCH_PROJECTS,
  benchDevice,
  benchParticipant,
  benchProjectName,
  benchWatcher,
} from '../../src/store/seed/bench.js';

export interface BenchDataset {
  /** Participants 1 … BENCH_PROJECTS: participant i is in project i. */
  readonly participants: ReadonlyArray<{ uuid: string; project: string }>;
  /** Device tokens of `Bench device 1` … `Bench device <devices>`. */
  readonly deviceTokens: readonly string[];
}

/** Reads the dataset; throws when the database lacks `bench:<size>` rows. */
export async function readDataset(dbUrl: string, size: number): Promise<BenchDataset> {
  const db = await openDb(dbUrl);
  try {
    const k = db.kysely;
    const lastWatcher = await k
      .selectFrom('t_users')
      .select('id_user')
      .where('user_username', '=', benchWatcher(size))
      .executeTakeFirst();
    if (!lastWatcher)
      throw new Error(
        `the database has no ${benchWatcher(size)}: give an empty database (it is seeded with ` +
          `bench:${size}) or one seeded with bench:N, N >= ${size}`,
      );
    const participants = [];
    for (let i = 1; i <= BENCH_PROJECTS; i++) {
      const row = await k
        .selectFrom('t_participants')
        .select('participant_uuid')
        .where('participant_name', '=', benchParticipant(i))
        .executeTakeFirstOrThrow();
      participants.push({ uuid: row.participant_uuid, project: benchProjectName(i) });
    }
    const devices = await k
      .selectFrom('t_devices')
      .select(['device_name', 'device_token'])
      .where('device_name', 'like', 'Bench device %')
      .execute();
    const tokens = new Map(devices.map((d) => [d.device_name, d.device_token ?? '']));
    const deviceTokens = Array.from({ length: size }, (_, k) => tokens.get(benchDevice(k + 1))!);
    // PostgreSQL plans from table statistics, which a bulk seed leaves stale until autovacuum
    // analyzes (never where it is off): a join may then scan every row. And every invocation's
    // logins update each device's row (`lastonline`): where autovacuum is off, the dead rows
    // pile up from one invocation to the next and slow every lookup. Vacuum and analyze before
    // any load, so that invocations start alike.
    if (db.dialect === 'postgres') await sql`vacuum (analyze)`.execute(k);
    return { participants, deviceTokens };
  } finally {
    await db.close();
  }
}
