import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, bearer } from '../kit/server.js';
import { setSetting } from '../../src/store/queries/settings.js';
import {
  jwtPayload,
  markOnline,
  serveApi,
  updateUser,
  userTokenOf,
  userUuid,
  withUserChanged,
} from '../kit/http.js';

const WS_URL = /^wss:\/\/127\.0\.0\.1:(\d+)\/wss\/user\?id=([A-Za-z0-9_-]{43})$/;

describe('GET /api/user/login', () => {
  const suite = serveApi();

  test('good Basic credentials with with_websocket=1 give a token and a one-time URL bound to the user', async () => {
    const r = await suite.api.get('/api/user/login?with_websocket=1', basic('admin', 'admin'));
    assert.equal(r.status, 200);
    // Exactly: OpenTera's tests compare the Content-Type for equality.
    assert.equal(r.headers['content-type'], 'application/json');
    const body = r.json<Record<string, string>>();
    const uuid = await userUuid(suite.server, 'admin');
    assert.equal(body.user_uuid, uuid);
    assert.equal(body.user_fullname, 'Super Admin');
    const m = WS_URL.exec(body.websocket_url ?? '');
    assert.ok(m, body.websocket_url);
    assert.equal(Number(m[1]), suite.server.port);
    assert.equal(await suite.server.deps.tickets.redeem(m[2]!, 'user'), uuid);
    assert.equal(await suite.server.deps.tickets.redeem(m[2]!, 'user'), null, 'single use');
    const claims = jwtPayload(body.user_token!);
    assert.equal(claims.iss, 'TeraServer');
    assert.equal(claims.user_uuid, uuid);
    assert.equal(claims.id_user, 1);
    assert.equal(claims.user_fullname, 'Super Admin');
    assert.equal(claims.user_superadmin, true);
    assert.deepEqual(claims.service_access, {});
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  });

  test('without with_websocket (or with false/0/empty) no URL comes back; true and on ask for one', async () => {
    for (const q of ['', '?with_websocket=false', '?with_websocket=0', '?with_websocket=']) {
      const r = await suite.api.get(`/api/user/login${q}`, basic('user', 'user'));
      assert.equal(r.status, 200, q);
      assert.equal('websocket_url' in r.json<object>(), false, q);
    }
    for (const q of ['?with_websocket=true', '?with_websocket=TRUE', '?with_websocket=on']) {
      const r = await suite.api.get(`/api/user/login${q}`, basic('user', 'user'));
      assert.ok(r.json<{ websocket_url?: string }>().websocket_url, q);
    }
  });

  test("the token carries the user's global service roles", async () => {
    const claims3 = jwtPayload(await userTokenOf(suite.server, 'user3'));
    assert.deepEqual(claims3.service_access, { LoggingService: ['admin'] });
    assert.equal(claims3.user_superadmin, false);
    assert.equal(claims3.user_fullname, 'Project Admin');
    const claims2 = jwtPayload(await userTokenOf(suite.server, 'user2'));
    assert.deepEqual(claims2.service_access, { BureauActif: ['admin'] });
  });

  test('bad arguments get flask-restx 400 bodies, after authentication', async () => {
    let r = await suite.api.get('/api/user/login?with_websocket=maybe', basic('user', 'user'));
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      errors: { with_websocket: 'Invalid literal for boolean(): maybe' },
      message: 'Input payload validation failed',
    });
    r = await suite.api.get('/api/user/login?with_websocket=1&extra=2', basic('user', 'user'));
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { message: 'Unknown arguments: extra' });
    r = await suite.api.get('/api/user/login?extra=2', basic('user', 'nope'));
    assert.equal(r.status, 401, 'authentication comes first');
  });

  test('wrong password, unknown user, missing or malformed header: 401 with the text Unauthorized', async () => {
    const cases: Array<Record<string, string>> = [
      { authorization: basic('user', 'wrong') },
      { authorization: basic('nobody', 'user') },
      {},
      { authorization: 'Basic' },
      { authorization: 'Basic !!!not-base64!!!' },
      { authorization: 'Basic ' + Buffer.from('no-colon').toString('base64') },
      { authorization: 'Bearer abc' },
      { authorization: '   ' },
    ];
    for (const headers of cases) {
      const r = await suite.api.request('/api/user/login', { headers });
      assert.equal(r.status, 401, JSON.stringify(headers));
      assert.equal(r.text, 'Unauthorized');
      assert.match(String(r.headers['content-type']), /^text\/html/);
      assert.equal(r.headers['www-authenticate'], undefined);
    }
  });

  test('a disabled user gets 401 even with the right password', async () => {
    await withUserChanged(
      suite.server,
      'user4',
      { user_enabled: false },
      { user_enabled: true },
      async () => {
        const r = await suite.api.get('/api/user/login', basic('user4', 'user4'));
        assert.equal(r.status, 401);
        assert.equal(r.text, 'Unauthorized');
      },
    );
    assert.equal((await suite.api.get('/api/user/login', basic('user4', 'user4'))).status, 200);
  });

  test('a token on /api/user/login gets 401', async () => {
    const token = await userTokenOf(suite.server, 'user');
    const r = await suite.api.get('/api/user/login', bearer(token));
    assert.equal(r.status, 401);
    assert.equal(r.text, 'Unauthorized');
  });

  test('an already-online user gets 403 with with_websocket, and a plain login without it', async () => {
    await markOnline(suite.server, 'user', await userUuid(suite.server, 'siteadmin'));
    const r = await suite.api.get(
      '/api/user/login?with_websocket=true',
      basic('siteadmin', 'siteadmin'),
    );
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'User already logged in.');
    const plain = await suite.api.get('/api/user/login', basic('siteadmin', 'siteadmin'));
    assert.equal(plain.status, 200);
    assert.ok(plain.json<{ user_token: string }>().user_token);
  });

  test('forced password change: reason and redirect_url, no token; Basic elsewhere is refused', async () => {
    await withUserChanged(
      suite.server,
      'user2',
      { user_force_password_change: true },
      { user_force_password_change: false },
      async () => {
        const r = await suite.api.get('/api/user/login?with_websocket=1', basic('user2', 'user2'));
        assert.equal(r.status, 200);
        assert.deepEqual(r.json(), {
          message: 'Password change required for this user.',
          reason: 'password_change',
          redirect_url: '/login_change_password',
        });
        const other = await suite.api.get('/api/user/logout', basic('user2', 'user2'));
        assert.equal(other.status, 401);
        assert.deepEqual(other.json(), {
          message: 'Unauthorized - User must login first to change password',
        });
      },
    );
  });

  test('2FA: validation step when OTP is set up, setup step otherwise; no token either way', async () => {
    const off = { user_2fa_enabled: false, user_2fa_otp_enabled: false, user_2fa_otp_secret: null };
    await withUserChanged(suite.server, 'user3', { user_2fa_enabled: true }, off, async () => {
      let r = await suite.api.get('/api/user/login', basic('user3', 'user3'));
      assert.equal(r.status, 200);
      assert.deepEqual(r.json(), {
        message: '2FA enabled but OTP not set for this user.Please setup 2FA.',
        reason: '2fa_setup',
        redirect_url: '/login_setup_2fa',
      });
      await updateUser(suite.server, 'user3', {
        user_2fa_otp_enabled: true,
        user_2fa_otp_secret: 'JBSWY3DPEHPK3PXP',
      });
      r = await suite.api.get('/api/user/login', basic('user3', 'user3'));
      assert.deepEqual(r.json(), {
        message: '2FA required for this user.',
        reason: '2fa',
        redirect_url: '/login_validate_2fa',
      });
      const other = await suite.api.get('/api/user/users/online', basic('user3', 'user3'));
      assert.equal(other.status, 401);
      assert.deepEqual(other.json(), {
        message: 'Unauthorized - 2FA is enabled, must login first and use token',
      });
    });
  });
});

