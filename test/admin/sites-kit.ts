/**
 * Tools of the site, project, user group and access tests: DatabaseEvents read off the bus,
 * request shortcuts, and rows inserted the way OpenTera's tests insert them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { DatabaseEvent_EventType, DatabaseEventSchema } from '../../src/protocol/messages.js';
import { databaseEventsTopic } from '../../src/topics.js';
import { basic, type TestResponse, type TestServer } from '../kit/server.js';
import { listen } from '../kit/http.js';
import type { AdminSuite } from '../kit/admin.js';

export interface DbEvent {
  type: 'create' | 'update' | 'delete';
  object: Record<string, unknown>;
}

const TYPES: Record<number, DbEvent['type']> = {
  [DatabaseEvent_EventType.DB_CREATE]: 'create',
  [DatabaseEvent_EventType.DB_UPDATE]: 'update',
  [DatabaseEvent_EventType.DB_DELETE]: 'delete',
};

/** Reads the DatabaseEvents published about `model`, in order. */
export async function dbEvents(server: TestServer, model: string) {
  const sub = await listen(server, databaseEventsTopic(model));
  return {
    async next(): Promise<DbEvent> {
      const event = server.deps.codec.decodeEvent(await sub.next());
      const any = event.events[0];
      assert.ok(any, 'the TeraEvent holds an event');
      const db = anyUnpack(any, DatabaseEventSchema);
      assert.ok(db, 'a DatabaseEvent');
      assert.equal(db.objectType, model);
      return {
        type: TYPES[db.type]!,
        object: JSON.parse(db.objectValue) as Record<string, unknown>,
      };
    },
    close: () => sub.close(),
  };
}

type Method = 'GET' | 'POST' | 'DELETE';

/** The request shortcuts of one endpoint, every answer checked against the OpenAPI document. */
export function endpoint(suite: AdminSuite, path: string) {
  const call = async (
    method: Method,
    authorization: string | undefined,
    opts: { query?: Record<string, string | number | boolean>; body?: unknown } = {},
  ): Promise<TestResponse> => {
    const qs = opts.query
      ? '?' +
        new URLSearchParams(
          Object.entries(opts.query).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString()
      : '';
    return suite.api.request(path + qs, {
      method,
      headers: authorization ? { authorization } : {},
      ...(opts.body !== undefined ? { body: opts.body as object } : {}),
    });
  };
  const as = async (username: string) => suite.auth(username);
  return {
    get: async (username: string, query: Record<string, string | number | boolean> = {}) =>
      call('GET', await as(username), { query }),
    post: async (username: string, body: unknown) => call('POST', await as(username), { body }),
    delete: async (username: string, query: Record<string, string | number | boolean> = {}) =>
      call('DELETE', await as(username), { query }),
    /** Without credentials, with bad Basic credentials, or with a bad token. */
    refused: (method: Method, how: 'none' | 'basic' | 'token') =>
      call(
        method,
        how === 'none'
          ? undefined
          : how === 'basic'
            ? basic('nobody-here', 'invalid')
            : 'OpenTera invalid',
      ),
  };
}

export type Endpoint = ReturnType<typeof endpoint>;

/** Asserts the 401 of OpenTera's "no auth" and "invalid auth" tests on every method. */
export async function assertAuthRequired(ep: Endpoint): Promise<void> {
  for (const method of ['GET', 'POST', 'DELETE'] as const)
    for (const how of ['none', 'basic', 'token'] as const) {
      const r = await ep.refused(method, how);
      assert.equal(r.status, 401, `${method} with ${how} auth`);
    }
}

/** A project inserted directly, as OpenTera's tests do with `TeraProject.insert`. */
export async function insertProjectRow(
  server: TestServer,
  id_site: number,
  project_name: string,
): Promise<number> {
  const row = await server.deps.db.kysely
    .insertInto('t_projects')
    .values({ id_site, project_name })
    .returning('id_project')
    .executeTakeFirstOrThrow();
  return row.id_project;
}

/** A participant inserted directly in a project. */
export async function insertParticipantRow(
  server: TestServer,
  id_project: number,
  participant_name: string,
): Promise<number> {
  const row = await server.deps.db.kysely
    .insertInto('t_participants')
    .values({ participant_uuid: randomUUID(), participant_name, id_project })
    .returning('id_participant')
    .executeTakeFirstOrThrow();
  return row.id_participant;
}

/** A session created by a participant (session type 1); returns its id. */
export async function insertParticipantSession(
  server: TestServer,
  id_creator_participant: number,
): Promise<number> {
  const row = await server.deps.db.kysely
    .insertInto('t_sessions')
    .values({
      session_uuid: randomUUID(),
      id_session_type: 1,
      session_name: 'Session #1',
      session_start_datetime: new Date().toISOString(),
      session_status: 0,
      id_creator_participant,
    })
    .returning('id_session')
    .executeTakeFirstOrThrow();
  return row.id_session;
}

export async function deleteSessionRow(server: TestServer, id_session: number): Promise<void> {
  await server.deps.db.kysely
    .deleteFrom('t_sessions')
    .where('id_session', '=', id_session)
    .execute();
}

/** Whether a participant is alive (not soft-deleted). */
export async function participantAlive(server: TestServer, id: number): Promise<boolean> {
  const row = await server.deps.db.kysely
    .selectFrom('t_participants')
    .select('deleted_at')
    .where('id_participant', '=', id)
    .executeTakeFirstOrThrow();
  return row.deleted_at === null;
}

export async function userIdOf(server: TestServer, username: string): Promise<number> {
  const row = await server.deps.db.kysely
    .selectFrom('t_users')
    .select('id_user')
    .where('user_username', '=', username)
    .executeTakeFirstOrThrow();
  return row.id_user;
}

export async function userUuidOf(server: TestServer, username: string): Promise<string> {
  const row = await server.deps.db.kysely
    .selectFrom('t_users')
    .select('user_uuid')
    .where('user_username', '=', username)
    .executeTakeFirstOrThrow();
  return row.user_uuid;
}
