/**
 * The SDK reconnects by itself: after the server restarts (same port, same SQLite file; the
 * user token still valid), after a slow-consumer close (4001, with its longer first wait),
 * and through 403 "already logged in". It does not after a 4000 or a refused token (401).
 * Never more than one websocket per connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TeraRelayClient, type Connection } from '../../src/client/index.js';
import { startTestServer, basic, type TestServer } from '../kit/server.js';
import { pack, publish, seeded, type Seeded } from '../kit/sockets.js';
import { directTopic } from '../../src/topics.js';
import { UserEventSchema } from '../../src/protocol/messages.js';
import { waitFor } from '../kit/waiting.js';
import {
  clientOf,
  devCertificate,
  metricValue,
  offline,
  online,
  originOf,
  Recorder,
  seededToken,
} from './kit.js';
import { PausableProxy } from './proxy.js';

const FAST = { initialMs: 20, maxMs: 200, afterSlowConsumerMs: 400 };

/** Sends `user` a direct UserEvent tagged `tag` (about user4, whom admin may see). */
async function sentinel(server: TestServer, user: string, about: string, tag: string) {
  await publish(server, directTopic('user', user), [
    pack(UserEventSchema, { userUuid: about, type: 5, userFullname: tag }),
  ]);
}

const tagged = (tag: string) => (e: { type: string; name?: string }) =>
  e.type === 'user' && e.name === tag;

describe('SDK reconnect after a server restart', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'terarelay-sdk-restart-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('state goes open → reconnecting (1001) → open, one socket, token reused', async (t) => {
    const config = { db: `sqlite:${join(dir, 'relay.db')}`, dataDir: dir };
    let server = await startTestServer(config);
    t.after(() => server.close());
    const ids = await seeded(server);
    const admin = ids.users.admin!;
    const port = server.port;
    // The same data dir keeps the same certificate: trust it through `ca`.
    const relay = new TeraRelayClient({ url: originOf(server), ca: devCertificate(server) });
    const session = await relay.login({ user: 'admin', password: 'admin' });
    const connection = relay.connect(session, { backoff: FAST });
    t.after(() => connection.close());
    const seen = new Recorder(connection);
    await connection.opened();
    await online(server, 'user', admin);

    await server.stop();
    const dropped = await seen.state((s) => s.state === 'reconnecting', 'reconnecting');
    assert.equal(dropped.code, 1001);
    assert.equal(dropped.reason, 'Server shutting down');
    // Attempts fail while the port is closed: still reconnecting, the failure named.
    await seen.state((s) => s.state === 'reconnecting' && s.error !== null, 'a failed attempt');

    server = await startTestServer({ ...config, port });
    const from = seen.states.length;
    await seen.state((s) => s.state === 'open', 'open again', seen.states.indexOf(dropped));
    await online(server, 'user', admin);
    const user4 = ids.users.user4!;
    await sentinel(server, admin, user4, 'after restart');
    await seen.event(tagged('after restart'), 'the sentinel after the restart');

    const names = seen.names;
    assert.equal(names[0], 'open');
    assert.equal(names.at(-1), 'open');
    assert.deepEqual(
      new Set(names.slice(1, -1)),
      new Set(['reconnecting']),
      `only reconnecting in between: ${names.join(',')}`,
    );
    assert.ok(from >= 2);
    assert.equal(seen.maxOpenSockets, 1, 'never two websockets at once');
    assert.equal(connection.openSockets, 1);
    assert.equal(await metricValue(server.deps.metrics.connections, { kind: 'user' }), 1);
    assert.equal(connection.session.token, session.token, 'the token, not the password');
  });
});

