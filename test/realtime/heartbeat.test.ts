/**
 * Heartbeat with short timings (ping every 40 ms, 120 ms pong timeout): a client that stops
 * answering pings is dropped; one that answers stays connected past several timeouts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../kit/server.js';
import { Heartbeat, type Beating } from '../../src/realtime/heartbeat.js';
import { connect, seeded, type Seeded } from '../kit/sockets.js';

describe('heartbeat over wss', () => {
  let server: TestServer;
  let ids: Seeded;
  const pingInterval = 40;
  const pongTimeout = 120;

  before(async () => {
    server = await startTestServer({ pingInterval, pongTimeout });
    ids = await seeded(server);
  });
  after(() => server.close());

  test('a client that does not answer pings is terminated', async () => {
    const socket = await connect(server, 'user', ids.users.user3!, { autoPong: false });
    let pings = 0;
    socket.ws.on('ping', () => pings++);
    const closed = await socket.waitClose(5000);
    assert.equal(closed.code, 1006, 'dropped without a close handshake');
    assert.ok(pings >= 1, 'it was pinged before being dropped');
  });

  test('a client that answers stays connected past several timeouts', async () => {
    const socket = await connect(server, 'user', ids.users.user2!);
    const wanted = Math.ceil((4 * pongTimeout) / pingInterval);
    let pings = 0;
    await new Promise<void>((resolve) => {
      socket.ws.on('ping', () => {
        if (++pings === wanted) resolve();
      });
    });
    assert.equal(socket.closed, null, `still open after ${pings} pings (4 pong timeouts)`);
    socket.close();
  });
});

describe('heartbeat rounds', () => {
  const fake = (lastSeen: number): Beating & { pings: number; terminated: boolean } => ({
    lastSeen,
    pings: 0,
    terminated: false,
    ping() {
      this.pings++;
    },
    terminate() {
      this.terminated = true;
    },
  });

  test('one round pings the live and terminates the silent, each once', () => {
    let now = 1_000;
    const live = fake(990);
    const silent = fake(960);
    const connections = () => [live, silent].filter((c) => !c.terminated);
    const heartbeat = new Heartbeat({ connections, interval: 10, timeout: 30, now: () => now });
    heartbeat.tick();
    assert.deepEqual(
      [live.pings, live.terminated, silent.pings, silent.terminated],
      [1, false, 0, true],
    );
    now += 10;
    heartbeat.tick();
    assert.deepEqual(
      [live.pings, silent.pings],
      [2, 0],
      'a terminated connection is no longer watched',
    );
    heartbeat.close();
  });

  test('a connection is dropped within one interval after the timeout', () => {
    let now = 0;
    const interval = 10;
    const timeout = 30;
    const c = fake(0);
    const heartbeat = new Heartbeat({ connections: () => [c], interval, timeout, now: () => now });
    while (!c.terminated) {
      now += interval;
      heartbeat.tick();
    }
    assert.ok(now > timeout && now <= timeout + interval, `dropped at ${now}`);
    heartbeat.close();
  });
});
