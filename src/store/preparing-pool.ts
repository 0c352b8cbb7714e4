/**
 * The pg pool as Kysely sees it, running the SQL texts marked with `prepare` as named prepared
 * statements: PostgreSQL parses each once per connection and, after its first runs, reuses a
 * generic plan instead of planning it at every run. For hot queries whose planning costs more
 * than their execution (a device login's one query plans in several times the time it runs,
 * and a connect storm runs it for every device). Every other query passes through unchanged.
 *
 * A marked text keeps its name for the pool's life, so it must be the exact text of a compiled
 * query with placeholders (never one with values inlined).
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

export class PreparingPool implements PostgresPool {
  private readonly names = new Map<string, string>();
  /** One wrapper per pg client, so Kysely (which keeps a connection per client) sees one client. */
  private readonly wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  constructor(private readonly pool: pg.Pool) {}

  /** From now on, `text` runs as a named prepared statement. */
  prepare(text: string): void {
    if (!this.names.has(text)) this.names.set(text, `terarelay_${this.names.size + 1}`);
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    let wrapper = this.wrapped.get(client);
    if (!wrapper) {
      wrapper = this.wrap(client);
      this.wrapped.set(client, wrapper);
    }
    return wrapper;
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private wrap(client: pg.PoolClient): PostgresPoolClient {
    const names = this.names;
    const query = (text: unknown, values?: ReadonlyArray<unknown>): unknown => {
      const name = typeof text === 'string' ? names.get(text) : undefined;
      if (name !== undefined)
        return client.query({ name, text: text as string, values: values as unknown[] });
      return (client.query as (...args: unknown[]) => unknown)(text, values);
    };
    return {
      query: query as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    };
  }
}
