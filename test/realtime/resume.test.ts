/**
 * Resume on one node without Redis (history in memory): a client that opted in
 * (`terarelay-resume.v1`) comes back with its token and position and gets exactly what it
 * missed; or is told `recovered: false` when the history cannot give it (trimmed, or lost with a
 * restart); and a participant whose socket died without a close is let back in by its resume.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basic, startTestServer, type TestServer } from '../kit/server.js';
import {
  connect,
  nextMatching,
  publish,
  seeded,
  untilSentinel,
  type Seeded,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { directTopic, FILE_TRANSFER_EVENTS, USER_MANAGER_EVENTS } from '../../src/topics.js';
import { teraEvent } from '../../src/protocol/messages.js';
import { RESUME_HEADER } from '../../src/realtime/resume-login.js';
import {
  CuttableProxy,
  openResume,
  tagged,
  tagPrefix,
  wssUrl,
  type ResumeSocket,
  type Standing,
} from './resume-kit.js';

const HISTORY = { history: 'on' } as const;

async function resumeClient(
  server: TestServer,
  kind: 'user' | 'participant' | 'device',
  uuid: string,
  options: { resume?: Standing; format?: 'json' | 'binary' } = {},
): Promise<ResumeSocket> {
  const ticket = await server.deps.tickets.issue(kind, uuid, 60_000);
  return openResume(wssUrl(server.port, kind, ticket), options);
}

describe('resume on one node', () => {
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer(HISTORY);
    ids = await seeded(server);
  });
  after(() => server.close());

  for (const format of ['json', 'binary'] as const)
    test(`a client away while 100 events flow gets all of them, in order, once (${format})`, async () => {
      const admin = ids.users.admin!;
      const prefix = tagPrefix();
      const topics = [USER_MANAGER_EVENTS, directTopic('user', admin), FILE_TRANSFER_EVENTS];
      const first = await resumeClient(server, 'user', admin, { format });
      assert.equal(first.welcome?.recovered, undefined, 'a start is not a resume');
      // 100 events on the three topics; the client goes away after the 30th and comes back
      // while they still flow.
      let resumed: ResumeSocket | null = null;
      let standing: Standing | null = null;
      for (let i = 0; i < 100; i++) {
        if (i === 30) {
          await first.untilTag(`${prefix}29`);
          standing = first.standing;
          first.close();
          await first.socket.waitClose();
        }
        if (i === 70)
          resumed = await resumeClient(server, 'user', admin, { format, resume: standing! });
        await publish(server, topics[i % 3]!, [tagged(admin, `${prefix}${i}`)]);
      }
      assert.ok(resumed);
      assert.equal(resumed.welcome?.recovered, true);
      assert.equal(resumed.welcome?.token, standing!.token, 'the client keeps its token');
      await publish(server, USER_MANAGER_EVENTS, [tagged(admin, `${prefix}end`)]);
      const before = await resumed.untilTag(`${prefix}end`);
      const expected = Array.from({ length: 100 }, (_, i) => `${prefix}${i}`);
      const got = [...first.tags(prefix), ...before.filter((t) => t.startsWith(prefix))];
      assert.deepEqual(got, expected);
      // Every replayed and live event carries a position, growing.
      const positions = resumed.events.filter((e) => e.position).map((e) => e.position!);
      assert.ok(positions.length >= 70);
      resumed.close();
    });

  test("OpenTera's clients get byte-identical frames with history on and off", async () => {
    const off = await startTestServer({ history: 'off' });
    try {
      const prefix = tagPrefix();
      for (const relay of [server, off]) {
        const uuid = (await seeded(relay)).users.admin!;
        const json = await connect(relay, 'user', uuid);
        const binary = await connect(relay, 'user', uuid, { protocols: ['opentera-protobuf'] });
        assert.equal(binary.ws.protocol, 'opentera-protobuf');
        const event = teraEvent(
          USER_MANAGER_EVENTS,
          [tagged(uuid, `${prefix}x`)],
          1_700_000_000.25,
        );
        await relay.deps.bus.publish(USER_MANAGER_EVENTS, relay.deps.codec.encodeEvent(event));
        // Exactly what the codec renders for OpenTera's clients: no position, no welcome.
        assert.equal(await json.next(), relay.deps.codec.encodeFrame(event, 'json'));
        const expected = Buffer.from(relay.deps.codec.encodeFrame(event, 'binary'));
        assert.ok(Buffer.from(await binary.next()).equals(expected), 'binary frame');
        json.close();
        binary.close();
      }
    } finally {
      await off.close();
    }
  });

  test('a token of another principal, or an unknown one, is not recovered', async () => {
    const [admin, user] = [ids.users.admin!, ids.users.user!];
    const a = await resumeClient(server, 'user', admin);
    const standing = a.standing;
    a.close();
    const other = await resumeClient(server, 'user', user, { resume: standing });
    assert.equal(other.welcome?.recovered, false);
    assert.equal(other.welcome?.reason, 'unknown_token');
    assert.notEqual(other.welcome?.token, standing.token, 'a new token');
    other.close();
  });

  test('a missing or malformed first frame closes with 1008', async () => {
    const ticket = await server.deps.tickets.issue('user', ids.users.admin!, 60_000);
    const { openSocket } = await import('../kit/server.js');
    const { socket } = await openSocket(wssUrl(server.port, 'user', ticket), {
      protocols: ['terarelay-resume.v1'],
    });
    assert.ok(socket);
    socket.ws.send('{"type":"resume","token":"x"}');
    assert.equal((await socket.waitClose()).code, 1008);
  });
});

describe('resume: history exceeded', () => {
  let server: TestServer;
  let ids: Seeded;
  before(async () => {
    server = await startTestServer({ ...HISTORY, historySize: 10 });
    ids = await seeded(server);
  });
  after(() => server.close());

  test('more events than kept while away: recovered false, then live events', async () => {
    const admin = ids.users.admin!;
    const prefix = tagPrefix();
    const a = await resumeClient(server, 'user', admin);
    const standing = a.standing;
    a.close();
    await a.socket.waitClose();
    for (let i = 0; i < 30; i++)
      await publish(server, USER_MANAGER_EVENTS, [tagged(admin, `${prefix}${i}`)]);
    const b = await resumeClient(server, 'user', admin, { resume: standing });
    assert.equal(b.welcome?.recovered, false);
    assert.equal(b.welcome?.reason, 'trimmed');
    assert.equal(b.welcome?.epoch, standing.epoch);
    await publish(server, USER_MANAGER_EVENTS, [tagged(admin, `${prefix}live`)]);
    assert.deepEqual(await b.untilTag(`${prefix}live`), [], 'nothing replayed');
    b.close();
  });
});

describe('resume: a replay larger than the send buffer allows', () => {
  let server: TestServer;
  let ids: Seeded;
  before(async () => {
    server = await startTestServer({ ...HISTORY, sendBufferLimit: 8 * 1024 });
    ids = await seeded(server);
  });
  after(() => server.close());

  test('is refused: recovered false (too_large), then live events', async () => {
    const admin = ids.users.admin!;
    const prefix = tagPrefix();
    const a = await resumeClient(server, 'user', admin);
    const standing = a.standing;
    a.close();
    await a.socket.waitClose();
    const big = 'x'.repeat(1024);
    for (let i = 0; i < 10; i++)
      await publish(server, USER_MANAGER_EVENTS, [tagged(admin, `${prefix}${i}:${big}`)]);
    const b = await resumeClient(server, 'user', admin, { resume: standing });
    assert.equal(b.welcome?.recovered, false);
    assert.equal(b.welcome?.reason, 'too_large');
    await publish(server, USER_MANAGER_EVENTS, [tagged(admin, `${prefix}live`)]);
    assert.deepEqual(await b.untilTag(`${prefix}live`), [], 'nothing replayed');
    b.close();
  });
});

describe('resume: a node restarted without Redis', () => {
  test('the epoch changed: recovered false', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'terarelay-resume-'));
    const db = `sqlite:${join(dir, 'relay.db')}`;
    try {
      let server = await startTestServer({ ...HISTORY, db });
      const admin = (await seeded(server)).users.admin!;
      const a = await resumeClient(server, 'user', admin);
      const standing = a.standing;
      await server.close();
      server = await startTestServer({ ...HISTORY, db });
      try {
        const b = await resumeClient(server, 'user', admin, { resume: standing });
        assert.equal(b.welcome?.recovered, false);
        assert.equal(b.welcome?.reason, 'epoch');
        assert.notEqual(b.welcome?.epoch, standing.epoch);
        b.close();
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resume: a participant whose socket died without a close', () => {
  let server: TestServer;
  let proxy: CuttableProxy;
  before(async () => {
    server = await startTestServer(HISTORY);
    proxy = await CuttableProxy.start(server.port);
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  test('is let back in by its resume, replaces its old connection, and never looks offline', async () => {
    const admin = (await seeded(server)).users.admin!;
    const watcher = await connect(server, 'user', admin);
    const login = (headers: Record<string, string> = {}) =>
      server.request('/api/participant/login?with_websocket=true', {
        headers: { authorization: basic('participant1', 'opentera'), ...headers },
      });
    const first = await login();
    assert.equal(first.status, 200);
    const answer = first.json<{ websocket_url: string; participant_uuid: string }>();
    const participant = answer.participant_uuid;
    const url = new URL(answer.websocket_url);
    url.host = `127.0.0.1:${proxy.port}`;
    const old = await openResume(url.toString());
    assert.equal(await participantSockets(server), 1);
    await nextMatching(
      watcher,
      (f) => f.fields.participantUuid === participant && f.fields.type === 'PARTICIPANT_CONNECTED',
    );
    const prefix = tagPrefix();
    await publish(server, directTopic('participant', participant), [
      tagged(participant, `${prefix}before`),
    ]);
    await old.untilTag(`${prefix}before`);
    const standing = old.standing;
    proxy.cut();
    // While the server still holds the dead socket, the participant counts as online.
    await publish(server, directTopic('participant', participant), [
      tagged(participant, `${prefix}missed`),
    ]);
    const refused = await login();
    assert.equal(refused.status, 403);
    assert.equal(await participantSockets(server), 1, 'the server still holds the dead socket');
    assert.equal(refused.text, '"Participant already logged in."');
    const wrong = await login({ [RESUME_HEADER]: 'not-a-token' });
    assert.equal(wrong.status, 403);
    const back = await login({ [RESUME_HEADER]: standing.token });
    assert.equal(back.status, 200);
    const next = new URL(back.json<{ websocket_url: string }>().websocket_url);
    next.host = `127.0.0.1:${server.port}`;
    const resumed = await openResume(next.toString(), { resume: standing });
    assert.equal(resumed.welcome?.recovered, true);
    await publish(server, directTopic('participant', participant), [
      tagged(participant, `${prefix}after`),
    ]);
    assert.deepEqual(await resumed.untilTag(`${prefix}after`), [`${prefix}missed`]);
    // The old connection was replaced: one connection left, still online, no DISCONNECTED.
    await waitFor(async () => (await replaced(server)) === 1, {
      what: 'the old connection closed with 4002',
    });
    assert.equal(await participantSockets(server), 1);
    assert.equal(await server.deps.presence.isOnline('participant', participant), true);
    const seen = await untilSentinel(watcher, admin, server);
    assert.deepEqual(
      seen.filter((f) => f.fields.participantUuid === participant).map((f) => f.fields.type),
      [],
      'the watcher saw it neither go nor come back',
    );
    resumed.close();
    watcher.close();
  });
});

/** Connections the server closed with 4002 (replaced by a resume). */
async function replaced(server: TestServer): Promise<number> {
  const { values } = await server.deps.metrics.closes.get();
  return values.find((v) => v.labels.code === '4002')?.value ?? 0;
}

/** Open participant websockets on the node (`terarelay_connections{kind="participant"}`). */
async function participantSockets(server: TestServer): Promise<number> {
  const { values } = await server.deps.metrics.connections.get();
  return values.find((v) => v.labels.kind === 'participant')?.value ?? 0;
}
