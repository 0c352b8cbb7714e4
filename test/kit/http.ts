/**
 * Helpers shared by the REST tests: a server per suite or per test, seed lookups and row
 * changes, logins, JWT payload reading, bus listeners, and the OpenAPI checker that validates
 * live answers against the served document.
 */
import { after, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import {
  basic,
  startTestServer,
  type RequestOptions,
  type TestResponse,
  type TestServer,
} from './server.js';
import type { ConfigKey } from '../../src/config.js';
import type { ParticipantUpdate, UserUpdate } from '../../src/store/schema.js';
import type { PrincipalKind } from '../../src/principal.js';
import { Collector } from './bus.js';

/** What sends requests: a TestServer, or an OpenApiChecker (which also checks the answers). */
type Requester = Pick<TestServer, 'request'>;

/**
 * A server and its OpenApiChecker for the current describe block: started before its tests,
 * closed after them. Read `server` and `api` inside tests and hooks only.
 */
export function serveApi(): { readonly server: TestServer; readonly api: OpenApiChecker } {
  const suite = {} as { server: TestServer; api: OpenApiChecker };
  before(async () => {
    suite.server = await startTestServer();
    suite.api = await OpenApiChecker.load(suite.server);
  });
  after(() => suite.server.close());
  return suite;
}

/** A server of its own for one test, closed when that test ends. */
export async function serverFor(
  t: TestContext,
  overrides: Partial<Record<ConfigKey, unknown>> = {},
): Promise<TestServer> {
  const server = await startTestServer(overrides);
  t.after(() => server.close());
  return server;
}

export async function userUuid(server: TestServer, username: string): Promise<string> {
  const r = await server.deps.db.kysely
    .selectFrom('t_users')
    .select('user_uuid')
    .where('user_username', '=', username)
    .executeTakeFirstOrThrow();
  return r.user_uuid;
}

export async function participant(server: TestServer, name: string) {
  return server.deps.db.kysely
    .selectFrom('t_participants')
    .selectAll()
    .where('participant_name', '=', name)
    .executeTakeFirstOrThrow();
}

export async function device(server: TestServer, name: string) {
  return server.deps.db.kysely
    .selectFrom('t_devices')
    .selectAll()
    .where('device_name', '=', name)
    .executeTakeFirstOrThrow();
}

export async function deviceToken(server: TestServer, name: string): Promise<string> {
  const d = await device(server, name);
  assert.ok(d.device_token, `${name} has a token`);
  return d.device_token;
}

/** Sets columns of a user's row. */
export async function updateUser(
  server: TestServer,
  username: string,
  set: UserUpdate,
): Promise<void> {
  await server.deps.db.kysely
    .updateTable('t_users')
    .set(set)
    .where('user_username', '=', username)
    .execute();
}

/** Runs `body` with `set` applied to a user's row, then applies `restore` (even if `body` fails). */
export async function withUserChanged(
  server: TestServer,
  username: string,
  set: UserUpdate,
  restore: UserUpdate,
  body: () => Promise<void>,
): Promise<void> {
  await updateUser(server, username, set);
  try {
    await body();
  } finally {
    await updateUser(server, username, restore);
  }
}

/** Runs `body` with `set` applied to a participant's row (by name), then applies `restore`. */
export async function withParticipantChanged(
  server: TestServer,
  name: string,
  set: ParticipantUpdate,
  restore: ParticipantUpdate,
  body: () => Promise<void>,
): Promise<void> {
  const update = (values: ParticipantUpdate) =>
    server.deps.db.kysely
      .updateTable('t_participants')
      .set(values)
      .where('participant_name', '=', name)
      .execute();
  await update(set);
  try {
    await body();
  } finally {
    await update(restore);
  }
}

/** The claims of a JWT (unverified: the tests check what the server put in). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  assert.ok(part, 'a JWT has three parts');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A user's token from a plain login. */
export async function userTokenOf(
  server: Requester,
  username: string,
  password = username,
): Promise<string> {
  const r = await server.request('/api/user/login', {
    headers: { authorization: basic(username, password) },
  });
  assert.equal(r.status, 200, r.text);
  return r.json<{ user_token: string }>().user_token;
}

/** `participant1`'s tokens from a Basic login: the dynamic one and the static `base_token`. */
export async function participantTokensOf(
  server: Requester,
): Promise<{ dynamic: string; staticToken: string }> {
  const r = await server.request('/api/participant/login', {
    headers: { authorization: basic('participant1', 'opentera') },
  });
  assert.equal(r.status, 200, r.text);
  const body = r.json<{ participant_token: string; base_token: string }>();
  return { dynamic: body.participant_token, staticToken: body.base_token };
}

export async function markOnline(
  server: TestServer,
  kind: PrincipalKind,
  uuid: string,
  connectionId = 'test-conn',
): Promise<void> {
  await server.deps.presence.join(kind, uuid, connectionId);
}

/** Collects what is published on one bus topic. */
export async function listen(server: TestServer, topic: string) {
  const collector = new Collector();
  const sub = await server.deps.bus.subscribe(topic, collector.handler);
  return {
    /** The next payload not read yet (waits for it). */
    async next(): Promise<Uint8Array> {
      await collector.atLeast(1, `a message on ${topic}`);
      return collector.received.shift()!.payload;
    },
    close: () => sub.unsubscribe(),
  };
}

/** OpenAPI 3.0 `nullable` → JSON Schema `anyOf [.., null]`, so TypeBox's checker reads it. */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) if (k !== 'nullable') out[k] = toJsonSchema(v);
  return (schema as { nullable?: boolean }).nullable ? { anyOf: [out, { type: 'null' }] } : out;
}

