/**
 * Observer connections (a user's opt-in extra websocket, GET /api/user/websocket?observer=true):
 * they get exactly the frames the user's normal connection gets, never count for presence
 * (nobody sees them come or go, the user is not online through them), are given while the
 * user is online, do not make a later normal login "already logged in", and are closed with
 * 4000 by logout, /api/user/disconnect and disabling the user.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ArchiveEventSchema,
  DatabaseEvent_EventType,
  DatabaseEventSchema,
  JoinSessionEventSchema,
} from '../../src/protocol/messages.js';
import { databaseEventsTopic, directTopic, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  basic,
  bearer,
  openSocket,
  startTestServer,
  type TestServer,
  type TestSocket,
} from '../kit/server.js';
import { userTokenOf } from '../kit/http.js';
import {
  connect,
  pack,
  parseFrame,
  publish,
  seeded,
  type ParsedFrame,
  type Seeded,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { startSession, clientOf } from '../client/kit.js';

describe('observer connections', () => {
  let server: TestServer;
  let ids: Seeded;
  const open: TestSocket[] = [];

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
  });
  after(async () => {
    for (const s of open) s.close();
    await server.close();
  });

  /** Opens `url` (optionally binary); the socket is closed after the suite. */
  async function socketAt(url: string, binary = false): Promise<TestSocket> {
    const { socket, status } = await openSocket(
      url,
      binary ? { protocols: ['opentera-protobuf'] } : {},
    );
    assert.ok(socket, `upgrade refused with ${status}`);
    open.push(socket);
    return socket;
  }

  /** A normal connection from a Basic login with_websocket (403 when already online). */
  async function normal(username: string): Promise<TestSocket> {
    const r = await server.request('/api/user/login?with_websocket=true', {
      headers: { authorization: basic(username, username) },
    });
    assert.equal(r.status, 200, r.text);
    return socketAt(r.json<{ websocket_url: string }>().websocket_url);
  }

  /** An observer connection of `username`, from its token. */
  async function observer(username: string, binary = false): Promise<TestSocket> {
    const token = await userTokenOf(server, username);
    const r = await server.request('/api/user/websocket?observer=true', {
      headers: { authorization: bearer(token) },
    });
    assert.equal(r.status, 200, r.text);
    return socketAt(r.json<{ websocket_url: string }>().websocket_url, binary);
  }

  /** Publishes one sentinel owned by `owner`; reads each socket up to it. */
  async function untilSentinel(owner: string, ...sockets: TestSocket[]): Promise<ParsedFrame[][]> {
    const tag = `sentinel:${randomUUID()}`;
    await publish(server, USER_MANAGER_EVENTS, [
      pack(ArchiveEventSchema, { ownerUuid: owner, archiveUrl: tag }),
    ]);
    return Promise.all(
      sockets.map(async (socket) => {
        const frames: ParsedFrame[] = [];
        for (;;) {
          const frame = parseFrame(await socket.next());
          if (frame.fields.archiveUrl === tag) return frames;
          frames.push(frame);
        }
      }),
    );
  }

  const about = (frames: ParsedFrame[], uuid: string) =>
    frames.filter((f) => f.fields.userUuid === uuid).map((f) => f.fields.type);

  const comparable = (f: ParsedFrame) => ({ topic: f.topic, type: f.type, fields: f.fields });

  test('an observer gets exactly the frames of the normal connection, in both formats', async () => {
    const admin = ids.users.admin!;
    const p1 = ids.participants['Participant #1']!;
    const main = await normal('admin');
    // Given while the user is online.
    const watcher = await observer('admin');
    const binary = await observer('admin', true);
    const participant = await connect(server, 'participant', p1);
    const sessionUuid = randomUUID();
    await startSession(server, sessionUuid, { participants: [p1] });
    await publish(server, directTopic('user', admin), [
      pack(JoinSessionEventSchema, { sessionUuid, sessionUsers: [admin], joinMsg: 'hello' }),
    ]);
    participant.close();
    await waitFor(async () => !(await server.deps.presence.isOnline('participant', p1)), {
      what: 'p1 offline',
    });
    const [a, b, c] = await untilSentinel(admin, main, watcher, binary);
    const types = a!.map((f) => `${f.type}:${String(f.fields.type ?? '')}`);
    for (const expected of [
      'UserEvent:USER_CONNECTED',
      'ParticipantEvent:PARTICIPANT_CONNECTED',
      'ParticipantEvent:PARTICIPANT_JOINED_SESSION',
      'JoinSessionEvent:',
      'ParticipantEvent:PARTICIPANT_DISCONNECTED',
    ])
      assert.ok(types.includes(expected), `the scenario produced ${expected}: ${types.join(', ')}`);
    assert.deepEqual(b!.map(comparable), a!.map(comparable));
    assert.deepEqual(c!.map(comparable), a!.map(comparable));
  });

  test('an observer is invisible to presence, alone or beside a normal connection', async () => {
    const user = ids.users.user!;
    const admin = await connect(server, 'user', ids.users.siteadmin!);
    const watcher = await observer('user');
    assert.equal(await server.deps.presence.isOnline('user', user), false);
    const online = await server.request('/api/user/users/online', {
      headers: { authorization: basic('siteadmin', 'siteadmin') },
    });
    assert.ok(
      !online.json<Array<{ user_uuid: string }>>().some((u) => u.user_uuid === user),
      'not in the online list',
    );
    watcher.close();
    await watcher.waitClose();
    const [seen] = await untilSentinel(ids.users.siteadmin!, admin);
    assert.deepEqual(about(seen!, user), [], 'neither its arrival nor its departure is announced');

    // Beside a normal connection: the user comes online once, and an observer leaving changes nothing.
    const second = await observer('user');
    const main = await normal('user');
    second.close();
    await second.waitClose();
    const [after] = await untilSentinel(ids.users.siteadmin!, admin);
    assert.deepEqual(about(after!, user), ['USER_CONNECTED']);
    assert.equal(await server.deps.presence.isOnline('user', user), true);
    main.close();
    await waitFor(async () => !(await server.deps.presence.isOnline('user', user)), {
      what: 'user offline',
    });
    const [gone] = await untilSentinel(ids.users.siteadmin!, admin);
    assert.deepEqual(about(gone!, user), ['USER_DISCONNECTED']);
    admin.close();
  });

  test('an observer does not make a later normal login "already logged in"', async () => {
    const user2 = ids.users.user2!;
    const watcher = await observer('user2');
    const main = await normal('user2');
    const r = await server.request('/api/user/login?with_websocket=true', {
      headers: { authorization: basic('user2', 'user2') },
    });
    assert.equal(r.status, 403, 'the normal connection does count');
    main.close();
    await waitFor(async () => !(await server.deps.presence.isOnline('user', user2)), {
      what: 'user2 offline',
    });
    watcher.close();
  });

  test('the SDK opens an observer while the user is online', async (t) => {
    const relay = clientOf(server);
    const main = await relay.login({ user: 'user3', password: 'user3' });
    const mainConnection = relay.connect(main);
    t.after(() => mainConnection.close());
    await mainConnection.opened();
    await waitFor(() => server.deps.presence.isOnline('user', ids.users.user3!), {
      what: 'online',
    });
    const session = await relay.login({ user: 'user3', password: 'user3', observer: true });
    assert.equal(session.observer, true);
    const watching = relay.connect(session);
    t.after(() => watching.close());
    await watching.opened();
    await watching.close();
    await mainConnection.close();
  });

  test('logout, /api/user/disconnect and disabling the user close observers with 4000', async () => {
    const closed4000 = async (socket: TestSocket) =>
      assert.deepEqual(await socket.waitClose(), { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' });

    const alone = await observer('user2');
    const main = await normal('user2');
    const beside = await observer('user2');
    const logout = await server.request('/api/user/logout', {
      headers: { authorization: basic('user2', 'user2') },
    });
    assert.equal(logout.status, 200);
    await Promise.all([closed4000(alone), closed4000(main), closed4000(beside)]);

    const target = await observer('user3');
    const res = await server.request(`/api/user/disconnect?user_uuid=${ids.users.user3}`, {
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(res.status, 200);
    await closed4000(target);

    const user4 = ids.users.user4!;
    const disabled = await observer('user4');
    await publish(server, databaseEventsTopic('user'), [
      pack(DatabaseEventSchema, {
        type: DatabaseEvent_EventType.DB_UPDATE,
        objectType: 'user',
        objectValue: JSON.stringify({ user_uuid: user4, user_enabled: false }),
      }),
    ]);
    await closed4000(disabled);
  });
});
