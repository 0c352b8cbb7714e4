import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HTTPMethods } from 'fastify';
import { basic } from '../kit/server.js';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { serveApi, toJsonSchema } from '../kit/http.js';
import { adminRoutes } from '../../src/admin/routes.js';
import type { ApiContext } from '../../src/http/context.js';

interface DocumentedResponse {
  description?: string;
  content?: Record<
    string,
    { schema: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }
  >;
}

interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string };
}

interface BodySchema {
  type?: string;
  properties?: object;
}

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: {
    required?: boolean;
    content?: Record<string, { schema?: BodySchema & { anyOf?: BodySchema[] } }>;
  };
  responses: Record<string, DocumentedResponse>;
}

/** `GET /api/user/login`: how operations are named below. */
type Op = `${Uppercase<string>} /${string}`;
const opOf = (method: string, path: string): Op => `${method.toUpperCase()} ${path}` as Op;
const split = (op: Op): [method: string, path: string] => {
  const [method, path] = op.split(' ') as [string, string];
  return [method, path];
};

/**
 * Every route src/admin/routes.ts declares, as its method and path. Declaring a route reads
 * nothing of the context (its handler does, per request): a context that throws on any read
 * holds the declarations to that.
 */
function declaredAdminRoutes(): Op[] {
  const untouchable = new Proxy(
    {},
    {
      get(_target, key) {
        throw new Error(`declaring the admin routes read ctx.${String(key)}`);
      },
    },
  ) as ApiContext;
  return adminRoutes(untouchable).map((r) => opOf(r.options.method, r.options.url));
}

const ADMIN = new Set(declaredAdminRoutes());

/**
 * The statuses documented at least, beyond those of every route (a success and 401), by the
 * OpenTera routes other than the admin ones. The admin ones document those of their method.
 */
const STATUSES: Readonly<Record<Op, readonly number[]>> = {
  'GET /api/user/login': [200, 400, 401, 403, 426, 429],
  'GET /api/user/refresh_token': [200, 401],
  'GET /api/user/logout': [200, 401],
  'GET /api/participant/login': [200, 400, 401, 403, 429],
  'GET /api/participant/refresh_token': [200, 401, 403],
  'GET /api/participant/logout': [200, 401],
  'GET /api/device/login': [200, 400, 401, 403],
  'GET /api/device/logout': [200, 401],
  'POST /api/device/status': [200, 400, 401, 403],
  'GET /api/user/users/online': [200, 401],
  'GET /api/user/participants/online': [200, 400, 401],
  'GET /api/user/devices/online': [200, 401],
  'GET /api/user/disconnect': [200, 400, 401, 403],
};
const ADMIN_STATUSES: Readonly<Record<string, readonly number[]>> = {
  GET: [200, 401, 429],
  POST: [200, 400, 401, 403, 429, 500],
  DELETE: [200, 400, 401, 403, 429, 500],
};

