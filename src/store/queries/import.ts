/**
 * The SQL of `import-opentera`: reading an OpenTera 1.3 database (PostgreSQL) in pages inside
 * one read-only snapshot, and writing a TeraRelay database (SQLite or PostgreSQL) inside one
 * transaction. Table and column names come from the import plan (../import/tables.ts), never
 * from input. Values read are TeraRelay's row types: the source is opened like any TeraRelay
 * PostgreSQL database (../connect.ts), so timestamps arrive as ISO strings.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Db, Dialect } from '../connect.js';
import type { Database } from '../schema.js';
import type { CopiedTable, TablePlan } from '../import/tables.js';

export type Row = Record<string, unknown>;
type Queryable = Kysely<Database> | Transaction<Database>;

// --- source (OpenTera, PostgreSQL) -------------------------------------------------------------

/** Table → its column names, for the tables of the connection's current schema. */
export async function sourceColumns(db: Db): Promise<Map<string, Set<string>>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema()`.execute(db.kysely);
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    let columns = out.get(r.table_name);
    if (!columns) out.set(r.table_name, (columns = new Set()));
    columns.add(r.column_name);
  }
  return out;
}

/** Which PostgreSQL database a connection reaches: name, server address and port. */
export async function databaseIdentity(db: Db): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    select current_database() || '@' || coalesce(host(inet_server_addr()), 'local') || ':' ||
      coalesce(inet_server_port()::text, '') as id`.execute(db.kysely);
  return rows[0]?.id ?? '';
}

/** Makes the (repeatable read) transaction read-only: the import never writes to OpenTera. */
export async function makeReadOnly(trx: Transaction<Database>): Promise<void> {
  await sql`set transaction read only`.execute(trx);
}

/** `alias`'s row is copied: alive where it must be, its required columns set, its parents copied. */
function copiedCondition(plan: TablePlan, alias: string): RawBuilder<unknown> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const parts: RawBuilder<unknown>[] = [];
  if (plan.aliveOnly) parts.push(sql`${col('deleted_at')} is null`);
  for (const c of plan.required) parts.push(sql`${col(c)} is not null`);
  if (plan.settingNames)
    parts.push(sql`${col('server_settings_name')} in (${sql.join([...plan.settingNames])})`);
  for (const { column, parent } of plan.follows) {
    const p = `${alias}_${column}`;
    parts.push(sql`(${col(column)} is null or exists (
      select 1 from ${sql.table(parent.table)} as ${sql.id(p)}
      where ${sql.ref(`${p}.${parent.id}`)} = ${col(column)} and ${copiedCondition(parent, p)}))`);
  }
  if (plan.uniqueBy.length > 0) {
    const d = `${alias}_twin`;
    const same = plan.uniqueBy.map((c) => sql`${sql.ref(`${d}.${c}`)} = ${col(c)}`);
    parts.push(sql`not exists (
      select 1 from ${sql.table(plan.table)} as ${sql.id(d)}
      where ${sql.join(same, sql` and `)} and ${sql.ref(`${d}.${plan.id}`)} < ${col(plan.id)}
        and ${copiedCondition({ ...plan, uniqueBy: [] }, d)})`);
  }
  return parts.length > 0 ? sql.join(parts, sql` and `) : sql`true`;
}

/** Rows of `plan.table` in the source. */
export async function countSourceRows(trx: Queryable, plan: TablePlan): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from ${sql.table(plan.table)}`.execute(trx);
  return Number(rows[0]?.n ?? 0);
}

/** The next page of rows to copy: ids above `afterId`, in id order, `limit` at most. */
export async function readSourcePage(
  trx: Queryable,
  plan: TablePlan,
  afterId: number,
  limit: number,
): Promise<Row[]> {
  const columns = sql.join(plan.columns.map((c) => sql.ref(`t.${c}`)));
  const id = sql.ref(`t.${plan.id}`);
  const { rows } = await sql<Row>`
    select ${columns} from ${sql.table(plan.table)} as t
    where ${id} > ${afterId} and ${copiedCondition(plan, 't')}
    order by ${id} limit ${limit}`.execute(trx);
  return rows;
}

// --- target (TeraRelay, SQLite or PostgreSQL) --------------------------------------------------

/**
 * Takes the database's write lock for the rest of the transaction, so a node starting now waits
 * and then finds the imported rows instead of seeding its own.
 */
export async function lockTarget(trx: Transaction<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres')
    await sql`lock table t_server_settings in exclusive mode`.execute(trx);
  else await sql`delete from t_server_settings where 1 = 0`.execute(trx);
}

/** The tables among `tables` that hold at least one row. */
export async function nonEmptyTables(
  trx: Queryable,
  tables: readonly CopiedTable[],
): Promise<CopiedTable[]> {
  const out: CopiedTable[] = [];
  for (const table of tables) {
    const { rows } = await sql`select 1 from ${sql.table(table)} limit 1`.execute(trx);
    if (rows.length > 0) out.push(table);
  }
  return out;
}

/** Most bound parameters per insert, under SQLite's and PostgreSQL's limits alike. */
const MAX_PARAMETERS = 10_000;

/** Inserts rows, ids included, in statements of a bounded size. */
export async function insertRows(
  trx: Transaction<Database>,
  plan: TablePlan,
  rows: readonly Row[],
): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / plan.columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    await trx
      .insertInto(plan.table)
      .values(rows.slice(i, i + perStatement) as never)
      .execute();
  }
}

/** PostgreSQL: moves the id sequence past the largest id, so later inserts get fresh ids. */
export async function resetSequence(trx: Transaction<Database>, plan: TablePlan): Promise<void> {
  const id = sql.ref(plan.id);
  await sql`
    select setval(pg_get_serial_sequence(${plan.table}, ${plan.id}), coalesce(max(${id}), 0) + 1, false)
    from ${sql.table(plan.table)}`.execute(trx);
}

/** Rows of `plan.table` that carry `deleted_at`. */
export async function countSoftDeleted(trx: Queryable, plan: TablePlan): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from ${sql.table(plan.table)} where deleted_at is not null`.execute(trx);
  return Number(rows[0]?.n ?? 0);
}

/** Every device static token with its device's id and uuid. */
export function deviceTokens(
  trx: Queryable,
): Promise<Array<{ id: number; uuid: string; token: string }>> {
  return trx
    .selectFrom('t_devices')
    .select(['id_device as id', 'device_uuid as uuid', 'device_token as token'])
    .where('device_token', 'is not', null)
    .$narrowType<{ token: string }>()
    .orderBy('id_device')
    .execute();
}

/** Every participant static token with its participant's id and uuid. */
export function participantTokens(
  trx: Queryable,
): Promise<Array<{ id: number; uuid: string; token: string }>> {
  return trx
    .selectFrom('t_participants')
    .select(['id_participant as id', 'participant_uuid as uuid', 'participant_token as token'])
    .where('participant_token', 'is not', null)
    .$narrowType<{ token: string }>()
    .orderBy('id_participant')
    .execute();
}

/** The names of the server settings the database holds. */
export async function settingNames(trx: Queryable): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('t_server_settings')
    .select('server_settings_name as name')
    .execute();
  return new Set(rows.map((r) => r.name));
}

/** Setting names present in the source that the import leaves behind. */
export async function otherSettingNames(
  trx: Queryable,
  imported: readonly string[],
): Promise<string[]> {
  const rows = await trx
    .selectFrom('t_server_settings')
    .select('server_settings_name as name')
    .where('server_settings_name', 'not in', [...imported])
    .orderBy('server_settings_name')
    .execute();
  return rows.map((r) => r.name);
}
