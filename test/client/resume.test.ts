/**
 * The SDK resumes by itself (src/client/resume.ts): after its socket died without the server
 * noticing, it logs in again with its resume token, comes back with every event it missed, in
 * order, once, and exposes `recovered`; when the history could not give them (`recovered:
 * false`) its "who is online" view is rebuilt, and after either it is what a fresh client
 * builds; after a 4001 it waits the longer backoff before resuming.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TeraRelayClient, type Connection, type RelayEvent } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../kit/server.js';
import { connect, pack, publish, seeded, type Seeded } from '../kit/sockets.js';
import { directTopic, USER_MANAGER_EVENTS } from '../../src/topics.js';
import { ArchiveEventSchema } from '../../src/protocol/messages.js';
import { waitFor } from '../kit/waiting.js';
import { CuttableProxy } from '../realtime/resume-kit.js';
import { metricValue, Recorder, seededToken } from './kit.js';
import { PausableProxy } from './proxy.js';

const FAST = { initialMs: 20, maxMs: 200, afterSlowConsumerMs: 400 };

const archive = (owner: string, tag: string) =>
  pack(ArchiveEventSchema, { ownerUuid: owner, archiveUrl: tag });

/** The archive tags an SDK connection received, in order. */
const tags = (events: readonly RelayEvent[], prefix: string): string[] =>
  events
    .map((e) => (e.raw as { archiveUrl?: unknown }).archiveUrl)
    .filter((t): t is string => typeof t === 'string' && t.startsWith(prefix));

/** A server whose websocket URLs go through a proxy that can cut them without a close. */
async function relayBehindProxy(overrides: Record<string, unknown> = {}) {
  const proxy = await CuttableProxy.start();
  const server = await startTestServer({
    publicUrl: `wss://127.0.0.1:${proxy.port}`,
    ...overrides,
  });
  proxy.forwardTo(server.port);
  const relay = new TeraRelayClient({ url: `https://127.0.0.1:${server.port}`, insecure: true });
  return { proxy, server, relay };
}

describe('SDK resume', () => {
  let proxy: CuttableProxy;
  let server: TestServer;
  let relay: TeraRelayClient;
  let ids: Seeded;
  before(async () => {
    ({ proxy, server, relay } = await relayBehindProxy());
    ids = await seeded(server);
  });
  after(async () => {
    await server.close();
    await proxy.close();
  });

  test('a participant whose socket died comes back by itself with every missed event, once', async (t) => {
    const session = await relay.login({ participantToken: seededToken(server, 'Participant #1') });
    const participant = session.uuid;
    const connection = relay.connect(session, { backoff: FAST });
    t.after(() => connection.close());
    const seen = new Recorder(connection);
    await connection.opened();
    assert.equal(connection.recovered, null, 'nothing resumed yet');
    const prefix = `sdk${Date.now()}:`;
    const send = (i: number) =>
      publish(server, directTopic('participant', participant), [
        archive(participant, `${prefix}${i}`),
      ]);
    for (let i = 0; i < 10; i++) await send(i);
    await waitFor(() => tags(seen.events, prefix).length === 10, { what: 'the first ten' });
    // The socket dies; the server keeps it (no close reached it): the login must let it in.
    proxy.cut();
    for (let i = 10; i < 60; i++) await send(i);
    const back = await seen.state(
      (s) => s.state === 'open' && s.recovered !== null,
      'open again after a resume',
    );
    assert.equal(back.recovered, true);
    assert.equal(connection.recovered, true);
    for (let i = 60; i < 70; i++) await send(i);
    await waitFor(() => tags(seen.events, prefix).length >= 70, { what: 'all 70' });
    await send(70);
    await waitFor(() => tags(seen.events, prefix).includes(`${prefix}70`), { what: 'the end' });
    assert.deepEqual(
      tags(seen.events, prefix),
      Array.from({ length: 71 }, (_, i) => `${prefix}${i}`),
    );
    assert.deepEqual(
      seen.names.filter((n) => n !== 'connecting'),
      ['open', 'reconnecting', 'open'],
    );
    // The dead socket was replaced (4002), the participant never went offline.
    await waitFor(
      async () => (await metricValue(server.deps.metrics.closes, { code: '4002' })) >= 1,
      {
        what: 'the old socket replaced',
      },
    );
    assert.equal(await metricValue(server.deps.metrics.connections, { kind: 'participant' }), 1);
  });

  test('after a resume, "who is online" is what a fresh client builds', async (t) => {
    const session = await relay.login({ user: 'admin', password: 'admin' });
    const connection = relay.connect(session, { backoff: FAST });
    t.after(() => connection.close());
    const tracker = relay.trackOnline(connection);
    t.after(() => tracker.close());
    await tracker.loaded();
    const seen = new Recorder(connection);
    proxy.cut();
    // While it is away: user4 comes online, siteadmin comes and goes.
    const user4 = await connect(server, 'user', ids.users.user4!);
    t.after(() => user4.close());
    const siteadmin = await connect(server, 'user', ids.users.siteadmin!);
    siteadmin.close();
    await waitFor(
      async () => !(await server.deps.presence.isOnline('user', ids.users.siteadmin!)),
      {
        what: 'siteadmin offline',
      },
    );
    const back = await seen.state((s) => s.state === 'open', 'open again');
    assert.equal(back.recovered, true);
    await expectFreshView(relay, connection, tracker);
  });
});

