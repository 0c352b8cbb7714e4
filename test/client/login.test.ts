/**
 * The SDK's login, refresh, logout and websocket URLs against a real server, for every kind
 * and scheme, and TeraRelay's GET /api/user/websocket (checked against its OpenAPI document).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RelayError, TeraRelayClient, type Session } from '../../src/client/index.js';
import { startTestServer, bearer, type TestServer } from '../kit/server.js';
import { OpenApiChecker, participantTokensOf, userTokenOf } from '../kit/http.js';
import { seeded, type Seeded } from '../kit/sockets.js';
import { clientOf, devCertificate, offline, online, originOf, seededToken } from './kit.js';

describe('SDK login', () => {
  let server: TestServer;
  let ids: Seeded;
  let relay: TeraRelayClient;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    relay = clientOf(server);
  });
  after(() => server.close());

  /** Connects `session`, checks the first event is its own CONNECTED, closes. */
  async function connectsAs(session: Session): Promise<void> {
    const connection = relay.connect(session);
    try {
      const first = new Promise((resolve) => connection.onEvent(resolve));
      await connection.opened();
      const own = (await first) as { type: string; kind: string; uuid: string; change: string };
      assert.deepEqual(
        { type: own.type, kind: own.kind, uuid: own.uuid, change: own.change },
        { type: session.kind, kind: session.kind, uuid: session.uuid, change: 'connected' },
      );
    } finally {
      const final = await connection.close();
      assert.equal(final.state, 'closed');
      assert.equal(connection.openSockets, 0);
    }
    await offline(server, session.kind, session.uuid);
  }

  test('a user logs in with Basic: token, name, websocket URL; connects as itself', async () => {
    const session = await relay.login({ user: 'admin', password: 'admin' });
    assert.equal(session.kind, 'user');
    assert.equal(session.uuid, ids.users.admin);
    assert.equal(session.name, 'Super Admin');
    assert.equal(session.observer, false);
    assert.match(session.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(session.websocketUrl ?? '', /^wss:\/\/127\.0\.0\.1:\d+\/wss\/user\?id=/);
    await connectsAs(session);
  });

  test('a login without a websocket gives tokens only', async () => {
    const session = await relay.login({ user: 'user', password: 'user' }, { websocket: false });
    assert.equal(session.websocketUrl, null);
    assert.equal(session.uuid, ids.users.user);
  });

  test('a wrong password is a final 401', async () => {
    await assert.rejects(relay.login({ user: 'user2', password: 'nope' }), (err: RelayError) => {
      assert.ok(err instanceof RelayError);
      assert.equal(err.status, 401);
      assert.equal(err.retryable, false);
      return true;
    });
  });

  test('a participant logs in with Basic, its static token or its dynamic token', async () => {
    const p1 = ids.participants['Participant #1']!;
    const basic = await relay.login({ participant: 'participant1', password: 'opentera' });
    assert.equal(basic.kind, 'participant');
    assert.equal(basic.uuid, p1);
    assert.equal(basic.name, 'Participant #1');
    assert.ok(basic.staticToken, 'the static token comes back');
    assert.notEqual(basic.token, basic.staticToken, 'the session works with the dynamic token');
    await connectsAs(basic);

    const byStatic = await relay.login({ participantToken: basic.staticToken! });
    assert.equal(byStatic.uuid, p1);
    assert.equal(byStatic.token, basic.staticToken);
    await connectsAs(byStatic);

    const { dynamic } = await participantTokensOf(server);
    const byDynamic = await relay.login({ participantToken: dynamic });
    assert.equal(byDynamic.uuid, p1);
    await connectsAs(byDynamic);
  });

  test('a device logs in with its token', async () => {
    const session = await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') });
    assert.equal(session.kind, 'device');
    assert.equal(session.uuid, ids.devices['Apple Watch #W05P1']);
    assert.equal(session.name, 'Apple Watch #W05P1');
    assert.ok(Array.isArray(session.answer.participants_info));
    await connectsAs(session);
  });

  test('refresh gives a new token and the server revokes the old one', async () => {
    const session = await relay.login({ user: 'user3', password: 'user3' }, { websocket: false });
    const next = await relay.refresh(session);
    assert.notEqual(next.token, session.token);
    await assert.rejects(relay.websocketUrl(session), { status: 401 });
    assert.match(await relay.websocketUrl(next), /\/wss\/user\?id=/);
    await offline(server, 'user', session.uuid);

    const participant = await relay.login(
      { participant: 'participant1', password: 'opentera' },
      { websocket: false },
    );
    const refreshed = await relay.refresh(participant);
    assert.notEqual(refreshed.token, participant.token);
    const byStatic = await relay.login(
      { participantToken: participant.staticToken! },
      { websocket: false },
    );
    await assert.rejects(relay.refresh(byStatic), { code: 'not_refreshable' });
  });

  test('logout closes the connection with 4000 (no reconnect) and revokes the token', async (t) => {
    const session = await relay.login({ user: 'siteadmin', password: 'siteadmin' });
    const connection = relay.connect(session);
    t.after(() => connection.close());
    await connection.opened();
    await relay.logout(connection);
    const final = await connection.closed();
    assert.equal(final.state, 'closed');
    assert.equal(final.code, 4000);
    assert.equal(final.reason, 'CMD_CLIENT_DISCONNECT');
    await assert.rejects(relay.websocketUrl(session), { status: 401 });
  });

  test('`ca` trusts the dev certificate; without it or `insecure` the certificate is refused', async (t) => {
    const trusting = new TeraRelayClient({ url: originOf(server), ca: devCertificate(server) });
    const session = await trusting.login({ user: 'user2', password: 'user2' });
    const connection = trusting.connect(session);
    t.after(() => connection.close());
    await connection.opened();
    await connection.close();
    await offline(server, 'user', session.uuid);

    const strict = new TeraRelayClient({ url: originOf(server) });
    await assert.rejects(strict.login({ user: 'user2', password: 'user2' }), (err: RelayError) => {
      assert.equal(err.status, null);
      assert.equal(err.code, 'network');
      return true;
    });
  });
});

