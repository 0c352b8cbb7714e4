/**
 * The audit log of a scripted scenario on a real server over TLS, captured from the logger handed
 * to startServer: the sequence of `event` values, the fields of each line, and no secret in any
 * line the server wrote.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { DEFAULTS } from '../../src/config.js';
import { basic, openSocket, startTestServer } from '../kit/server.js';
import { updateUser, userUuid } from '../kit/http.js';
import { loginFrom, setPassword } from '../auth/login-kit.js';
import { parseFrame } from '../kit/sockets.js';
import { Secret, TOTP } from 'otpauth';
import { waitFor } from '../kit/waiting.js';

type Line = Record<string, unknown>;

/** A logger at level info whose lines are kept, parsed, in `lines` (and as written, in `raw`). */
function capturingLogger() {
  const raw: string[] = [];
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      }
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), raw, lines };
}

test('a login, a lockout, a connection, a forced disconnect and a reused ticket are audited', async (t) => {
  const { log, raw, lines } = capturingLogger();
  const server = await startTestServer({ logLevel: 'info' }, { log });
  t.after(() => server.close());
  const audit = () => lines.filter((l) => l.audit === true);
  const password = `Good-${randomUUID()}`;
  const wrong = `Wrong-${randomUUID()}`;
  const adminPassword = `Admin-${randomUUID()}`;
  const guessed = `Guessed-${randomUUID()}`;
  await setPassword(server, 'user', password, 4);
  await setPassword(server, 'admin', adminPassword, 4);
  await setPassword(server, 'user2', guessed, 4);
  const [userId, adminId, guessedId] = await Promise.all(
    ['user', 'admin', 'user2'].map((name) => userUuid(server, name)),
  );

  const login = await server.request('/api/user/login?with_websocket=true', {
    headers: { authorization: basic('user', password) },
  });
  assert.equal(login.status, 200);
  const { websocket_url: url, user_token: token } = login.json<{
    websocket_url: string;
    user_token: string;
  }>();

  for (let i = 0; i < DEFAULTS.loginAccountLimit; i++)
    assert.equal((await loginFrom(server, '127.0.0.2', 'user2', wrong)).status, 401);
  const late = await loginFrom(server, '127.0.0.2', 'user2', guessed);
  assert.equal(late.status, 401, 'the right password, once locked');

  const opened = await openSocket(url);
  assert.ok(opened.socket, `upgrade refused with ${opened.status}`);
  const socket = opened.socket;
  assert.equal(parseFrame(await socket.next()).fields.type, 'USER_CONNECTED');

  const disconnect = await server.request(`/api/user/disconnect?user_uuid=${userId}`, {
    headers: { authorization: basic('admin', adminPassword) },
  });
  assert.equal(disconnect.status, 200);
  assert.equal((await socket.waitClose()).code, 4000);
  await waitFor(() => audit().some((l) => l.event === 'ws_disconnect'), {
    what: 'the ws_disconnect line',
  });

  assert.equal((await openSocket(url)).status, 403, 'the ticket was used');

  const failed = { event: 'login_failed', kind: 'user', uuid: guessedId, address: '127.0.0.2' };
  const expected: Line[] = [
    { event: 'login', kind: 'user', uuid: userId, address: '127.0.0.1', via: 'basic' },
    ...Array.from({ length: DEFAULTS.loginAccountLimit }, () => ({
      ...failed,
      reason: 'bad_password',
    })),
    { event: 'lockout', kind: 'user', uuid: guessedId, address: '127.0.0.2', scope: 'account' },
    { ...failed, reason: 'locked' },
    { event: 'ws_connect', kind: 'user', uuid: userId, address: '127.0.0.1' },
    {
      event: 'disconnect_forced',
      cause: 'api',
      kind: 'user',
      uuid: userId,
      by: adminId,
      address: '127.0.0.1',
    },
    { event: 'ws_disconnect', kind: 'user', uuid: userId, code: 4000, by: 'server' },
    {
      event: 'upgrade_refused',
      reason: 'bad_ticket',
      status: 403,
      kind: 'user',
      address: '127.0.0.1',
    },
  ];
  const seen = audit();
  assert.deepEqual(
    seen.map((l) => l.event),
    expected.map((l) => l.event),
  );
  seen.forEach((line, i) => {
    const subset = Object.fromEntries(Object.keys(expected[i]!).map((k) => [k, line[k]]));
    assert.deepEqual(subset, expected[i], `line ${i}: ${JSON.stringify(line)}`);
  });
  const connection = seen.find((l) => l.event === 'ws_connect')?.connection;
  assert.equal(typeof connection, 'string');
  assert.equal(seen.find((l) => l.event === 'ws_disconnect')?.connection, connection);

  const ticket = new URL(url).searchParams.get('id')!;
  const secrets = { password, wrong, adminPassword, guessed, token, ticket };
  for (const text of raw)
    for (const [name, secret] of Object.entries(secrets))
      assert.ok(!text.includes(secret), `a log line holds the ${name}: ${text}`);
});

test('a wrong 2FA code is audited as a refused credential, without the code', async (t) => {
  const { log, raw, lines } = capturingLogger();
  const server = await startTestServer({ logLevel: 'info' }, { log });
  t.after(() => server.close());
  const password = `Good-${randomUUID()}`;
  const secret = new Secret({ size: 20 }).base32;
  await setPassword(server, 'user', password, 4);
  await updateUser(server, 'user', {
    user_2fa_enabled: true,
    user_2fa_otp_enabled: true,
    user_2fa_otp_secret: secret,
  });
  const uuid = await userUuid(server, 'user');

  const login = await server.request('/api/user/login', {
    headers: { authorization: basic('user', password) },
  });
  assert.equal(login.status, 200);
  const cookie = /^terarelay_login=[^;]*/.exec(login.headers['set-cookie']?.[0] ?? '')?.[0];
  assert.ok(cookie, 'the login step cookie');
  const now = Date.now();
  const accepted = [-30_000, 0, 30_000, 60_000].map((d) =>
    TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now + d }),
  );
  const wrong = ['000000', '111111', '222222', '333333', '444444'].find(
    (c) => !accepted.includes(c),
  )!;
  const step = await server.request(`/api/user/login/2fa?otp_code=${wrong}`, {
    headers: { cookie },
  });
  assert.equal(step.status, 401, step.text);

  const failed = lines.filter((l) => l.audit === true && l.event === 'login_failed');
  assert.deepEqual(
    failed.map((l) => [l.kind, l.reason, l.uuid, l.address]),
    [['user', 'bad_otp_code', uuid, '127.0.0.1']],
  );
  for (const text of raw) {
    assert.ok(!text.includes(password), `a log line holds the password: ${text}`);
    assert.ok(!text.includes(secret), `a log line holds the 2FA secret: ${text}`);
    assert.ok(!text.includes(`otp_code=${wrong}`), `a log line holds the code: ${text}`);
  }
});