describe('SDK resume when the history no longer has the missed events', () => {
  let proxy: CuttableProxy;
  let server: TestServer;
  let relay: TeraRelayClient;
  let ids: Seeded;
  before(async () => {
    ({ proxy, server, relay } = await relayBehindProxy({ historySize: 10 }));
    ids = await seeded(server);
  });
  after(async () => {
    await server.close();
    await proxy.close();
  });

  test('recovered false: the online view is rebuilt as a fresh client would', async (t) => {
    const session = await relay.login({ user: 'admin', password: 'admin' });
    const connection = relay.connect(session, {
      backoff: { ...FAST, initialMs: 2000, maxMs: 2000 },
    });
    t.after(() => connection.close());
    const tracker = relay.trackOnline(connection);
    t.after(() => tracker.close());
    await tracker.loaded();
    const seen = new Recorder(connection);
    proxy.cut();
    const user4 = await connect(server, 'user', ids.users.user4!);
    t.after(() => user4.close());
    // More events than the history keeps.
    for (let i = 0; i < 30; i++)
      await publish(server, USER_MANAGER_EVENTS, [archive(ids.users.user!, `x${i}`)]);
    const back = await seen.state((s) => s.state === 'open' && s.recovered !== null, 'open again');
    assert.equal(back.recovered, false);
    await expectFreshView(relay, connection, tracker);
    assert.equal(tracker.get('user', ids.users.user4!)?.online, true);
  });
});

describe('SDK resume after a 4001', () => {
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

  test('waits the longer backoff, then resumes', async (t) => {
    const admin = ids.users.admin!;
    const relay = new TeraRelayClient({ url: `https://127.0.0.1:${server.port}`, insecure: true });
    const connection = relay.connect(await relay.login({ user: 'admin', password: 'admin' }), {
      backoff: FAST,
    });
    t.after(() => connection.close());
    const seen = new Recorder(connection);
    await connection.opened();
    proxy.pause();
    const prefix = `slow${Date.now()}:`;
    const bulk = 'x'.repeat(2 * 1024);
    const closes = () => metricValue(server.deps.metrics.closes, { code: '4001' });
    let sent = 0;
    for (; (await closes()) === 0; sent++) {
      if (sent > 5000) throw new Error('the server never closed the slow reader');
      await publish(server, directTopic('user', admin), [
        archive(admin, `${prefix}${sent}:${bulk}`),
      ]);
    }
    proxy.resume();
    const slow = await seen.state((s) => s.state === 'reconnecting', 'reconnecting after 4001');
    assert.equal(slow.code, 4001);
    assert.ok(
      slow.delayMs !== null && slow.delayMs >= FAST.afterSlowConsumerMs / 2,
      `it waits before resuming (${slow.delayMs} ms)`,
    );
    const back = await seen.state((s) => s.state === 'open' && s.recovered !== null, 'resumed');
    assert.equal(back.recovered, true);
    await publish(server, directTopic('user', admin), [archive(admin, `${prefix}end`)]);
    await seen.event(
      (e) => (e.raw as { archiveUrl?: string }).archiveUrl === `${prefix}end`,
      'end',
    );
    // Every event, in order, once: those lost in the socket's buffer came back with the resume.
    const got = tags(seen.events, prefix).map((tag) => tag.slice(prefix.length).split(':')[0]);
    assert.deepEqual(got, [...Array.from({ length: sent }, (_, i) => String(i)), 'end']);
  });
});

/** Waits until the tracker's list equals what a fresh connection of the same user builds. */
async function expectFreshView(
  relay: TeraRelayClient,
  connection: Connection,
  tracker: ReturnType<TeraRelayClient['trackOnline']>,
): Promise<void> {
  // An observer: the same user's view, given while the user is online.
  const session = await relay.login({ user: 'admin', password: 'admin', observer: true });
  const fresh = relay.connect(session, { resume: false });
  try {
    const view = relay.trackOnline(fresh);
    await view.loaded();
    const summary = (list: ReturnType<typeof view.list>) =>
      list.map((e) => `${e.kind}:${e.uuid}:${e.online}:${e.busy}`);
    await waitFor(
      () => JSON.stringify(summary(tracker.list())) === JSON.stringify(summary(view.list())),
      {
        what: 'the resumed view to equal a fresh one',
      },
    );
    view.close();
    assert.ok(connection.state.state === 'open');
  } finally {
    await fresh.close();
  }
}