describe('SDK reconnect rules', () => {
  let server: TestServer;
  let ids: Seeded;
  let relay: TeraRelayClient;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    relay = clientOf(server);
  });
  after(() => server.close());

  const track = (t: { after(fn: () => unknown): void }, c: Connection) => {
    t.after(() => c.close());
    return new Recorder(c);
  };

  test('a 4000 (an admin disconnect) closes for good', async (t) => {
    const user2 = ids.users.user2!;
    const connection = relay.connect(await relay.login({ user: 'user2', password: 'user2' }), {
      backoff: FAST,
    });
    const seen = track(t, connection);
    await connection.opened();
    const res = await server.request(`/api/user/disconnect?user_uuid=${user2}`, {
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(res.status, 200);
    const final = await connection.closed();
    assert.deepEqual(
      [final.state, final.code, final.reason],
      ['closed', 4000, 'CMD_CLIENT_DISCONNECT'],
    );
    await offline(server, 'user', user2);
    // A later login of the same user works at once: nothing of this connection came back.
    const again = await relay.login({ user: 'user2', password: 'user2' });
    assert.ok(again.websocketUrl);
    assert.deepEqual(seen.names, ['open', 'closed']);
    assert.equal(connection.openSockets, 0);
  });

  test('403 "already logged in" is retried until the old presence is gone', async (t) => {
    const p1 = ids.participants['Participant #1']!;
    await server.deps.presence.join('participant', p1, 'ghost');
    const session = await relay.login(
      { participantToken: seededToken(server, 'Participant #1') },
      { websocket: false },
    );
    const connection = relay.connect(session, { backoff: FAST });
    const seen = track(t, connection);
    const refused = await seen.state((s) => s.error?.status === 403, 'a 403');
    assert.equal(refused.state, 'reconnecting');
    await server.deps.presence.leave('participant', p1, 'ghost');
    await connection.opened();
    assert.equal(seen.names.at(-1), 'open');
    await connection.close();
    await offline(server, 'participant', p1);
  });

  test('close() while waiting to reconnect ends it at once', async (t) => {
    const p1 = ids.participants['Participant #1']!;
    await server.deps.presence.join('participant', p1, 'ghost');
    t.after(() => server.deps.presence.leave('participant', p1, 'ghost'));
    const session = await relay.login(
      { participantToken: seededToken(server, 'Participant #1') },
      { websocket: false },
    );
    const connection = relay.connect(session, { backoff: { initialMs: 60_000 } });
    const seen = track(t, connection);
    await seen.state((s) => s.state === 'reconnecting', 'reconnecting');
    const final = await connection.close();
    assert.equal(final.state, 'closed');
    assert.equal(connection.openSockets, 0);
  });
});

describe('SDK slow reader', () => {
  let proxy: PausableProxy;
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    proxy = await PausableProxy.start();
    server = await startTestServer({
      sendBufferLimit: 16 * 1024,
      publicUrl: `wss://127.0.0.1:${proxy.port}`,
    });
    proxy.forwardTo(server.port);
    ids = await seeded(server);
  });
  after(async () => {
    await server.close();
    await proxy.close();
  });

  test('closed with 4001, waits longer, then comes back', async (t) => {
    const admin = ids.users.admin!;
    const user4 = ids.users.user4!;
    const relay = new TeraRelayClient({ url: `https://127.0.0.1:${proxy.port}`, insecure: true });
    const connection = relay.connect(await relay.login({ user: 'admin', password: 'admin' }), {
      backoff: FAST,
    });
    t.after(() => connection.close());
    const seen = new Recorder(connection);
    await connection.opened();

    proxy.pause();
    const bulk = 'x'.repeat(32 * 1024);
    const closes = () => metricValue(server.deps.metrics.closes, { code: '4001' });
    for (let i = 0; (await closes()) === 0; i++) {
      if (i > 5000) throw new Error('the server never closed the slow reader');
      await sentinel(server, admin, user4, `${bulk}${i}`);
    }
    proxy.resume();

    const slow = await seen.state((s) => s.state === 'reconnecting', 'reconnecting after 4001');
    assert.equal(slow.code, 4001);
    assert.equal(slow.reason, 'Slow consumer: send buffer full');
    assert.ok(
      slow.delayMs !== null && slow.delayMs >= FAST.afterSlowConsumerMs / 2,
      `the wait after 4001 is the longer one (${slow.delayMs})`,
    );
    await seen.state((s) => s.state === 'open', 'open again', seen.states.indexOf(slow));
    await sentinel(server, admin, user4, 'recovered');
    await seen.event(tagged('recovered'), 'an event after recovering');
    assert.equal(seen.maxOpenSockets, 1);
    await waitFor(
      async () => (await metricValue(server.deps.metrics.connections, { kind: 'user' })) === 1,
      {
        what: 'one user connection on the server',
      },
    );
  });
});
