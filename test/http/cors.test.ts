/**
 * Browsers on other origins: without --cors-origin, OpenTera's wildcard headers and no
 * preflight; with it, preflights answered for the listed origins only (Authorization allowed),
 * and a page on an allowed origin logs in and opens a websocket in headless Chromium, while a
 * page on another origin is refused by its browser.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { basic, startTestServer, type TestServer } from '../kit/server.js';
import { browserSuite } from '../kit/browser.js';

const preflight = (
  server: TestServer,
  path: string,
  origin: string,
  method = 'GET',
  requestHeaders = 'authorization',
) =>
  server.request(path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': requestHeaders,
    },
  });

/** The comma-separated list of a header, lowercased. */
const listed = (value: string | string[] | undefined): string[] =>
  String(value ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');

describe('without --cors-origin', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server.close());

  test("answers carry OpenTera's wildcard headers and no preflight is answered", async () => {
    const r = await server.request('/api/user/login', { headers: { origin: 'https://a.example' } });
    assert.equal(r.headers['access-control-allow-origin'], '*');
    const p = await preflight(server, '/api/user/login', 'https://a.example');
    assert.equal(p.status, 404);
  });
});

describe('with --cors-origin', () => {
  /** A page server on its own origin (another port of 127.0.0.1). */
  const pages: Array<{ server: Server; origin: string }> = [];
  let relay: TestServer;
  const browser = browserSuite();

  const page = (
    relayUrl: string,
  ) => `<!doctype html><title>other origin</title><script type="module">
    window.result = (async () => {
      try {
        const r = await fetch('${relayUrl}/api/user/login?with_websocket=true', {
          headers: { Authorization: 'Basic ' + btoa('admin:admin') },
        });
        const body = await r.json();
        const ws = new WebSocket(body.websocket_url);
        const first = await new Promise((resolve, reject) => {
          ws.onmessage = (m) => resolve(m.data);
          ws.onerror = () => reject(new Error('websocket error'));
        });
        ws.close();
        return { ok: true, first: JSON.parse(first) };
      } catch (e) {
        return { ok: false, error: String(e) };
      }
    })();
  </script>`;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(page(relay.url.replace('localhost', '127.0.0.1')));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      pages.push({ server, origin: `http://127.0.0.1:${port}` });
    }
    relay = await startTestServer({ corsOrigin: [pages[0]!.origin] });
  });
  after(async () => {
    await relay?.close();
    for (const p of pages) p.server.close();
  });

  test('preflights: the listed origin with Authorization allowed, others without CORS headers', async () => {
    for (const path of ['/api/user/login', '/api/user/devices', '/api/service/events']) {
      const ok = await preflight(relay, path, pages[0]!.origin);
      assert.equal(ok.status, 204, path);
      assert.equal(ok.headers['access-control-allow-origin'], pages[0]!.origin, path);
      assert.match(String(ok.headers['access-control-allow-headers']), /Authorization/i);
      const other = await preflight(relay, path, pages[1]!.origin);
      assert.equal(other.headers['access-control-allow-origin'], undefined, path);
    }
    const get = await relay.request('/api/user/login', { headers: { origin: pages[1]!.origin } });
    assert.equal(get.headers['access-control-allow-origin'], undefined, 'no wildcard left');
  });

  test('preflights of writes: POST and DELETE on admin routes, POST on service events', async () => {
    const writes: Array<[string, string]> = [
      ['/api/user/users', 'POST'],
      ['/api/user/users', 'DELETE'],
      ['/api/user/participants', 'POST'],
      ['/api/user/participants', 'DELETE'],
      ['/api/service/events', 'POST'],
    ];
    for (const [path, method] of writes) {
      const what = `${method} ${path}`;
      const ok = await preflight(
        relay,
        path,
        pages[0]!.origin,
        method,
        'Authorization, Content-Type',
      );
      assert.equal(ok.status, 204, what);
      assert.equal(ok.headers['access-control-allow-origin'], pages[0]!.origin, what);
      assert.ok(
        listed(ok.headers['access-control-allow-methods']).includes(method.toLowerCase()),
        what,
      );
      const headers = listed(ok.headers['access-control-allow-headers']);
      assert.ok(headers.includes('authorization'), `${what}: ${headers.join(',')}`);
      assert.ok(headers.includes('content-type'), `${what}: ${headers.join(',')}`);
      assert.match(String(ok.headers.vary), /origin/i, what);
      const other = await preflight(
        relay,
        path,
        pages[1]!.origin,
        method,
        'Authorization, Content-Type',
      );
      assert.equal(other.headers['access-control-allow-origin'], undefined, what);
      assert.equal(other.headers['access-control-allow-credentials'], undefined, what);
    }
  });

  test('cross-origin writes: answers carry the allowed origin, never a foreign one', async () => {
    const allowed = { origin: pages[0]!.origin };
    const foreign = { origin: pages[1]!.origin };
    const admin = basic('admin', 'admin');
    const username = `cors-${Date.now()}`;
    const created = await relay.request('/api/user/users', {
      method: 'POST',
      headers: { ...allowed, authorization: admin },
      body: {
        user: {
          id_user: 0,
          user_username: username,
          user_enabled: true,
          user_firstname: 'Cross',
          user_lastname: 'Origin',
          user_profile: '',
          user_user_groups: [{ id_user_group: 3 }],
          user_password: 'Password12345!',
        },
      },
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.headers['access-control-allow-origin'], pages[0]!.origin);
    const [user] = created.json<Array<{ id_user: number }>>();

    const deleted = await relay.request(`/api/user/users?id=${user!.id_user}`, {
      method: 'DELETE',
      headers: { ...allowed, authorization: admin },
    });
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.headers['access-control-allow-origin'], pages[0]!.origin);

    const service = await relay.deps.db.kysely
      .selectFrom('t_services')
      .select('service_uuid')
      .where('service_key', '=', 'VideoRehabService')
      .executeTakeFirstOrThrow();
    const token = await relay.deps.tokens.signService(service.service_uuid);
    const event = {
      kind: 'user',
      uuid: (
        await relay.deps.db.kysely
          .selectFrom('t_users')
          .select('user_uuid')
          .where('user_username', '=', 'admin')
          .executeTakeFirstOrThrow()
      ).user_uuid,
      event: {
        '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent',
        sessionUuid: 's',
      },
    };
    const sent = await relay.request('/api/service/events', {
      method: 'POST',
      headers: { ...allowed, authorization: `OpenTera ${token}` },
      body: event,
    });
    assert.equal(sent.status, 202, sent.text);
    assert.equal(sent.headers['access-control-allow-origin'], pages[0]!.origin);

    const refused = await relay.request('/api/service/events', {
      method: 'POST',
      headers: { ...foreign, authorization: `OpenTera ${token}` },
      body: event,
    });
    assert.equal(refused.headers['access-control-allow-origin'], undefined, 'foreign origin');
    const unauthenticated = await relay.request('/api/user/users', {
      method: 'POST',
      headers: allowed,
      body: {},
    });
    assert.equal(unauthenticated.status, 401);
    assert.equal(
      unauthenticated.headers['access-control-allow-origin'],
      pages[0]!.origin,
      'a refusal is readable by the allowed page too',
    );
  });

  test('in Chromium, a page on the allowed origin logs in and opens a websocket; another is refused', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const context = await browser.context();
    const allowed = await context.newPage();
    await allowed.goto(pages[0]!.origin);
    const good = (await allowed.evaluate('window.result')) as {
      ok: boolean;
      first?: { message?: { events?: Array<{ '@type': string }> } };
      error?: string;
    };
    assert.equal(good.ok, true, good.error);
    assert.match(JSON.stringify(good.first), /UserEvent/);
    const refused = await context.newPage();
    await refused.goto(pages[1]!.origin);
    const bad = (await refused.evaluate('window.result')) as { ok: boolean; error?: string };
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /TypeError: Failed to fetch/);
  });
});