describe('GET /api/user/websocket (TeraRelay addition)', () => {
  let server: TestServer;
  let api: OpenApiChecker;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer();
    api = await OpenApiChecker.load(server);
    ids = await seeded(server);
  });
  after(() => server.close());

  test('documents its answers and gives a URL for a token, 403 while online unless observer', async (t) => {
    const token = await userTokenOf(server, 'user');
    const fresh = await api.get('/api/user/websocket', bearer(token));
    assert.equal(fresh.status, 200);
    const url = fresh.json<{ websocket_url: string }>().websocket_url;
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+\/wss\/user\?id=[\w-]{43}$/);

    const relay = clientOf(server);
    const session = await relay.login({ user: 'user', password: 'user' });
    const connection = relay.connect(session);
    t.after(() => connection.close());
    await connection.opened();
    await online(server, 'user', ids.users.user!);
    const refused = await api.get('/api/user/websocket', bearer(token));
    assert.equal(refused.status, 403);
    assert.equal(refused.json(), 'User already logged in.');
    const observer = await api.get('/api/user/websocket?observer=true', bearer(token));
    assert.equal(observer.status, 200);
    await connection.close();

    assert.equal((await api.get('/api/user/websocket')).status, 401);
    assert.equal((await api.get('/api/user/websocket', bearer('not-a-token'))).status, 401);
    const basic = `Basic ${Buffer.from('user:user').toString('base64')}`;
    assert.equal((await api.get('/api/user/websocket', basic)).status, 401, 'token only');
    assert.equal((await api.get('/api/user/websocket?nope=1', bearer(token))).status, 400);
  });

  test('the SDK is served as one ES module at /client/terarelay-client.js', async () => {
    const r = await server.request('/client/terarelay-client.js');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/javascript/);
    assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.match(r.text, /export\s*\{[^}]*TeraRelayClient/);
    assert.doesNotMatch(r.text, /\brequire\(/, 'no CommonJS left in it');
    const documented = (await server.request('/openapi.json')).json<{ paths: object }>().paths;
    assert.ok('/client/terarelay-client.js' in documented);
  });

  test('participant and device tokens are refused', async () => {
    const { dynamic } = await participantTokensOf(server);
    assert.equal((await api.get('/api/user/websocket', bearer(dynamic))).status, 401);
  });
});