describe('the client-version rule (426)', () => {
  const suite = serveApi();

  const login = (name: string, version: string) =>
    suite.api.get('/api/user/login', basic('user', 'user'), {
      'X-Client-Name': name,
      'X-Client-Version': version,
    });

  test('a known client at the same version gets version_latest only', async () => {
    const r = await login('OpenTeraPlus', '1.0.0');
    assert.equal(r.status, 200);
    const body = r.json<Record<string, unknown>>();
    assert.equal((body.version_latest as { client_version: string }).client_version, '1.0.0');
    assert.equal(body.version_error, undefined);
    assert.ok(body.user_token);
  });

  test('a different minor version gets version_error but logs in', async () => {
    const r = await login('OpenTeraPlus', '1.4.2');
    assert.equal(r.status, 200);
    const body = r.json<Record<string, unknown>>();
    assert.equal(body.version_error, 'Client major version mismatch');
    assert.ok(body.user_token);
  });

  test('a different major version gets 426 and no token', async () => {
    const r = await login('OpenTeraPlus', '0.9.1');
    assert.equal(r.status, 426);
    const body = r.json<Record<string, unknown>>();
    assert.deepEqual(body.current_version, ['0', '9', '1']);
    assert.equal(body.version_error, 'Client major version mismatch');
    assert.equal(body.message, 'Client major version too old, not accepting login');
    assert.equal((body.version_latest as { client_name: string }).client_name, 'OpenTeraPlus');
    assert.equal(body.user_token, undefined);
  });

  test('unknown clients and clients without both headers log in as usual', async () => {
    const r = await login('OpenTera-Web-Client', '0.0.1');
    assert.equal(r.status, 200);
    assert.equal(r.json<Record<string, unknown>>().version_latest, undefined);
    const one = await suite.api.get('/api/user/login', basic('user', 'user'), {
      'X-Client-Name': 'OpenTeraPlus',
    });
    assert.equal(one.status, 200);
  });

  test('known versions come from the ServerVersions setting', async () => {
    await setSetting(
      suite.server.deps.db,
      'ServerVersions',
      JSON.stringify({
        clients: {
          OpenTeraPlus: {
            client_name: 'OpenTeraPlus',
            client_version: '2.1.0',
            client_description: 'Qt',
            client_documentation_url: 'https://x',
          },
          Kiosk: { client_name: 'Kiosk', client_version: '3.0.0' },
        },
      }),
    );
    assert.equal((await login('OpenTeraPlus', '1.0.0')).status, 426);
    assert.equal((await login('OpenTeraPlus', '2.0.0')).status, 200);
    assert.equal((await login('Kiosk', '2.9.9')).status, 426);
    const ok = await login('Kiosk', '3.0.0');
    assert.equal(ok.status, 200);
    assert.equal(
      ok.json<{ version_latest: { client_description: unknown } }>().version_latest
        .client_description,
      null,
    );
  });

  test('the rule applies before the password-change answer', async () => {
    await withUserChanged(
      suite.server,
      'user',
      { user_force_password_change: true },
      { user_force_password_change: false },
      async () => {
        assert.equal((await login('Kiosk', '1.0.0')).status, 426);
        const r = await login('Kiosk', '3.0.0');
        assert.equal(r.json<{ reason: string }>().reason, 'password_change');
        assert.ok(r.json<{ version_latest: object }>().version_latest);
      },
    );
  });
});
