/**
 * The login steps after /api/user/login, over HTTPS on real servers: OpenTera's
 * test_UserLogin*.py assertions ported (change_password, setup_2fa, 2fa), TeraRelay's session
 * rules (cookie, single use, one step, expiry, hashed at rest, wrong codes counted), and the
 * whole first-admin flow of a fresh `defaults` deployment through the API alone, on one node
 * and across two nodes sharing PostgreSQL and Redis (each step answered by the other node).
 */
import { after, before, beforeEach, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { Secret, TOTP } from 'otpauth';
import { encode } from 'uqr';
import {
  basic,
  bearer,
  openSocket,
  startTestServer,
  type RequestOptions,
  type TestResponse,
  type TestServer,
  type TestSocket,
} from '../kit/server.js';
import { jwtPayload, OpenApiChecker } from '../kit/http.js';
import { parseFrame } from '../kit/sockets.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { waitFor } from '../kit/waiting.js';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.js';
import { otpUri } from '../../src/auth/totp.js';
import { loginCounters } from '../../src/auth/lockout.js';

const FLOWS = /^\/api\/user\/login\/(change_password|setup_2fa|2fa)$/;
const PASSWORD = 'Password12345!';

/** The current code of `secret`. */
const codeOf = (secret: string): string =>
  TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

/**
 * The code of the step after the current one: accepted now (±1 step), and later than any code
 * of the current step, which a code already used in this test may be (a code is accepted once).
 */
const laterCodeOf = (secret: string): string =>
  TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: Date.now() + 30_000,
  });

