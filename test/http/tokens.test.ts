import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startTestServer, basic, bearer, type TestServer } from '../kit/server.js';
import { openDb } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { getSetting } from '../../src/store/queries/settings.js';
import { TokenService } from '../../src/auth/tokens.js';
import {
  ServerCommand_CommandType,
  ServerCommandSchema,
  anyUnpack,
} from '../../src/protocol/messages.js';
import { twistedCommandsTopic } from '../../src/topics.js';
import type { ConfigKey } from '../../src/config.js';
import {
  jwtPayload,
  listen,
  markOnline,
  participant,
  participantTokensOf,
  serveApi,
  userTokenOf,
  userUuid,
} from '../kit/http.js';

describe('TokenService keys', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'terarelay-tokens-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keys are created once under OpenTera names, survive a reopen, and rotate regenerates the dynamic ones', async () => {
    const url = `sqlite:${join(dir, 'keys.db')}`;
    let db = await openDb(url);
    await migrateToLatest(db);
    const first = await TokenService.load(db, { rotate: false });
    const keys = first.redisKeys();
    assert.deepEqual(Object.keys(keys).sort(), [
      'DeviceStaticTokenAPIKey',
      'DeviceTokenAPIKey',
      'ParticipantStaticTokenAPIKey',
      'ParticipantTokenAPIKey',
      'ServiceTokenAPIKey',
      'UserTokenAPIKey',
    ]);
    for (const v of Object.values(keys)) assert.match(v, /^[0-9A-Za-z]{32}$/);
    assert.equal(await getSetting(db, 'UserTokenAPIKey'), keys.UserTokenAPIKey);
    assert.equal(await getSetting(db, 'TokenEncryptionKey'), keys.DeviceTokenAPIKey);
    const token = await first.signUser({
      uuid: 'u-1',
      id: 7,
      fullname: 'A B',
      superadmin: false,
      serviceAccess: { S: ['user'] },
    });
    await db.close();

    db = await openDb(url);
    const reopened = await TokenService.load(db, { rotate: false });
    assert.deepEqual(reopened.redisKeys(), keys);
    assert.equal((await reopened.verifyUser(token))?.user_uuid, 'u-1');

    const rotated = await TokenService.load(db, { rotate: true });
    const after = rotated.redisKeys();
    assert.notEqual(after.UserTokenAPIKey, keys.UserTokenAPIKey);
    assert.notEqual(after.ParticipantTokenAPIKey, keys.ParticipantTokenAPIKey);
    assert.notEqual(after.ServiceTokenAPIKey, keys.ServiceTokenAPIKey);
    assert.equal(after.DeviceTokenAPIKey, keys.DeviceTokenAPIKey, 'static keys are never rotated');
    assert.equal(after.ParticipantStaticTokenAPIKey, keys.ParticipantStaticTokenAPIKey);
    assert.equal(await rotated.verifyUser(token), null, 'rotation kills issued tokens');
    await db.close();
  });

  test('service tokens round-trip; wrong keys, algorithms and expired tokens are refused', async () => {
    const db = await openDb('sqlite::memory:');
    await migrateToLatest(db);
    const tokens = await TokenService.load(db, { rotate: false });
    const service = await tokens.signService('00000000-0000-0000-0000-000000000001');
    assert.deepEqual(await tokens.verifyService(service), {
      serviceUuid: '00000000-0000-0000-0000-000000000001',
    });
    assert.equal(await tokens.verifyUser(service), null, 'a service token is not a user token');
    const keys = tokens.redisKeys();
    const key = new TextEncoder().encode(keys.UserTokenAPIKey);
    const expired = await new SignJWT({ user_uuid: 'x', exp: Math.floor(Date.now() / 1000) - 5 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    assert.equal(await tokens.verifyUser(expired), null);
    const noExp = await new SignJWT({ user_uuid: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key);
    assert.equal(await tokens.verifyUser(noExp), null, 'a user token must expire');
    const hs512 = await new SignJWT({ user_uuid: 'x', exp: 2e9 })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(new Uint8Array(64));
    assert.equal(await tokens.verifyUser(hs512), null);
    assert.equal(await tokens.verifyUser(''), null);
    assert.equal(await tokens.verifyUser('a.b.c'), null);
    await db.close();
  });

  test('issued tokens survive a server restart on the same database; --rotate-keys kills them', async () => {
    const url = `sqlite:${join(dir, 'restart.db')}`;
    /** Starts a server on that database, runs `body` with it, then closes it. */
    const withServer = async <T>(
      overrides: Partial<Record<ConfigKey, unknown>>,
      body: (server: TestServer) => Promise<T>,
    ): Promise<T> => {
      const server = await startTestServer({ db: url, ...overrides });
      try {
        return await body(server);
      } finally {
        await server.close();
      }
    };
    const token = await withServer({}, (server) => userTokenOf(server, 'user'));
    const online = (server: TestServer) =>
      server.request('/api/user/users/online', { headers: { authorization: bearer(token) } });
    assert.equal((await withServer({}, online)).status, 200);
    assert.equal((await withServer({ rotateKeys: true }, online)).status, 401);
  });
});

describe('refresh and logout revoke the old token', () => {
  const suite = serveApi();

  test('user refresh: a 30-minute token; the old one is refused from then on', async () => {
    const old = await userTokenOf(suite.server, 'user');
    const r = await suite.api.get('/api/user/refresh_token', bearer(old));
    assert.equal(r.status, 200);
    const fresh = r.json<{ refresh_token: string; websocket_url?: string }>();
    assert.equal(fresh.websocket_url, undefined);
    const claims = jwtPayload(fresh.refresh_token);
    assert.equal(Number(claims.exp) - Number(claims.iat), 1800);
    assert.equal((await suite.api.get('/api/user/refresh_token', bearer(old))).status, 401);
    assert.equal((await suite.api.get('/api/user/users/online', bearer(old))).status, 401);
    assert.equal(
      (await suite.api.get('/api/user/users/online', bearer(fresh.refresh_token))).status,
      200,
    );
  });

  test('user refresh takes a token only (Basic gets 401), any scheme case, and other methods get 405', async () => {
    assert.equal(
      (await suite.api.get('/api/user/refresh_token', basic('user', 'user'))).status,
      401,
    );
    assert.equal((await suite.api.get('/api/user/refresh_token')).status, 401);
    const token = await userTokenOf(suite.server, 'user');
    assert.equal((await suite.api.get('/api/user/refresh_token', `opentera ${token}`)).status, 200);
    const post = await suite.server.request('/api/user/refresh_token', {
      method: 'POST',
      headers: { authorization: bearer(token) },
    });
    assert.equal(post.status, 405);
    const del = await suite.server.request('/api/user/refresh_token', { method: 'DELETE' });
    assert.equal(del.status, 405);
  });

  test('user refresh with_websocket gives a URL only while the user is offline', async () => {
    const token = await userTokenOf(suite.server, 'user2');
    const r = await suite.api.get('/api/user/refresh_token?with_websocket=1', bearer(token));
    const next = r.json<{ refresh_token: string; websocket_url?: string }>();
    assert.match(next.websocket_url ?? '', /\/wss\/user\?id=/);
    await markOnline(suite.server, 'user', await userUuid(suite.server, 'user2'));
    const again = await suite.api.get(
      '/api/user/refresh_token?with_websocket=1',
      bearer(next.refresh_token),
    );
    assert.equal(again.status, 200);
    assert.equal(again.json<{ websocket_url?: string }>().websocket_url, undefined);
  });

  test('user logout: "User logged out.", the token is revoked, and a disconnect command goes out', async () => {
    const uuid = await userUuid(suite.server, 'user3');
    const commands = await listen(suite.server, twistedCommandsTopic(uuid));
    const token = await userTokenOf(suite.server, 'user3');
    const r = await suite.api.get('/api/user/logout', bearer(token));
    assert.equal(r.status, 200);
    assert.equal(r.json(), 'User logged out.');
    const message = suite.server.deps.codec.decodeModuleMessage(await commands.next());
    assert.equal(message.head?.dest, twistedCommandsTopic(uuid));
    assert.equal(message.head?.source, 'module.TeraServer.FlaskModule.messages');
    const command = anyUnpack(message.data[0]!, ServerCommandSchema);
    assert.equal(command?.type, ServerCommand_CommandType.CMD_CLIENT_DISCONNECT);
    assert.equal((await suite.api.get('/api/user/logout', bearer(token))).status, 401);
    assert.equal(
      (await suite.api.get('/api/user/logout', basic('user3', 'user3'))).status,
      200,
      'Basic logout works',
    );
    await commands.close();
  });

  test('participant refresh: dynamic token only (static gets 403), the old one revoked', async () => {
    const { dynamic, staticToken } = await participantTokensOf(suite.api);
    const refusedStatic = await suite.api.get(
      '/api/participant/refresh_token',
      bearer(staticToken),
    );
    assert.equal(refusedStatic.status, 403);
    assert.equal(refusedStatic.text, 'Unauthorized');
    assert.equal(
      (await suite.api.get('/api/participant/refresh_token', basic('participant1', 'opentera')))
        .status,
      401,
    );
    const r = await suite.api.get('/api/participant/refresh_token', bearer(dynamic));
    assert.equal(r.status, 200);
    const fresh = r.json<{ refresh_token: string }>().refresh_token;
    const claims = jwtPayload(fresh);
    assert.equal(Number(claims.exp) - Number(claims.iat), 1800);
    assert.equal(claims.user_fullname, 'Participant #1');
    assert.equal((await suite.api.get('/api/participant/login', bearer(dynamic))).status, 401);
    assert.equal((await suite.api.get('/api/participant/login', bearer(fresh))).status, 200);
  });

  test('participant logout revokes a dynamic token but never the static one', async () => {
    const { dynamic, staticToken } = await participantTokensOf(suite.api);
    const p = await participant(suite.server, 'Participant #1');
    const commands = await listen(suite.server, twistedCommandsTopic(p.participant_uuid));
    const r = await suite.api.get('/api/participant/logout', bearer(dynamic));
    assert.equal(r.status, 200);
    assert.equal(r.json(), 'Participant logged out.');
    await commands.next();
    assert.equal((await suite.api.get('/api/participant/login', bearer(dynamic))).status, 401);
    assert.equal((await suite.api.get('/api/participant/logout', bearer(staticToken))).status, 200);
    assert.equal(
      (await suite.api.get('/api/participant/login', bearer(staticToken))).status,
      200,
      'the static token still works',
    );
    await commands.close();
  });
});
