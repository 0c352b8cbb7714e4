/**
 * What OpenTera's clients do, end to end on one node: log in over HTTPS, open the advertised
 * websocket_url, read OpenTera's JSON frames. Exercises REST, tickets, gateway, presence, hub,
 * filters and codec together, the way OpenTeraPlus, the VideoRehab pages and a device would.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  basic,
  bearer,
  openSocket,
  startTestServer,
  type TestServer,
  type TestSocket,
} from '../kit/server.js';
import {
  connect as connectAs,
  nextMatching as nextFrame,
  seeded,
  untilSentinel,
} from '../kit/sockets.js';

interface Frame {
  message: {
    '@type': string;
    header: { version: number; time: number; topic: string };
    events: Array<Record<string, unknown> & { '@type': string }>;
  };
}

const event = (f: Frame): Record<string, unknown> => {
  assert.equal(f.message['@type'], 'type.googleapis.com/opentera.protobuf.TeraEvent');
  assert.equal(f.message.events.length, 1, 'one event per frame');
  return f.message.events[0]!;
};

/** Waits for the next frame whose event satisfies `match`, skipping others. */
async function nextMatching(
  socket: TestSocket,
  match: (e: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (;;) {
    const e = event(await socket.nextJson<Frame>());
    if (match(e)) return e;
  }
}

describe('OpenTera clients against one TeraRelay node', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  const connect = async (url: string): Promise<TestSocket> => {
    const { socket, status } = await openSocket(url);
    assert.ok(socket, `websocket refused with ${String(status)}`);
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  test('login, connect, presence, device status, logout: the wire as OpenTeraPlus sees it', async () => {
    // OpenTeraPlus: Basic login with with_websocket=1 and its version headers.
    const login = await server.request('/api/user/login?with_websocket=1', {
      headers: {
        authorization: basic('siteadmin', 'siteadmin'),
        'x-client-name': 'OpenTeraPlus',
        'x-client-version': '1.0.0',
      },
    });
    assert.equal(login.status, 200);
    const me = login.json<{
      websocket_url: string;
      user_uuid: string;
      user_token: string;
      user_fullname: string;
    }>();
    assert.match(me.websocket_url, /^wss:\/\/127\.0\.0\.1:\d+\/wss\/user\?id=[\w-]{43}$/);
    const watcher = await connect(me.websocket_url);

    // The first frame is its own USER_CONNECTED, in OpenTera's JSON rendering.
    const first = await watcher.nextJson<Frame>();
    assert.equal(first.message.header.topic, 'module.TeraServer.UserManagerModule.events');
    assert.deepEqual(event(first), {
      '@type': 'type.googleapis.com/opentera.protobuf.UserEvent',
      userUuid: me.user_uuid,
      type: 'USER_CONNECTED',
      userFullname: me.user_fullname,
    });

    // Clients never send anything useful.
    watcher.ws.send('{"hello": true}');
    assert.equal(await watcher.next(), 'Not allowed to send message');

    // A second websocket login for an online user: OpenTera's 403.
    const again = await server.request('/api/user/login?with_websocket=true', {
      headers: { authorization: basic('siteadmin', 'siteadmin') },
    });
    assert.equal(again.status, 403);
    assert.equal(again.json(), 'User already logged in.');

    // The participant page: Basic login gives a URL without asking for one.
    const plogin = await server.request('/api/participant/login', {
      headers: { authorization: basic('participant1', 'opentera') },
    });
    assert.equal(plogin.status, 200);
    const participant = plogin.json<{ websocket_url: string; participant_uuid: string }>();
    const pSocket = await connect(participant.websocket_url);
    const own = event(await pSocket.nextJson<Frame>());
    assert.equal(own.type, 'PARTICIPANT_CONNECTED');
    assert.equal(own.participantUuid, participant.participant_uuid);

    const seen = await nextMatching(watcher, (e) => e.type === 'PARTICIPANT_CONNECTED');
    assert.deepEqual(seen, {
      '@type': 'type.googleapis.com/opentera.protobuf.ParticipantEvent',
      participantUuid: participant.participant_uuid,
      type: 'PARTICIPANT_CONNECTED',
      participantName: 'Participant #1',
      participantProjectName: 'Default Project #1',
      participantSiteName: 'Default Site',
    });

    // A device logs in with ?token= and reports its status.
    const watch = await server.deps.db.kysely
      .selectFrom('t_devices')
      .select(['device_token', 'device_uuid'])
      .where('device_name', '=', 'Apple Watch #W05P1')
      .executeTakeFirstOrThrow();
    const dlogin = await server.request(
      `/api/device/login?token=${encodeURIComponent(watch.device_token!)}`,
    );
    assert.equal(dlogin.status, 200);
    const dSocket = await connect(dlogin.json<{ websocket_url: string }>().websocket_url);
    assert.equal(event(await dSocket.nextJson<Frame>()).type, 'DEVICE_CONNECTED');
    assert.equal(
      (await nextMatching(watcher, (e) => e.type === 'DEVICE_CONNECTED')).deviceUuid,
      watch.device_uuid,
    );
    // Participant #1 is linked to the watch: it sees the device come online too.
    assert.equal(
      (await nextMatching(pSocket, (e) => e.type === 'DEVICE_CONNECTED')).deviceUuid,
      watch.device_uuid,
    );

    const status = await server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: bearer(watch.device_token!) },
      body: { status: { battery: 87, charging: false }, timestamp: 1737470047.5 },
    });
    assert.equal(status.status, 200);
    const changed = await nextMatching(watcher, (e) => e.type === 'DEVICE_STATUS_CHANGED');
    assert.equal(changed.deviceName, 'Apple Watch #W05P1');
    assert.deepEqual(JSON.parse(JSON.parse(String(changed.deviceStatus)).status), {
      battery: 87,
      charging: false,
    });

    // admin watches siteadmin go offline, which tells when its DISCONNECTED is out.
    const admin = await connectAs(server, 'user', (await seeded(server)).users.admin!);
    sockets.push(admin);

    // Logout with the token: every socket of siteadmin closes with 4000, and the token dies.
    const logout = await server.request('/api/user/logout', {
      headers: { authorization: bearer(me.user_token) },
    });
    assert.equal(logout.status, 200);
    assert.deepEqual(await watcher.waitClose(), { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' });
    const reuse = await server.request('/api/user/users/online', {
      headers: { authorization: bearer(me.user_token) },
    });
    assert.equal(reuse.status, 401);

    // The participant never sees users; the device saw nothing about siteadmin either: once
    // admin has siteadmin's DISCONNECTED, a barrier on each socket shows what they got.
    const offline = (f: { fields: Record<string, unknown> }) =>
      f.fields.userUuid === me.user_uuid && f.fields.type === 'USER_DISCONNECTED';
    await nextFrame(admin, offline);
    const pRest = await untilSentinel(pSocket, participant.participant_uuid, server);
    assert.ok(pRest.every((f) => f.count === 1 && f.type !== 'UserEvent'));
    const dRest = await untilSentinel(dSocket, watch.device_uuid, server);
    assert.ok(dRest.every((f) => f.count === 1 && f.type !== 'UserEvent'));

    // A used websocket URL is refused before the upgrade.
    assert.equal((await openSocket(me.websocket_url)).status, 403);
  });
});

describe('stopping a node', () => {
  test('open websockets get 1001 and the port closes', async () => {
    const server = await startTestServer();
    try {
      const login = await server.request('/api/user/login?with_websocket=true', {
        headers: { authorization: basic('user', 'user') },
      });
      const { socket } = await openSocket(login.json<{ websocket_url: string }>().websocket_url);
      assert.ok(socket);
      await socket.next();
      const stopping = server.stop();
      assert.deepEqual(await socket.waitClose(), { code: 1001, reason: 'Server shutting down' });
      await stopping;
      await assert.rejects(server.request('/healthz'), 'the port is closed once stopped');
    } finally {
      await server.close();
    }
  });
});
