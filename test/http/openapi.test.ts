import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic } from '../kit/server.js';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { serveApi, toJsonSchema } from '../kit/http.js';

interface DocumentedResponse {
  description?: string;
  content?: Record<
    string,
    { schema: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }
  >;
}

/** Every OpenTera route this server implements, with the statuses it documents at least. */
const ROUTES: Array<[method: string, path: string, statuses: number[]]> = [
  ['get', '/api/user/login', [200, 400, 401, 403, 426, 429]],
  ['get', '/api/user/refresh_token', [200, 401]],
  ['get', '/api/user/logout', [200, 401]],
  ['get', '/api/participant/login', [200, 400, 401, 403, 429]],
  ['get', '/api/participant/refresh_token', [200, 401, 403]],
  ['get', '/api/participant/logout', [200, 401]],
  ['get', '/api/device/login', [200, 400, 401, 403]],
  ['get', '/api/device/logout', [200, 401]],
  ['post', '/api/device/status', [200, 400, 401, 403]],
  ['get', '/api/user/users/online', [200, 401]],
  ['get', '/api/user/participants/online', [200, 400, 401]],
  ['get', '/api/user/devices/online', [200, 401]],
  ['get', '/api/user/disconnect', [200, 400, 401, 403]],
  ['get', '/api/user/devices', [200, 400, 401]],
  ['get', '/api/user/participants', [200, 400, 401]],
];

describe('the OpenAPI document', () => {
  const suite = serveApi();

  test('documents every route with its response schemas, security and arguments', () => {
    for (const [method, path, statuses] of ROUTES) {
      const op = suite.api.doc.paths[path]?.[method] as
        | {
            responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
            security?: unknown[];
            summary?: string;
          }
        | undefined;
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(op.summary, `${path} has a summary`);
      assert.ok(Array.isArray(op.security) && op.security.length > 0, `${path} names its auth`);
      for (const status of statuses)
        assert.ok(
          op.responses[String(status)]?.content?.['application/json']?.schema,
          `${path} documents ${status}`,
        );
      // The 405 catch-alls are not documented.
      for (const other of ['put', 'patch'])
        assert.equal(suite.api.doc.paths[path]?.[other], undefined, `${path} ${other}`);
    }
    const login = suite.api.doc.paths['/api/user/login']!.get as unknown as {
      parameters: Array<{ name: string; in: string }>;
    };
    assert.deepEqual(
      login.parameters.map((p) => [p.name, p.in]),
      [['with_websocket', 'query']],
    );
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

  test('live answers of every route match their documented schema', async () => {
    // Each request below is validated by the checker against /openapi.json (as are those of
    // every other test file in test/http). A fresh token per route: refresh and logout revoke theirs.
    const freshToken = async () =>
      `OpenTera ${(await suite.api.get('/api/user/login', basic('admin', 'admin'))).json<{ user_token: string }>().user_token}`;
    for (const [method, path] of ROUTES) {
      if (method === 'post') {
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
    const statuses = new Set(suite.api.checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    for (const [method, path] of ROUTES)
      assert.ok(statuses.has(`${method.toUpperCase()} ${path}`), `${path} was exercised`);
  });
});
