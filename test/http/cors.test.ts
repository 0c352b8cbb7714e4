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
import { startTestServer, type TestServer } from '../kit/server.js';
import { browserSuite } from '../kit/browser.js';

const preflight = (server: TestServer, path: string, origin: string) =>
  server.request(path, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });

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
