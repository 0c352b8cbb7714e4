/**
 * The websocket gateway end to end over real wss on port 0: upgrade refusals, single-use
 * tickets under concurrency, the own CONNECTED, presence counting, client frames, subprotocols.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { openSocket, startTestServer, type TestServer } from '../kit/server.js';
import { SUBPROTOCOL_BINARY, SUBPROTOCOL_JSON } from '../../src/realtime/subprotocols.js';
import {
  connect,
  nextMatching,
  parseFrame,
  seeded,
  untilSentinel,
  wsUrl,
  type Seeded,
} from '../kit/sockets.js';
import { ticketsExpired } from '../kit/tickets.js';
import { waitFor } from '../kit/waiting.js';

describe('gateway', () => {
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer({ maxClientFrame: 64 });
    ids = await seeded(server);
  });
  after(() => server.close());

  const issue = (kind: 'user' | 'participant' | 'device', uuid: string) =>
    server.deps.tickets.issue(kind, uuid, 60_000);

  test('a plain GET on the websocket paths answers 426', async () => {
    for (const kind of ['user', 'participant', 'device']) {
      const res = await server.request(`/wss/${kind}`);
      assert.equal(res.status, 426, kind);
    }
  });

  test('refusals answer 403 before the upgrade', async () => {
    const admin = ids.users.admin!;
    assert.equal(
      (await openSocket(`wss://127.0.0.1:${server.port}/wss/user`)).status,
      403,
      'no id',
    );
    assert.equal((await openSocket(wsUrl(server, 'user', 'not-a-ticket'))).status, 403, 'unknown');

    const used = await issue('user', admin);
    const first = await openSocket(wsUrl(server, 'user', used));
    assert.ok(first.socket, 'first use upgrades');
    assert.equal((await openSocket(wsUrl(server, 'user', used))).status, 403, 'used');
    first.socket.close();

    const wrongKind = await issue('user', admin);
    assert.equal(
      (await openSocket(wsUrl(server, 'participant', wrongKind))).status,
      403,
      'wrong kind',
    );
    assert.equal(
      (await openSocket(wsUrl(server, 'user', wrongKind))).status,
      403,
      'consumed by the wrong kind',
    );

    const expired = await server.deps.tickets.issue('user', admin, 1);
    await ticketsExpired(server.deps.tickets, 1);
    assert.equal((await openSocket(wsUrl(server, 'user', expired))).status, 403, 'expired');
  });

  test('a principal disabled or deleted since login is refused; a device must be onlineable', async () => {
    const k = server.deps.db.kysely;
    const user4 = ids.users.user4!;
    const ticket = await issue('user', user4);
    await k
      .updateTable('t_users')
      .set({ user_enabled: false })
      .where('user_uuid', '=', user4)
      .execute();
    try {
      assert.equal((await openSocket(wsUrl(server, 'user', ticket))).status, 403, 'disabled user');
    } finally {
      await k
        .updateTable('t_users')
        .set({ user_enabled: true })
        .where('user_uuid', '=', user4)
        .execute();
    }

    const robot = ids.devices['Robot A']!;
    assert.equal(
      (await openSocket(wsUrl(server, 'device', await issue('device', robot)))).status,
      403,
      'disabled device',
    );

    const kit = ids.devices['Kit Télé #1']!;
    const kitTicket = await issue('device', kit);
    await k
      .updateTable('t_devices')
      .set({ device_onlineable: false })
      .where('device_uuid', '=', kit)
      .execute();
    try {
      assert.equal(
        (await openSocket(wsUrl(server, 'device', kitTicket))).status,
        403,
        'not onlineable',
      );
    } finally {
      await k
        .updateTable('t_devices')
        .set({ device_onlineable: true })
        .where('device_uuid', '=', kit)
        .execute();
    }

    const p3 = ids.participants['Participant #3']!;
    const p3Ticket = await issue('participant', p3);
    const now = new Date().toISOString();
    await k
      .updateTable('t_participants')
      .set({ deleted_at: now })
      .where('participant_uuid', '=', p3)
      .execute();
    try {
      assert.equal(
        (await openSocket(wsUrl(server, 'participant', p3Ticket))).status,
        403,
        'deleted',
      );
    } finally {
      await k
        .updateTable('t_participants')
        .set({ deleted_at: null })
        .where('participant_uuid', '=', p3)
        .execute();
    }
  });

  test('an upgrade on an unknown /wss path answers 404', async () => {
    assert.equal((await openSocket(`wss://127.0.0.1:${server.port}/wss/service?id=x`)).status, 404);
  });

  test('100 parallel upgrades with one ticket give exactly one 101 and 99 × 403', async () => {
    const ticket = await issue('user', ids.users.user2!);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => openSocket(wsUrl(server, 'user', ticket))),
    );
    const opened = results.filter((r) => r.socket);
    const refused = results.filter((r) => r.status === 403);
    assert.equal(opened.length, 1);
    assert.equal(refused.length, 99);
    for (const r of opened) r.socket?.close();
  });

  test("a client's own CONNECTED comes first, even when its principal is already online", async () => {
    const admin = ids.users.admin!;
    const first = await connect(server, 'user', admin, { keepFirst: true });
    const second = await connect(server, 'user', admin, { keepFirst: true });
    for (const socket of [first, second]) {
      const frame = parseFrame(await socket.next());
      assert.equal(frame.type, 'UserEvent');
      assert.equal(frame.fields.type, 'USER_CONNECTED');
      assert.equal(frame.fields.userUuid, admin);
      assert.equal(frame.fields.userFullname, 'Super Admin');
      assert.equal(frame.topic, 'module.TeraServer.UserManagerModule.events');
    }
    first.close();
    second.close();
    await Promise.all([first.waitClose(), second.waitClose()]);
  });

  test('two connections of one principal give watchers one CONNECTED and one DISCONNECTED', async () => {
    const siteadmin = ids.users.siteadmin!;
    const watcher = await connect(server, 'user', siteadmin);
    const user = ids.users.user!;
    const about = (f: { fields: Record<string, unknown> }) => f.fields.userUuid === user;
    const a = await connect(server, 'user', user);
    const connected = await nextMatching(watcher, about);
    assert.equal(connected.fields.type, 'USER_CONNECTED');
    const b = await connect(server, 'user', user);
    a.close();
    await a.waitClose();
    b.close();
    await b.waitClose();
    const disconnected = await nextMatching(watcher, about);
    assert.equal(disconnected.fields.type, 'USER_DISCONNECTED');
    const extra = (await untilSentinel(watcher, siteadmin, server)).filter(about);
    assert.deepEqual(extra, [], 'nothing more about the principal');
    watcher.close();
  });

  test('a client closing during the handshake leaves no ghost presence', async () => {
    const user4 = ids.users.user4!;
    const admin = ids.users.admin!;
    const watcher = await connect(server, 'user', admin);
    // Each attempt drops the TCP connection as soon as the server answers the upgrade, while the
    // server is still subscribing and announcing.
    for (let i = 0; i < 20; i++) {
      const ticket = await issue('user', user4);
      const ws = new WebSocket(wsUrl(server, 'user', ticket), { rejectUnauthorized: false });
      await new Promise<void>((resolve) => {
        ws.once('upgrade', () => ws.terminate());
        ws.once('close', () => resolve());
        ws.once('error', () => undefined);
      });
    }
    const gauge = async () =>
      (await server.deps.metrics.connections.get()).values.find((v) => v.labels.kind === 'user')
        ?.value;
    await waitFor(async () => (await gauge()) === 1, {
      what: 'only the watcher to stay connected',
    });
    await waitFor(async () => !(await server.deps.presence.isOnline('user', user4)), {
      what: 'user4 to be offline',
    });
    // Coming online now must be announced (a ghost would have hidden it), and so must going offline.
    const about = (f: { fields: Record<string, unknown> }) => f.fields.userUuid === user4;
    await untilSentinel(watcher, admin, server); // skips what the attempts left unread
    const real = await connect(server, 'user', user4);
    assert.equal((await nextMatching(watcher, about)).fields.type, 'USER_CONNECTED');
    real.close();
    assert.equal((await nextMatching(watcher, about)).fields.type, 'USER_DISCONNECTED');
    assert.equal(await server.deps.presence.isOnline('user', user4), false);
    watcher.close();
  });

  test('a client data frame gets the text reply; an oversized frame closes with 1009', async () => {
    const socket = await connect(server, 'participant', ids.participants['Participant #1']!);
    socket.ws.send('hello');
    assert.equal(await socket.next(), 'Not allowed to send message');
    socket.ws.send(Buffer.alloc(16));
    assert.equal(await socket.next(), 'Not allowed to send message');
    socket.ws.send('x'.repeat(65));
    const closed = await socket.waitClose();
    assert.equal(closed.code, 1009);
  });

  test('binary frames are an opt-in through the opentera-protobuf subprotocol', async () => {
    const watch = ids.devices['Apple Watch #W05P1']!;
    const binary = await connect(server, 'device', watch, {
      protocols: [SUBPROTOCOL_BINARY],
      keepFirst: true,
    });
    assert.equal(binary.ws.protocol, SUBPROTOCOL_BINARY);
    const raw = await binary.next();
    assert.ok(Buffer.isBuffer(raw), 'a binary frame');
    const frame = parseFrame(raw);
    assert.equal(frame.format, 'binary');
    assert.deepEqual(
      [frame.type, frame.fields.type, frame.fields.deviceUuid],
      ['DeviceEvent', 'DEVICE_CONNECTED', watch],
    );

    const json = await connect(server, 'device', watch, {
      protocols: [SUBPROTOCOL_JSON],
      keepFirst: true,
    });
    assert.equal(json.ws.protocol, SUBPROTOCOL_JSON);
    assert.equal(typeof (await json.next()), 'string');

    const plain = await connect(server, 'device', watch, { keepFirst: true });
    assert.equal(plain.ws.protocol, '');
    assert.equal(typeof (await plain.next()), 'string');
    for (const s of [binary, json, plain]) s.close();
  });
});