/** TeraRelay's own routes under /api/: Fastify serializes them, as it does /healthz and the rest. */
const OWN_API_PATHS: ReadonlySet<string> = new Set(['/api/service/events']);

/**
 * Whether `path` is one of OpenTera's REST routes, whose JSON answers carry exactly
 * `Content-Type: application/json` (OpenTera's tests compare for equality). TeraRelay's own
 * paths (health, metrics, /openapi.json, pages, service events) may add `; charset=utf-8`.
 */
export const isOpenTeraPath = (path: string): boolean =>
  path.startsWith('/api/') && !OWN_API_PATHS.has(path);

type OpenApiDoc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
};

/** Validates live answers against the schemas the server documents at /openapi.json. */
export class OpenApiChecker {
  private constructor(
    readonly server: TestServer,
    readonly doc: OpenApiDoc,
  ) {}
  readonly checked: string[] = [];

  static async load(server: TestServer): Promise<OpenApiChecker> {
    const r = await server.request('/openapi.json');
    assert.equal(r.status, 200);
    return new OpenApiChecker(server, r.json<OpenApiDoc>());
  }

  /** server.request, then `check` of the answer against the documented schema. */
  async request(path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const res = await this.server.request(path, options);
    this.check(options.method ?? 'GET', path.split('?')[0]!, res);
    return res;
  }

  get(
    path: string,
    authorization?: string,
    headers: Record<string, string> = {},
  ): Promise<TestResponse> {
    return this.request(path, {
      headers: { ...(authorization ? { authorization } : {}), ...headers },
    });
  }

  /**
   * Asserts `res` matches the documented schema for its status (the body as JSON, or as text
   * for text/html), and that a JSON answer of an OpenTera route is exactly `application/json`.
   */
  check(method: string, path: string, res: TestResponse): void {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    assert.ok(op, `${method} ${path} is documented`);
    const documented = op.responses[String(res.status)];
    assert.ok(
      documented,
      `${method} ${path} documents status ${res.status} (body ${res.text.slice(0, 200)})`,
    );
    const schema = documented.content?.['application/json']?.schema;
    assert.ok(schema, `${method} ${path} ${res.status} has a schema`);
    const type = String(res.headers['content-type'] ?? '');
    const isJson = type.startsWith('application/json');
    if (isJson && isOpenTeraPath(path))
      assert.equal(
        type,
        'application/json',
        `${method} ${path} ${res.status}: OpenTera's exact type`,
      );
    const body: unknown = isJson ? res.json() : res.text;
    const jsonSchema = toJsonSchema(schema) as TSchema;
    const errors = [...Value.Errors(jsonSchema, body)].map((e) => `${e.instancePath} ${e.message}`);
    assert.deepEqual(errors, [], `${method} ${path} ${res.status}: ${res.text.slice(0, 300)}`);
    this.checked.push(`${method} ${path} ${res.status}`);
  }
}
