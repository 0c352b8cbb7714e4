/**
 * SIGTERM on a node process with 200 open websockets: /readyz turns 503 while sockets are
 * still open, logins and upgrades are refused with 503, every socket is closed with 1001 (in
 * batches over --drain-seconds), and the process exits 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSocket, requestUrl, type TestSocket } from '../kit/server.js';
import { startNode, type NodeProcess } from '../kit/node-process.js';
import { waitFor } from '../kit/waiting.js';

const SOCKETS = 200;

/** The seeded onlineable device's token, from the credentials the node printed. */
function deviceToken(node: NodeProcess): string {
  const token = /device\s+Kit Télé #1\s+token (\S+)/.exec(node.output())?.[1];
  assert.ok(token, `no device token in:\n${node.output()}`);
  return token;
}

/** A fresh one-time websocket URL of the device (which stays offline until one is used). */
async function ticketUrl(node: NodeProcess, token: string): Promise<string> {
  const res = await requestUrl(`${node.url}/api/device/login?token=${token}`);
  assert.equal(res.status, 200, res.text);
  return res.json<{ websocket_url: string }>().websocket_url;
}

test('SIGTERM: /readyz 503 first, logins and upgrades 503, every socket 1001, exit 0', async () => {
  const node = await startNode({ db: 'sqlite::memory:', args: ['--drain-seconds', '3'] });
  const sockets: TestSocket[] = [];
  try {
    const token = deviceToken(node);
    const urls: string[] = [];
    for (let i = 0; i <= SOCKETS; i++) urls.push(await ticketUrl(node, token));
    const spare = urls.pop()!;
    for (const url of urls) {
      const { socket, status } = await openSocket(url);
      assert.ok(socket, `upgrade refused with ${status}`);
      sockets.push(socket);
    }
    assert.equal((await requestUrl(`${node.url}/readyz`)).status, 200);

    node.signal('SIGTERM');
    const unready = await waitFor(
      async () => {
        const r = await requestUrl(`${node.url}/readyz`);
        return r.status === 503 && r;
      },
      { what: '/readyz 503 after SIGTERM' },
    );
    const open = sockets.filter((s) => !s.closed).length;
    assert.ok(open > 0, 'readiness turned before the websockets were closed');
    assert.deepEqual(unready.json(), {
      status: 'not ready',
      failed: { draining: 'shutting down' },
    });
    const login = await requestUrl(`${node.url}/api/device/login?token=${token}`);
    assert.equal(login.status, 503, login.text);
    assert.equal((await openSocket(spare)).status, 503, 'upgrades are refused');
    assert.equal((await requestUrl(`${node.url}/healthz`)).status, 200, 'alive while draining');

    const closes = await Promise.all(sockets.map((s) => s.waitClose(60_000)));
    assert.deepEqual(
      closes.filter((c) => c.code !== 1001),
      [],
      'every socket is closed with 1001',
    );
    assert.equal(await node.exited(), 0);
  } finally {
    for (const s of sockets) s.ws.terminate();
    await node.stop();
  }
});
