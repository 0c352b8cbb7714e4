/**
 * The SDK's retry rules for the request that gets a connection its websocket URL (a user's GET
 * /api/user/websocket, a participant's login with its token): a 429 (with its Retry-After as
 * the least wait) and a 503 are retried, the connection `reconnecting` until the server answers
 * normally and then `open`; a 401 closes it for good, with no further request, also when it
 * comes after retries.
 *
 * The 429 and 503 come from an HTTPS front in front of the server (./proxy.ts ScriptedFront):
 * the server itself gives no 429 to token requests, and its 503s need a backend down; a front
 * answering them is what a client meets on the network. The 401s are the server's own (a
 * revoked token).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TeraRelayClient, type Connection } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../kit/server.js';
import { seeded, type Seeded } from '../kit/sockets.js';
import { offline, online, Recorder, seededToken } from './kit.js';
import { ScriptedFront } from './proxy.js';

const FAST = { initialMs: 20, maxMs: 200 };
const USER_TICKET = '/api/user/websocket';
const PARTICIPANT_TICKET = '/api/participant/login';

describe('SDK retries of the websocket URL request', () => {
  let server: TestServer;
  let front: ScriptedFront;
  let ids: Seeded;
  let relay: TeraRelayClient;

  before(async () => {
    server = await startTestServer();
    const tls = join(server.deps.config.dataDir, 'tls');
    front = await ScriptedFront.start(server.port, {
      cert: readFileSync(join(tls, 'dev-cert.pem'), 'utf8'),
      key: readFileSync(join(tls, 'dev-key.pem'), 'utf8'),
    });
    ids = await seeded(server);
    relay = new TeraRelayClient({ url: `https://127.0.0.1:${front.port}`, insecure: true });
  });
  after(async () => {
    await front.close();
    await server.close();
  });

  const track = (t: { after(fn: () => unknown): void }, c: Connection) => {
    t.after(() => c.close());
    return new Recorder(c);
  };

  test('429 with Retry-After: reconnecting for at least that long, then open', async (t) => {
    const user2 = ids.users.user2!;
    const session = await relay.login({ user: 'user2', password: 'user2' }, { websocket: false });
    front.answerNext(USER_TICKET, [{ status: 429, headers: { 'retry-after': '1' } }]);
    const before = front.seen(USER_TICKET);
    const connection = relay.connect(session, { backoff: FAST });
    const seen = track(t, connection);

    const throttled = await seen.state((s) => s.state === 'reconnecting', 'reconnecting');
    assert.equal(throttled.error?.status, 429);
    assert.equal(throttled.error?.retryAfterMs, 1000);
    assert.equal(throttled.code, null, 'no websocket was opened');
    assert.equal(throttled.attempt, 1);
    assert.ok(throttled.delayMs! >= 1000, `Retry-After is the least wait (${throttled.delayMs})`);

    await connection.opened();
    await online(server, 'user', user2);
    assert.deepEqual(seen.names, ['reconnecting', 'open']);
    assert.equal(front.seen(USER_TICKET) - before, 2, 'one refused request, one answered');
    assert.equal(seen.maxOpenSockets, 1);
    await connection.close();
    await offline(server, 'user', user2);
  });

  test('503 twice: reconnecting with growing attempts, then open', async (t) => {
    const p1 = ids.participants['Participant #1']!;
    const session = await relay.login(
      { participantToken: seededToken(server, 'Participant #1') },
      { websocket: false },
    );
    front.answerNext(PARTICIPANT_TICKET, [{ status: 503 }, { status: 503 }]);
    const before = front.seen(PARTICIPANT_TICKET);
    const connection = relay.connect(session, { backoff: FAST });
    const seen = track(t, connection);

    await connection.opened();
    await online(server, 'participant', p1);
    assert.deepEqual(seen.names, ['reconnecting', 'reconnecting', 'open']);
    const retries = seen.states.slice(0, 2);
    assert.deepEqual(
      retries.map((s) => [s.error?.status, s.attempt]),
      [
        [503, 1],
        [503, 2],
      ],
    );
    assert.equal(front.seen(PARTICIPANT_TICKET) - before, 3);
    assert.equal(seen.maxOpenSockets, 1);
    await connection.close();
    await offline(server, 'participant', p1);
  });

  test('401 closes for good and asks no more', async (t) => {
    const session = await relay.login({ user: 'user3', password: 'user3' }, { websocket: false });
    await relay.refresh(session); // revokes session.token
    const before = front.seen(USER_TICKET);
    const connection = relay.connect(session, { backoff: FAST });
    const seen = track(t, connection);

    const final = await connection.closed();
    assert.equal(final.state, 'closed');
    assert.equal(final.error?.status, 401);
    assert.deepEqual(seen.names, ['closed']);
    assert.equal(front.seen(USER_TICKET) - before, 1, 'the refused request is not repeated');
    await assert.rejects(connection.opened(), { status: 401 });
    assert.equal(connection.openSockets, 0);
  });

  test('a 401 after a 503 ends the retries', async (t) => {
    const session = await relay.login({ user: 'user4', password: 'user4' }, { websocket: false });
    await relay.refresh(session); // revokes session.token
    front.answerNext(USER_TICKET, [{ status: 503 }]);
    const before = front.seen(USER_TICKET);
    const connection = relay.connect(session, { backoff: FAST });
    const seen = track(t, connection);

    const final = await connection.closed();
    assert.equal(final.error?.status, 401);
    assert.deepEqual(seen.names, ['reconnecting', 'closed']);
    assert.equal(seen.states[0]!.error?.status, 503);
    assert.equal(front.seen(USER_TICKET) - before, 2, 'one 503, one 401, then nothing');
  });
});