/** A six-digit code that is none of the codes of `secret` accepted now (±1 step). */
function wrongCodeOf(secret: string): string {
  const key = Secret.fromBase32(secret);
  const now = Date.now();
  const valid = new Set(
    [-30_000, 0, 30_000, 60_000].map((d) =>
      TOTP.generate({ secret: key, algorithm: 'SHA1', digits: 6, period: 30, timestamp: now + d }),
    ),
  );
  for (let n = 0; ; n++) {
    const code = String((Number(codeOf(secret)) + 500_000 + n) % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

/** A node's 2FA failure counter (the LoginAttempts seam's, shared through Redis). */
const twoFactorCounter = (server: TestServer) =>
  loginCounters(server.deps.attempts, server.deps.config).twoFactor;

type Node = Pick<TestServer, 'request'> & { port: number };

/**
 * One browser's side of the flow: keeps the login cookie the server sets, sends it back to
 * whichever node it calls, and checks every answer of the flow routes against the served
 * OpenAPI document.
 */
class Browser {
  cookie: string | undefined;
  readonly setCookies: string[] = [];

  constructor(private readonly checker?: OpenApiChecker) {}

  async call(node: Node, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string | string[]> = { ...options.headers };
    if (this.cookie !== undefined) headers.cookie = `terarelay_login=${this.cookie}`;
    const r = await node.request(path, { ...options, headers });
    for (const c of r.headers['set-cookie'] ?? []) {
      this.setCookies.push(c);
      const m = /^terarelay_login=([^;]*)/.exec(c);
      if (m) this.cookie = m[1] === '' ? undefined : m[1];
    }
    const route = path.split('?')[0]!;
    if (this.checker && FLOWS.test(route)) this.checker.check(options.method ?? 'GET', route, r);
    return r;
  }

  login(node: Node, username: string, password: string, query = ''): Promise<TestResponse> {
    return this.call(node, `/api/user/login${query}`, {
      headers: { authorization: basic(username, password) },
    });
  }

  post(node: Node, path: string, body: object | string, headers: Record<string, string> = {}) {
    return this.call(node, path, { method: 'POST', body, headers });
  }
}

/** A login that must answer 200 with a redirect to `page`. */
async function loginRedirected(
  b: Browser,
  node: Node,
  user: string,
  password: string,
  page: string,
) {
  const r = await b.login(node, user, password);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['content-type'], 'application/json');
  const body = r.json<{ redirect_url?: string; user_token?: string }>();
  assert.equal(body.redirect_url, page, r.text);
  assert.equal(body.user_token, undefined);
  assert.ok(b.cookie, 'the redirecting login sets the session cookie');
  return body;
}

/** Opens a user's websocket_url (on `node`) and reads its own USER_CONNECTED. */
async function openUserSocket(node: Node, url: string, uuid: string): Promise<TestSocket> {
  const u = new URL(url);
  u.port = String(node.port);
  u.hostname = '127.0.0.1';
  const opened = await openSocket(u.toString());
  assert.ok(opened.socket, `websocket refused with ${opened.status}`);
  const first = parseFrame(await opened.socket.next(15_000));
  assert.equal(first.fields.userUuid, uuid, JSON.stringify(first));
  assert.match(String(first.fields.type), /_CONNECTED$/);
  return opened.socket;
}

// ---------------------------------------------------------------------------------------------

describe("OpenTera's login step tests, over HTTPS", () => {
  let server: TestServer;
  let api: OpenApiChecker;
  let hash: string;
  /** The secret of test_user_2fa_1 (OpenTera's `enable_2fa_otp()`). */
  const secret1 = new Secret({ size: 20 }).base32;

  before(async () => {
    server = await startTestServer();
    api = await OpenApiChecker.load(server);
    hash = await hashPassword(PASSWORD);
    const base = {
      user_password: hash,
      user_enabled: true,
      user_superadmin: false,
      user_profile: '{}',
    };
    const user = (name: string) => ({
      ...base,
      user_uuid: crypto.randomUUID(),
      user_username: name,
      user_firstname: name,
      user_lastname: name,
      user_email: `${name}@test.com`,
    });
    await server.deps.db.kysely
      .insertInto('t_users')
      .values([user('test_user_1'), user('test_user_2fa_1'), user('test_user_2fa_2')])
      .execute();
  });
  after(() => server.close());

  /** Each test starts from OpenTera's setUp: the three users as created there, no sessions. */
  beforeEach(async () => {
    const k = server.deps.db.kysely;
    const set = (name: string, values: Record<string, unknown>) =>
      k.updateTable('t_users').set(values).where('user_username', '=', name).execute();
    await set('test_user_1', { user_password: hash, user_force_password_change: true });
    await set('test_user_2fa_1', {
      user_password: hash,
      user_2fa_enabled: true,
      user_2fa_otp_enabled: true,
      user_2fa_otp_secret: secret1,
    });
    await set('test_user_2fa_2', {
      user_password: hash,
      user_2fa_enabled: true,
      user_2fa_otp_enabled: false,
      user_2fa_otp_secret: null,
    });
    await k.deleteFrom('terarelay_login_sessions').execute();
    await forgetUsedCodes();
    for (const name of ['test_user_2fa_1', 'test_user_2fa_2'])
      await twoFactorCounter(server).delete(await uuidOf(name));
  });

  /** Forgets which 2FA codes were used, so that the current one is accepted again. */
  const forgetUsedCodes = () => server.deps.db.kysely.deleteFrom('terarelay_otp_steps').execute();

  const uuidOf = async (name: string) =>
    (
      await server.deps.db.kysely
        .selectFrom('t_users')
        .select('user_uuid')
        .where('user_username', '=', name)
        .executeTakeFirstOrThrow()
    ).user_uuid;
  const row = (name: string) =>
    server.deps.db.kysely
      .selectFrom('t_users')
      .selectAll()
      .where('user_username', '=', name)
      .executeTakeFirstOrThrow();
  const browser = () => new Browser(api);

  describe('POST /api/user/login/change_password (test_UserLoginChangePassword)', () => {
    const path = '/api/user/login/change_password';
    const change = (b: Browser, newPassword: string, confirm = newPassword) =>
      b.post(server, path, { new_password: newPassword, confirm_password: confirm });

    test('no auth, an invalid token, no session: 401; GET: 405', async () => {
      const b = browser();
      assert.equal((await b.post(server, path, {})).status, 401);
      const r = await b.post(server, path, {}, { authorization: bearer('invalid') });
      assert.equal(r.status, 401);
      assert.equal(r.json(), 'Unauthorized');
      assert.equal((await server.request(path)).status, 405, 'undocumented, as Flask answers');
    });

    test('a user without a forced change logs in with no redirect and no cookie', async () => {
      const b = browser();
      const r = await b.login(server, 'admin', 'admin');
      assert.equal(r.status, 200);
      assert.equal('redirect_url' in r.json<object>(), false);
      assert.equal(b.cookie, undefined);
    });

    test('mismatched passwords: 400', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const r = await change(b, 'NewPassword12345!', 'NotNewPassword12345!');
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'New password and confirm password do not match');
    });

    test('the same password as the old one: 400', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const r = await change(b, PASSWORD);
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'New password same as old password');
    });

    test('insecure passwords: 400 naming each weakness; a strong one: 200', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const weak: Array<[string, string]> = [
        [
          'password',
          'Password not long enough (10 characters)<br>Password missing upper case letter<br>' +
            'Password missing numeric character<br>Password missing special character',
        ],
        ['password12345!', 'Password missing upper case letter'],
        ['PASSWORD12345!', 'Password missing lower case letter'],
        ['Password12345', 'Password missing special character'],
        ['Password!!!!', 'Password missing numeric character'],
      ];
      for (const [password, text] of weak) {
        const r = await change(b, password);
        assert.equal(r.status, 400, password);
        assert.equal(r.json(), text, password);
      }
      const ok = await change(b, 'Password12345!!');
      assert.equal(ok.status, 200);
      assert.equal(ok.json(), 'Password changed');
      // OpenTera reuses its Flask session here; TeraRelay's session ended with the change, so
      // the user logs in again (the forced change set back, as OpenTera's test does).
      assert.equal((await change(b, PASSWORD)).status, 401);
      await server.deps.db.kysely
        .updateTable('t_users')
        .set({ user_force_password_change: true })
        .where('user_username', '=', 'test_user_1')
        .execute();
      await loginRedirected(b, server, 'test_user_1', 'Password12345!!', '/login_change_password');
      assert.equal((await change(b, PASSWORD)).status, 200, 'password back to the last one');
    });

    test('a change that is no longer required: 400', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      await server.deps.db.kysely
        .updateTable('t_users')
        .set({ user_force_password_change: false })
        .where('user_username', '=', 'test_user_1')
        .execute();
      const r = await change(b, 'Password12345!!');
      assert.equal(r.status, 400);
      assert.equal(r.json(), 'User not required to change password');
    });

    test('a good change: 200, stored hashed, the forced change lifted, the cookie cleared', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const r = await change(b, 'Password12345!!');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json(), 'Password changed');
      assert.equal(b.cookie, undefined, 'the answer clears the cookie');
      const u = await row('test_user_1');
      assert.equal(u.user_force_password_change, false);
      assert.match(u.user_password, /^\$2b\$12\$/);
      assert.equal(await verifyPassword('Password12345!!', u.user_password), true);
      const again = await b.login(server, 'test_user_1', 'Password12345!!');
      assert.equal(again.status, 200);
      assert.ok(again.json<{ user_token?: string }>().user_token);
      assert.equal((await b.login(server, 'test_user_1', PASSWORD)).status, 401);
    });

    test('form bodies are read; missing and unknown arguments are 400 as flask-restx answers', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const missing = await b.post(server, path, { new_password: 'x' });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.json(), {
        errors: { confirm_password: 'Password confirmation for the user' },
        message: 'Input payload validation failed',
      });
      const unknown = await b.post(server, path, {
        new_password: 'x',
        confirm_password: 'x',
        y: 1,
      });
      assert.equal(unknown.status, 400);
      assert.deepEqual(unknown.json(), { message: 'Unknown arguments: y' });
      const form = await b.post(
        server,
        path,
        'new_password=Password12345%21%21&confirm_password=Password12345%21%21',
        { 'content-type': 'application/x-www-form-urlencoded' },
      );
      assert.equal(form.status, 200, form.text);
    });
  });

  describe('GET|POST /api/user/login/setup_2fa (test_UserLoginSetup2FA)', () => {
    const path = '/api/user/login/setup_2fa';

    test('an invalid token, no session: 401', async () => {
      const b = browser();
      assert.equal(
        (await b.call(server, path, { headers: { authorization: bearer('invalid') } })).status,
        401,
      );
      assert.equal((await b.call(server, path)).status, 401);
    });

    test('admin, without 2FA: 403', async () => {
      const b = browser();
      assert.equal((await b.login(server, 'admin', 'admin')).status, 200);
      const r = await b.call(server, path, { headers: { authorization: basic('admin', 'admin') } });
      assert.equal(r.status, 403);
      assert.equal(r.json(), 'User does not have 2FA enabled');
    });

    test('a user whose 2FA is already set up: 403, and its session ends', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const r = await b.call(server, path, { headers: { authorization: basic('', '') } });
      assert.equal(r.status, 403);
      assert.equal(r.json(), 'User already has 2FA OTP secret set');
      assert.equal(b.cookie, undefined);
    });

    test('GET offers a secret and its QR code, changing nothing; POST with a code turns 2FA on', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_2', PASSWORD, '/login_setup_2fa');
      const r = await b.call(server, path, { headers: { authorization: basic('', '') } });
      assert.equal(r.status, 200, r.text);
      const offer = r.json<{ qr_code: string; otp_secret: string }>();
      assert.match(offer.otp_secret, /^[A-Z2-7]{32}$/);
      let u = await row('test_user_2fa_2');
      assert.equal(u.user_2fa_enabled, true);
      assert.equal(u.user_2fa_otp_enabled, false);
      assert.equal(u.user_2fa_otp_secret, null);

      const done = await b.post(server, path, {
        otp_secret: offer.otp_secret,
        otp_code: codeOf(offer.otp_secret),
      });
      assert.equal(done.status, 200, done.text);
      assert.deepEqual(done.json(), {
        message: '2FA enabled for this user.',
        redirect_url: '/login_validate_2fa',
      });
      u = await row('test_user_2fa_2');
      assert.equal(u.user_2fa_enabled, true);
      assert.equal(u.user_2fa_otp_enabled, true);
      assert.equal(u.user_2fa_otp_secret, offer.otp_secret);
      // The answer's new cookie allows the validation step, with a code not yet used.
      const login = await b.post(server, '/api/user/login/2fa', {
        otp_code: laterCodeOf(offer.otp_secret),
      });
      assert.equal(login.status, 200, login.text);
    });

    test('the QR code is a PNG of the otpauth URI of the secret', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_2', PASSWORD, '/login_setup_2fa');
      const offer = (await b.call(server, path)).json<{ qr_code: string; otp_secret: string }>();
      const png = Buffer.from(offer.qr_code, 'base64');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const width = png.readUInt32BE(16);
      const idat = png.subarray(png.indexOf('IDAT') + 4, png.indexOf('IEND') - 8);
      const pixels = inflateSync(idat);
      const uri = otpUri(offer.otp_secret, 'test_user_2fa_2', 'TeraRelay 127.0.0.1');
      assert.match(
        uri,
        new RegExp(`^otpauth://totp/.*test_user_2fa_2\\?.*secret=${offer.otp_secret}`),
      );
      const { data } = encode(uri, { ecc: 'M', border: 4 });
      const scale = width / data.length;
      assert.equal(scale, 5);
      data.forEach((line, y) =>
        line.forEach((dark, x) => {
          const at = (y * scale + 2) * (width + 1) + 1 + x * scale + 2;
          assert.equal(pixels[at], dark ? 0 : 255, `module ${x},${y}`);
        }),
      );
    });

    test('POST with a wrong code, a code of another secret, or a secret not offered: 401', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_2', PASSWORD, '/login_setup_2fa');
      const offer = (await b.call(server, path)).json<{ otp_secret: string }>();
      const other = new Secret({ size: 20 }).base32;
      const attempts = [
        { otp_secret: offer.otp_secret, otp_code: wrongCodeOf(offer.otp_secret) },
        { otp_secret: offer.otp_secret, otp_code: codeOf(other) },
        { otp_secret: other, otp_code: codeOf(other) },
      ];
      for (const body of attempts) {
        const r = await b.post(server, path, body);
        assert.equal(r.status, 401, JSON.stringify(body));
        assert.equal(r.json(), 'Invalid OTP code');
      }
      assert.equal((await row('test_user_2fa_2')).user_2fa_otp_secret, null);
    });
  });

  describe('GET|POST /api/user/login/2fa (test_UserLogin2FA)', () => {
    const path = '/api/user/login/2fa';

    test('no auth, an invalid token, no session: 401', async () => {
      const b = browser();
      assert.equal((await b.call(server, path)).status, 401);
      const r = await b.call(server, path, { headers: { authorization: bearer('invalid') } });
      assert.equal(r.status, 401);
    });

    test('admin, without 2FA: 403', async () => {
      const b = browser();
      assert.equal((await b.login(server, 'admin', 'admin')).status, 200);
      const r = await b.call(server, `${path}?otp_code=123456`, {
        headers: { authorization: basic('admin', 'admin') },
      });
      assert.equal(r.status, 403);
      assert.equal(r.json(), 'User does not have 2FA enabled');
    });

    test('no code: 400', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const r = await b.call(server, path, { headers: { authorization: basic('', '') } });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json(), {
        errors: { otp_code: '2FA otp code' },
        message: 'Input payload validation failed',
      });
    });

    test('an invalid code: 401', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const r = await b.call(server, `${path}?otp_code=${wrongCodeOf(secret1)}`);
      assert.equal(r.status, 401);
      assert.equal(r.json(), 'Invalid OTP code');
    });

    test('a valid code: the token, and no websocket_url unless asked', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const r = await b.call(server, `${path}?otp_code=${codeOf(secret1)}`);
      assert.equal(r.status, 200, r.text);
      const body = r.json<Record<string, string>>();
      assert.equal(body.user_uuid, await uuidOf('test_user_2fa_1'));
      assert.equal(body.user_fullname, 'test_user_2fa_1 test_user_2fa_1');
      assert.equal(jwtPayload(body.user_token!).user_uuid, body.user_uuid);
      assert.equal('websocket_url' in body, false);
      assert.equal(b.cookie, undefined, 'the answer clears the cookie');
    });

    test('a valid code with with_websocket: a websocket_url that opens', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const r = await b.call(server, `${path}?otp_code=${codeOf(secret1)}&with_websocket=true`);
      assert.equal(r.status, 200, r.text);
      const body = r.json<{ websocket_url: string; user_uuid: string }>();
      const socket = await openUserSocket(server, body.websocket_url, body.user_uuid);
      socket.close();
      await socket.waitClose();
    });

    test('a user whose 2FA is not set up: 403', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_2', PASSWORD, '/login_setup_2fa');
      const r = await b.call(server, `${path}?otp_code=123456`);
      assert.equal(r.status, 403);
      assert.equal(r.json(), 'User does not have 2FA OTP enabled or secret set');
    });

    test('client versions: an unknown app logs in, an outdated one gets 426, a known one 200', async () => {
      const cases: Array<[Record<string, string>, number]> = [
        [{ 'x-client-name': 'test', 'x-client-version': '0.0.0' }, 200],
        [{ 'x-client-name': 'OpenTeraPlus', 'x-client-version': '0.0.0' }, 426],
        [{ 'x-client-name': 'OpenTeraPlus', 'x-client-version': '1.0.0' }, 200],
      ];
      for (const [headers, status] of cases) {
        // Each case logs in anew with the current code: the one before used it up.
        await forgetUsedCodes();
        const b = browser();
        await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
        const r = await b.call(server, `${path}?otp_code=${codeOf(secret1)}`, { headers });
        assert.equal(r.status, status, JSON.stringify(headers));
        const body = r.json<Record<string, unknown>>();
        if (status === 200) assert.equal('user_token' in body, true);
        if (status === 426)
          assert.equal(body.message, 'Client major version too old, not accepting login');
      }
    });
  });

  describe("TeraRelay's login sessions", () => {
    test('the cookie: random, HttpOnly, Secure, SameSite=Lax, scoped to the login API, 10 minutes; stored hashed', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_1', PASSWORD, '/login_change_password');
      const set = b.setCookies[0]!;
      assert.match(set, /^terarelay_login=[A-Za-z0-9_-]{43}; /);
      for (const attr of [
        'Path=/api/user/login',
        'Max-Age=600',
        'HttpOnly',
        'Secure',
        'SameSite=Lax',
      ])
        assert.ok(set.split('; ').includes(attr), `${attr} in ${set}`);
      const rows = await server.deps.db.kysely
        .selectFrom('terarelay_login_sessions')
        .selectAll()
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.session_hash, createHash('sha256').update(b.cookie!).digest('hex'));
      assert.equal(rows[0]!.step, 'password_change');
      assert.equal(rows[0]!.expires_at - rows[0]!.created_at, 600_000);
      const other = browser();
      await loginRedirected(other, server, 'test_user_1', PASSWORD, '/login_change_password');
      assert.notEqual(other.cookie, b.cookie);
    });

    test('a session allows its own step only: a password-change session cannot pass 2FA', async () => {
      await server.deps.db.kysely
        .updateTable('t_users')
        .set({ user_force_password_change: true })
        .where('user_username', '=', 'test_user_2fa_1')
        .execute();
      try {
        const b = browser();
        await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_change_password');
        const r = await b.call(server, `/api/user/login/2fa?otp_code=${codeOf(secret1)}`);
        assert.equal(r.status, 401);
        assert.equal(r.json(), 'Unauthorized');
        const setup = await b.call(server, '/api/user/login/setup_2fa');
        assert.equal(setup.status, 403, 'OpenTera refuses set-up to a user with a secret');
      } finally {
        await server.deps.db.kysely
          .updateTable('t_users')
          .set({ user_force_password_change: false })
          .where('user_username', '=', 'test_user_2fa_1')
          .execute();
      }
    });

    test('a session serves once, and not after it expires', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const used = b.cookie;
      assert.equal(
        (await b.call(server, `/api/user/login/2fa?otp_code=${codeOf(secret1)}`)).status,
        200,
      );
      b.cookie = used;
      const replay = await b.call(server, `/api/user/login/2fa?otp_code=${codeOf(secret1)}`);
      assert.equal(replay.status, 401, 'a used session is gone');

      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      await server.deps.db.kysely
        .updateTable('terarelay_login_sessions')
        .set({ expires_at: Date.now() - 1 })
        .execute();
      const late = await b.call(server, `/api/user/login/2fa?otp_code=${codeOf(secret1)}`);
      assert.equal(late.status, 401, 'an expired session is refused');
    });

    test('wrong codes are counted: the fifth refuses 2FA (403) at the 2FA step and at login', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const uuid = await uuidOf('test_user_2fa_1');
      const counter = twoFactorCounter(server);
      for (let i = 1; i <= 5; i++) {
        const r = await b.post(server, '/api/user/login/2fa', { otp_code: wrongCodeOf(secret1) });
        assert.equal(r.status, 401, `attempt ${i}`);
        assert.equal((await counter.get(uuid))?.consumedPoints, i);
      }
      const blocked = await b.post(server, '/api/user/login/2fa', { otp_code: codeOf(secret1) });
      assert.equal(blocked.status, 403);
      assert.equal(blocked.json(), 'Too many 2FA attempts. Please wait and try again.');
      const login = await b.login(server, 'test_user_2fa_1', PASSWORD);
      assert.equal(login.status, 403);
      assert.equal(b.cookie, undefined);
      assert.equal(counter.msDuration, 900_000);
    });

    test('a code is accepted once (RFC 6238 §5.2): its replay, and an earlier code, are refused', async () => {
      const first = browser();
      await loginRedirected(first, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const code = codeOf(secret1);
      const ok = await first.post(server, '/api/user/login/2fa', { otp_code: code });
      assert.equal(ok.status, 200, ok.text);

      const second = browser();
      await loginRedirected(second, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const replay = await second.post(server, '/api/user/login/2fa', { otp_code: code });
      assert.equal(replay.status, 401);
      assert.equal(replay.json(), 'Invalid OTP code');
      const earlier = TOTP.generate({
        secret: Secret.fromBase32(secret1),
        timestamp: Date.now() - 30_000,
      });
      const late = await second.post(server, '/api/user/login/2fa', { otp_code: earlier });
      assert.equal(late.status, 401, 'a code of an earlier step');
      const next = await second.post(server, '/api/user/login/2fa', {
        otp_code: laterCodeOf(secret1),
      });
      assert.equal(next.status, 200, next.text);
    });

    test('a right code clears the count of wrong ones', async () => {
      const b = browser();
      await loginRedirected(b, server, 'test_user_2fa_1', PASSWORD, '/login_validate_2fa');
      const uuid = await uuidOf('test_user_2fa_1');
      await b.post(server, '/api/user/login/2fa', { otp_code: wrongCodeOf(secret1) });
      assert.equal((await twoFactorCounter(server).get(uuid))?.consumedPoints, 1);
      const r = await b.post(server, '/api/user/login/2fa', { otp_code: codeOf(secret1) });
      assert.equal(r.status, 200, r.text);
      assert.equal(await twoFactorCounter(server).get(uuid), null);
    });
  });
});

