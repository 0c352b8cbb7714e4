/** Whether the database answers at all (readiness and monitoring). */
import { sql } from 'kysely';
import type { Db } from '../connect.js';

/** Resolves once the database answered a trivial query; rejects when it cannot. */
export async function databaseAnswers(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
