import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { startTestServer, basic, bearer, type TestServer } from '../kit/server.js';
import { MAX_STATUS_DEPTH } from '../../src/http/api/device.js';
import { device, markOnline } from '../kit/http.js';

/**
 * Sends raw bytes over TLS and resolves with the status code of the answer (0 if none). The
 * server may answer and reset the connection before it has read everything (431): what was
 * received counts, so a reset after the answer is not an error.
 */
function rawRequest(server: TestServer, bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(
      { host: '127.0.0.1', port: server.port, rejectUnauthorized: false },
      () => socket.write(bytes),
    );
    const chunks: Buffer[] = [];
    const done = () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m ? Number(m[1]) : 0);
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', done);
    socket.on('close', done);
  });
}

const request = (headers: string): Buffer =>
  Buffer.from(
    `GET /api/user/login HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`,
    'latin1',
  );

describe('hostile input', () => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer();
    const watch = await device(server, 'Apple Watch #W05P1');
    token = watch.device_token!;
    await markOnline(server, 'device', watch.device_uuid);
  });
  after(() => server.close());

  /** A valid request still succeeds. */
  const stillServes = async () => {
    const r = await server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: bearer(token) },
      body: { status: { ok: 1 }, timestamp: 1 },
    });
    assert.equal(r.status, 200, r.text);
  };

  test('headers over 16 KB get 431', async () => {
    const status = await rawRequest(
      server,
      request(`Authorization: ${basic('user', 'user')}\r\nX-Junk: ${'a'.repeat(17 * 1024)}\r\n`),
    );
    assert.equal(status, 431);
    await stillServes();
  });

  test('a 1 MB Basic string gets 4xx', async () => {
    const status = await rawRequest(
      server,
      request(`Authorization: Basic ${'QUFB'.repeat(256 * 1024)}\r\n`),
    );
    assert.ok(status >= 400 && status < 500, String(status));
    await stillServes();
  });

  test('a long but legal Basic string is refused without trouble', async () => {
    const r = await server.request('/api/user/login', {
      headers: { authorization: basic('u'.repeat(5000), 'p'.repeat(5000)) },
    });
    assert.equal(r.status, 401);
    await stillServes();
  });

  test('bodies over 64 KB get 413', async () => {
    const big = JSON.stringify({ status: { blob: 'x'.repeat(70 * 1024) }, timestamp: 1 });
    const r = await server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: bearer(token), 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(r.status, 413);
    await stillServes();
  });

  test('invalid JSON on /api/device/status gets 400', async () => {
    for (const body of ['{"status": {', 'not json', '{"status": {}, "timestamp": 1,}', '']) {
      const r = await server.request('/api/device/status', {
        method: 'POST',
        headers: { authorization: bearer(token), 'content-type': 'application/json' },
        body,
      });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    await stillServes();
  });

  test(`JSON nested deeper than ${MAX_STATUS_DEPTH} levels gets 400; ${MAX_STATUS_DEPTH} levels pass`, async () => {
    const nest = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
    const post = (inner: string) =>
      server.request('/api/device/status', {
        method: 'POST',
        headers: { authorization: bearer(token), 'content-type': 'application/json' },
        body: `{"status": {"a": ${inner}}, "timestamp": 1}`,
      });
    const tooDeep = await post(nest(MAX_STATUS_DEPTH));
    assert.equal(tooDeep.status, 400);
    assert.match(tooDeep.json<{ message: string }>().message, /nested deeper/);
    const hostile = await post('['.repeat(60_000));
    assert.equal(hostile.status, 400);
    const deepest = await post(nest(MAX_STATUS_DEPTH - 2));
    assert.equal(deepest.status, 200, deepest.text);
    const bracketsInStrings = await post(`"${'['.repeat(100)}"`);
    assert.equal(bracketsInStrings.status, 200, 'brackets inside strings do not count');
    await stillServes();
  });

  test('non-UTF-8 bytes get 4xx: raw in a header, inside a Basic value, in the query', async () => {
    const raw = Buffer.concat([
      Buffer.from('GET /api/user/login HTTP/1.1\r\nHost: x\r\nAuthorization: Basic '),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]);
    const status = await rawRequest(server, raw);
    assert.ok(status >= 400 && status < 500, String(status));
    const invalidUtf8 =
      'Basic ' +
      Buffer.concat([Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(':user')]).toString('base64');
    assert.equal(
      (await server.request('/api/user/login', { headers: { authorization: invalidUtf8 } })).status,
      401,
    );
    const q = await server.request('/api/user/login?with_websocket=%FF%FE', {
      headers: { authorization: basic('user', 'user') },
    });
    assert.equal(q.status, 400);
    const rawPath = await rawRequest(
      server,
      Buffer.concat([
        Buffer.from('GET /api/user/login?x='),
        Buffer.from([0xff]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]),
    );
    assert.ok(rawPath >= 400 && rawPath < 500, String(rawPath));
    await stillServes();
  });
});