// ---------------------------------------------------------------------------------------------

const NEW_PASSWORD = 'First-Admin-2025!';

/**
 * The first-admin flow of a fresh `defaults` deployment through the API alone, each step sent
 * to `nodes[step % nodes.length]`: admin/admin must change its password, logs in with a
 * websocket, turns 2FA on, sets it up at its next login and logs in with a TOTP code (after
 * wrong ones, which are counted).
 */
async function firstAdminFlow(nodes: readonly TestServer[]): Promise<void> {
  let step = 0;
  const next = (): TestServer => nodes[step++ % nodes.length]!;
  const b = new Browser();

  // admin/admin: password change required (no token).
  const first = await b.login(next(), 'admin', 'admin', '?with_websocket=true');
  assert.equal(first.status, 200, first.text);
  assert.deepEqual(first.json(), {
    message: 'Password change required for this user.',
    reason: 'password_change',
    redirect_url: '/login_change_password',
  });
  const changed = await b.post(next(), '/api/user/login/change_password', {
    new_password: NEW_PASSWORD,
    confirm_password: NEW_PASSWORD,
  });
  assert.equal(changed.status, 200, changed.text);
  assert.equal((await b.login(next(), 'admin', 'admin')).status, 401, 'the old password is gone');

  // Logs in again with a websocket.
  const node = next();
  const login = await b.login(node, 'admin', NEW_PASSWORD, '?with_websocket=true');
  assert.equal(login.status, 200, login.text);
  const answer = login.json<{ user_token: string; user_uuid: string; websocket_url: string }>();
  const socket = await openUserSocket(node, answer.websocket_url, answer.user_uuid);

  // Turns 2FA on for itself, then logs out (its websocket closes).
  const auth = { authorization: bearer(answer.user_token) };
  const id = jwtPayload(answer.user_token).id_user;
  const on = await next().request('/api/user/users', {
    method: 'POST',
    headers: auth,
    body: { user: { id_user: id, user_2fa_enabled: true } },
  });
  assert.equal(on.status, 200, on.text);
  assert.equal((await next().request('/api/user/logout', { headers: auth })).status, 200);
  assert.equal((await socket.waitClose(15_000)).code, 4000);

  // The next login sets 2FA up.
  const setupLogin = await b.login(next(), 'admin', NEW_PASSWORD, '?with_websocket=true');
  assert.equal(setupLogin.json<{ reason: string }>().reason, '2fa_setup', setupLogin.text);
  const offer = await b.call(next(), '/api/user/login/setup_2fa');
  assert.equal(offer.status, 200, offer.text);
  const secret = offer.json<{ otp_secret: string }>().otp_secret;
  const enabled = await b.post(next(), '/api/user/login/setup_2fa', {
    otp_secret: secret,
    otp_code: codeOf(secret),
  });
  assert.equal(enabled.status, 200, enabled.text);
  assert.equal(enabled.json<{ redirect_url: string }>().redirect_url, '/login_validate_2fa');

  // Wrong codes are refused and counted, wherever they are sent.
  for (let i = 1; i <= 2; i++) {
    const wrong = await b.post(next(), '/api/user/login/2fa', { otp_code: wrongCodeOf(secret) });
    assert.equal(wrong.status, 401, wrong.text);
  }
  for (const n of nodes)
    assert.equal((await twoFactorCounter(n).get(answer.user_uuid))?.consumedPoints, 2);

  // The right code: a token and a websocket that opens.
  await waitFor(async () => !(await nodes[0]!.deps.presence.isOnline('user', answer.user_uuid)), {
    what: 'admin offline after logout',
  });
  const final = next();
  const done = await b.post(final, '/api/user/login/2fa', {
    otp_code: laterCodeOf(secret),
    with_websocket: true,
  });
  assert.equal(done.status, 200, done.text);
  const token = done.json<{ user_token: string; websocket_url: string; user_uuid: string }>();
  assert.equal(token.user_uuid, answer.user_uuid);
  assert.equal(jwtPayload(token.user_token).user_uuid, answer.user_uuid);
  const live = await openUserSocket(final, token.websocket_url, token.user_uuid);
  assert.equal(await twoFactorCounter(nodes[0]!).get(answer.user_uuid), null);
  live.close();
  await live.waitClose();
}