describe('the OpenAPI document', () => {
  const suite = serveApi();
  const operation = (op: Op): Operation | undefined => {
    const [method, path] = split(op);
    return suite.api.doc.paths[path]?.[method.toLowerCase()] as unknown as Operation | undefined;
  };
  /** Every operation the document lists under /api/, derived from the served /openapi.json. */
  const apiOperations = (): Op[] =>
    Object.entries(suite.api.doc.paths)
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => opOf(method, path)));
  const documents = (op: Op, status: number) =>
    Boolean(operation(op)?.responses[String(status)]?.content?.['application/json']?.schema);

  test('every admin route the server mounts, and every route it documents, is the other', () => {
    assert.ok(ADMIN.size > 50, `${ADMIN.size} admin routes declared`);
    const documented = new Set(apiOperations());
    for (const op of ADMIN) {
      const [method, url] = split(op);
      assert.ok(documented.has(op), `${op} is in /openapi.json`);
      assert.ok(suite.server.app.hasRoute({ method: method as HTTPMethods, url }), `${op} mounted`);
    }
    for (const op of documented) {
      const [method, url] = split(op);
      assert.ok(suite.server.app.hasRoute({ method: method as HTTPMethods, url }), `${op} mounted`);
    }
    for (const op of Object.keys(STATUSES) as Op[])
      assert.ok(documented.has(op), `${op} is in /openapi.json`);
  });

  test('documents every route with its response schemas, security and arguments', () => {
    for (const op of apiOperations()) {
      const [method, path] = split(op);
      const doc = operation(op)!;
      assert.ok(doc.summary, `${op} has a summary`);
      assert.ok(Array.isArray(doc.security) && doc.security.length > 0, `${op} names its auth`);
      const statuses = ADMIN.has(op) ? ADMIN_STATUSES[method]! : (STATUSES[op] ?? []);
      for (const status of statuses) assert.ok(documents(op, status), `${op} documents ${status}`);
      assert.ok(
        [200, 201, 202].some((status) => documents(op, status)),
        `${op} documents its success`,
      );
      assert.ok(documents(op, 401), `${op} documents 401`);
      // A declared integer or boolean argument is parsed: a bad value is OpenTera's 400.
      const typed = (doc.parameters ?? []).filter(
        (p) => p.in === 'query' && ['integer', 'boolean'].includes(p.schema?.type ?? ''),
      );
      if (typed.length > 0)
        assert.ok(documents(op, 400), `${op} documents the 400 of its argument ${typed[0]!.name}`);
      // The 405 catch-alls are not documented.
      for (const other of ['put', 'patch'])
        assert.equal(suite.api.doc.paths[path]?.[other], undefined, `${path} ${other}`);
    }
    const login = operation('GET /api/user/login')!;
    assert.deepEqual(
      login.parameters!.map((p) => [p.name, p.in]),
      [['with_websocket', 'query']],
    );
  });

  test('every admin POST documents its JSON body with a schema', () => {
    const posts = [...ADMIN].filter((op) => op.startsWith('POST '));
    assert.ok(posts.length > 15, `${posts.length} admin POST routes`);
    for (const op of posts) {
      const body = operation(op)?.requestBody;
      assert.equal(body?.required, true, `${op} requires a body`);
      const schema = body.content?.['application/json']?.schema;
      assert.ok(schema, `${op} has an application/json schema`);
      // One object, or several accepted shapes (OpenTera reads more than one), each an object.
      for (const shape of schema.anyOf ?? [schema]) {
        assert.equal(shape.type, 'object', `${op} takes a JSON object`);
        assert.ok(Object.keys(shape.properties ?? {}).length > 0, `${op} names its object`);
      }
    }
  });

  test('every answer of every route is described, with an example that matches its schema', () => {
    let checked = 0;
    for (const [path, ops] of Object.entries(suite.api.doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const responses = (op as { responses: Record<string, DocumentedResponse> }).responses;
        for (const [status, response] of Object.entries(responses)) {
          const where = `${method.toUpperCase()} ${path} ${status}`;
          assert.notEqual(response.description, 'Default Response', where);
          assert.ok(response.description, `${where} has a description`);
          const media = response.content?.['application/json'];
          if (!media) {
            // A file (the SDK's browser module): described, with its media type, no JSON example.
            assert.ok(Object.keys(response.content ?? {}).length > 0, `${where} has a body`);
            continue;
          }
          const examples =
            'example' in media
              ? [media.example]
              : Object.values(media.examples ?? {}).map((e) => e.value);
          assert.ok(examples.length > 0, `${where} has an example`);
          const schema = toJsonSchema(media.schema) as TSchema;
          for (const example of examples)
            assert.ok(Value.Check(schema, example), `${where}: ${JSON.stringify(example)}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 40, `${checked} answers checked`);
  });

  test('the checker refuses answers that do not match the documented schema', () => {
    const fake = (status: number, text: string, type = 'application/json') => ({
      status,
      headers: { 'content-type': type },
      text,
      json: <T>() => JSON.parse(text) as T,
    });
    assert.throws(() => suite.api.check('GET', '/api/user/login', fake(200, '{"user_uuid": 1}')));
    assert.throws(() =>
      suite.api.check(
        'GET',
        '/api/user/login',
        fake(200, '{"user_uuid":"u","user_fullname":"f","user_token":"t","extra":1}'),
      ),
    );
    assert.throws(
      () => suite.api.check('GET', '/api/user/login', fake(418, '"teapot"')),
      /documents status 418/,
    );
    suite.api.check('GET', '/api/user/login', fake(401, 'Unauthorized', 'text/html'));
  });

  test('the checker refuses an OpenTera JSON answer whose type is not exactly application/json', () => {
    const fake = (type: string) => ({
      status: 200,
      headers: { 'content-type': type },
      text: '[]',
      json: <T>() => [] as T,
    });
    suite.api.check('GET', '/api/user/users/online', fake('application/json'));
    assert.throws(
      () =>
        suite.api.check('GET', '/api/user/users/online', fake('application/json; charset=utf-8')),
      /exact type/,
    );
  });

  test('live answers of every route match their documented schema', async () => {
    // Each request below is validated by the checker against /openapi.json (as are those of
    // every other test file in test/http). A fresh token per route: refresh and logout revoke theirs.
    const freshToken = async () =>
      `OpenTera ${(await suite.api.get('/api/user/login', basic('admin', 'admin'))).json<{ user_token: string }>().user_token}`;
    // The admin routes revoke nothing: one token serves them all.
    const adminToken = await freshToken();
    for (const op of apiOperations()) {
      const [method, path] = split(op);
      const doc = operation(op)!;
      if (ADMIN.has(op)) {
        const r = await suite.api.request(path, { method });
        assert.equal(r.status, 401, `${op} without credentials`);
        if (method === 'GET') {
          const got = await suite.api.get(path, adminToken);
          assert.ok(got.status < 500, `${op}: ${got.status} ${got.text}`);
          const typed = (doc.parameters ?? []).find((p) => p.schema?.type === 'integer');
          if (typed) {
            const bad = await suite.api.get(`${path}?${typed.name}=abc`, adminToken);
            assert.equal(bad.status, 400, `${op}?${typed.name}=abc`);
          }
        } else {
          // A POST without its object, a DELETE without its id: OpenTera's 400.
          const bad = await suite.api.request(path, {
            method,
            headers: { authorization: adminToken },
            ...(method === 'POST' ? { body: {} } : {}),
          });
          assert.equal(bad.status, 400, `${op}: ${bad.text}`);
        }
        continue;
      }
      if (method === 'POST') {
        await suite.api.request(path, { method: 'POST', body: { status: {}, timestamp: 1 } });
        continue;
      }
      const auth = path.startsWith('/api/user/')
        ? await freshToken()
        : path.startsWith('/api/participant/')
          ? basic('participant1', 'opentera')
          : undefined;
      await suite.api.get(path, auth);
      await suite.api.get(path);
    }
    const exercised = new Set(suite.api.checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    for (const op of apiOperations()) assert.ok(exercised.has(op), `${op} was exercised`);
  });
});
