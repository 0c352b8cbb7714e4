/**
 * The same SDK in headless Chromium, loaded as a plain ES module from the server
 * (/client/terarelay-client.js, bundled from src/client when no built file exists): every
 * login scheme over fetch, a connection over the native WebSocket with binary frames and
 * typed events, a reconnect after the server restarts (same port, same SQLite file), and no
 * reconnect after a 4000. The page's code is sent as text, so nothing in it is compiled for
 * Node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserSuite } from '../kit/browser.js';
import { startTestServer, type TestServer } from '../kit/server.js';
import { connect, seeded, type Seeded } from '../kit/sockets.js';
import { seededToken } from '../client/kit.js';

/** Runs `body` (JavaScript, may `await`) in the page; resolves with what it returns. */
const inPage = <T>(page: Page, body: string): Promise<T> =>
  page.evaluate(`(async () => { ${body} })()`) as Promise<T>;

/** Waits (bounded by the test's timeout) until `condition` (JavaScript) holds in the page. */
const until = (page: Page, condition: string): Promise<unknown> =>
  page.waitForFunction(condition, undefined, { timeout: 0, polling: 50 });

describe('the SDK in Chromium', () => {
  const browser = browserSuite();
  let dir: string;
  let server: TestServer;
  let ids: Seeded;
  let config: Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terarelay-browser-'));
    config = { db: `sqlite:${join(dir, 'relay.db')}`, dataDir: dir };
    server = await startTestServer(config);
    ids = await seeded(server);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('logs in, receives typed events, reconnects after a restart, stops after 4000', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await (await browser.context()).newPage();
    const origin = `https://127.0.0.1:${server.port}`;
    await page.goto(`${origin}/healthz`);

    const logins = await inPage<{
      user: unknown[];
      participant: unknown[];
      byToken: unknown[];
      device: unknown[];
      refused: unknown[];
      websocket: boolean;
    }>(
      page,
      `
      const sdk = await import('/client/terarelay-client.js');
      const relay = new sdk.TeraRelayClient({ url: location.origin });
      Object.assign(window, { sdk, relay, states: [], events: [] });
      const quiet = { websocket: false };
      const user = await relay.login({ user: 'admin', password: 'admin' });
      const participant = await relay.login({ participant: 'participant1', password: 'opentera' }, quiet);
      const byToken = await relay.login({ participantToken: ${JSON.stringify(seededToken(server, 'Participant #1'))} }, quiet);
      const device = await relay.login({ deviceToken: ${JSON.stringify(seededToken(server, 'Apple Watch #W05P1'))} }, quiet);
      let refused = null;
      try { await relay.login({ user: 'user', password: 'wrong' }); } catch (e) { refused = [e.name, e.status, e.retryable]; }
      const connection = relay.connect(user, { format: 'binary', backoff: { initialMs: 50, maxMs: 300 } });
      window.connection = connection;
      connection.onState((s) => window.states.push({ state: s.state, code: s.code }));
      connection.onEvent((e) => window.events.push({ type: e.type, kind: e.kind, uuid: e.uuid, change: e.change ?? null }));
      await connection.opened();
      const row = (s) => [s.kind, s.uuid, typeof s.token === 'string' && s.token.length > 0];
      return {
        user: row(user), participant: row(participant), byToken: row(byToken), device: row(device),
        refused, websocket: String(user.websocketUrl).startsWith('wss://'),
      };
      `,
    );
    const p1 = ids.participants['Participant #1']!;
    assert.deepEqual(logins.user, ['user', ids.users.admin, true]);
    assert.deepEqual(logins.participant, ['participant', p1, true]);
    assert.deepEqual(logins.byToken, ['participant', p1, true]);
    assert.deepEqual(logins.device, ['device', ids.devices['Apple Watch #W05P1'], true]);
    assert.deepEqual(logins.refused, ['RelayError', 401, false]);
    assert.equal(logins.websocket, true);

    // Typed events over binary frames, decoded in the browser.
    let participant = await connect(server, 'participant', p1);
    await until(page, `window.events.some((e) => e.uuid === '${p1}' && e.change === 'connected')`);
    participant.close();
    await until(
      page,
      `window.events.some((e) => e.uuid === '${p1}' && e.change === 'disconnected')`,
    );
    const first = await inPage<{ type: string; uuid: string }>(page, 'return window.events[0];');
    assert.deepEqual([first.type, first.uuid], ['user', ids.users.admin]);

    // The server restarts on the same port: the page's connection comes back by itself.
    const port = server.port;
    await server.stop();
    await until(page, `window.states.some((s) => s.state === 'reconnecting')`);
    server = await startTestServer({ ...config, port });
    await until(page, `window.states.at(-1).state === 'open'`);
    const connected = `window.events.filter((e) => e.uuid === '${p1}' && e.change === 'connected').length`;
    const before = await inPage<number>(page, `return ${connected};`);
    participant = await connect(server, 'participant', p1);
    await until(page, `${connected} > ${before}`);
    participant.close();
    const states = await inPage<Array<{ state: string; code: number | null }>>(
      page,
      'return window.states;',
    );
    assert.equal(states[0]?.state, 'open');
    assert.deepEqual(states.find((s) => s.state === 'reconnecting')?.code, 1001);
    assert.equal(states.at(-1)?.state, 'open');

    // Logout closes it with 4000, for good.
    const final = await inPage<{ state: string; code: number }>(
      page,
      `await relay.logout(window.connection); const s = await window.connection.closed(); return { state: s.state, code: s.code };`,
    );
    assert.deepEqual(final, { state: 'closed', code: 4000 });
  });
});