describe('a fresh defaults deployment, through the API alone', () => {
  test('admin changes its password, logs in with a websocket, sets up 2FA and logs in with a code', async (t) => {
    const server = await startTestServer({ seed: 'defaults' });
    t.after(() => server.close());
    await firstAdminFlow([server]);
  });
});

describe('the same flow across two nodes sharing PostgreSQL and Redis', () => {
  let db: TestDatabase | { skip: string };
  let redis: PrivateRedis | { skip: string };
  const nodes: TestServer[] = [];

  before(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), startPrivateRedis()]);
    if ('skip' in db || 'skip' in redis) return;
    const options = { db: db.url, redis: redis.url, seed: 'defaults' };
    nodes.push(await startTestServer(options)); // migrates and seeds the shared database
    nodes.push(await startTestServer(options));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    if (!('skip' in db)) await db.drop();
    if (!('skip' in redis)) await redis.close();
  });

  const skipped = (t: TestContext): boolean => {
    const reason = ('skip' in db && db.skip) || ('skip' in redis && redis.skip);
    if (reason) t.skip(reason);
    return Boolean(reason);
  };

  test('each step is answered by the other node', async (t) => {
    if (skipped(t)) return;
    assert.notEqual(nodes[0]!.port, nodes[1]!.port);
    await firstAdminFlow(nodes);
  });
});
