/**
 * Fan-out benchmark. Opens N websocket clients (all as `admin`, so every event is visible to
 * all of them) on a real TeraRelay server over TLS, publishes M presence events on the bus and
 * times until every client has received every event. The baseline is a bare `ws` server over
 * TLS broadcasting the same pre-encoded frame to N clients, in the same process and the same
 * invocation: the ratio says what filtering, framing and TeraRelay's bookkeeping cost.
 * It also reports memory per connection (absolute) and event latency during a login storm.
 *
 *   npm run bench -- [--clients 500] [--events 200] [--logins 40]
 *
 * Results go to stdout as markdown and to bench/results/fanout-<date>.json.
 */
import { createServer } from 'node:https';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestServer, basic } from '../test/kit/server.js';
import { USER_MANAGER_EVENTS } from '../src/topics.js';
import {
  ParticipantEvent_EventType,
  ParticipantEventSchema,
  create,
  packEvent,
  teraEvent,
} from '../src/protocol/messages.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '500' },
    events: { type: 'string', default: '200' },
    logins: { type: 'string', default: '40' },
  },
});
const N = Number(values.clients);
const M = Number(values.events);
const LOGINS = Number(values.logins);

interface BenchClient {
  ws: WebSocket;
  count: () => number;
  onMessage: (fn: () => void) => void;
}

function connect(url: string): Promise<BenchClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { rejectUnauthorized: false });
    let received = 0;
    let listener: () => void = () => {};
    ws.on('message', () => {
      received++;
      listener();
    });
    ws.once('open', () =>
      resolve({ ws, count: () => received, onMessage: (fn) => (listener = fn) }),
    );
    ws.once('error', reject);
  });
}

/** Resolves when every client has received `target` messages; returns elapsed ms. */
function allReceived(
  clients: Array<{ count: () => number; onMessage: (fn: () => void) => void }>,
  target: number,
  start: () => void,
): Promise<number> {
  return new Promise((resolve) => {
    let pending = clients.filter((c) => c.count() < target).length;
    const t0 = performance.now();
    for (const c of clients) {
      let done = c.count() >= target;
      c.onMessage(() => {
        if (!done && c.count() >= target) {
          done = true;
          if (--pending === 0) resolve(performance.now() - t0);
        }
      });
    }
    start();
  });
}

async function baseline(cert: string, key: string, frame: string): Promise<number> {
  const https = createServer({ cert, key });
  const wss = new WebSocketServer({ server: https });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const address = https.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const clients: BenchClient[] = [];
  for (let i = 0; i < N; i++) clients.push(await connect(`wss://127.0.0.1:${port}/`));
  const ms = await allReceived(clients, M, () => {
    for (let i = 0; i < M; i++) for (const s of wss.clients) s.send(frame);
  });
  for (const c of clients) c.ws.terminate();
  wss.close();
  https.close();
  return ms;
}

async function main(): Promise<void> {
  const server = await startTestServer({
    sendBufferLimit: 64 * 1024 * 1024,
    pingInterval: 60_000,
    pongTimeout: 120_000,
  });
  try {
    const { deps } = server;
    const admin = await deps.db.kysely
      .selectFrom('t_users')
      .select('user_uuid')
      .where('user_username', '=', 'admin')
      .executeTakeFirstOrThrow();
    const p1 = await deps.db.kysely
      .selectFrom('t_participants')
      .select('participant_uuid')
      .where('id_participant', '=', 1)
      .executeTakeFirstOrThrow();

    global.gc?.();
    const before = process.memoryUsage();
    const clients: BenchClient[] = [];
    for (let i = 0; i < N; i++) {
      const ticket = await deps.tickets.issue('user', admin.user_uuid, 60_000);
      const c = await connect(`wss://127.0.0.1:${server.port}/wss/user?id=${ticket}`);
      clients.push(c);
    }
    // Each client first receives its own USER_CONNECTED; wait for those before measuring.
    await allReceived(clients, 1, () => {});
    global.gc?.();
    const after = process.memoryUsage();

    const event = teraEvent(USER_MANAGER_EVENTS, [
      packEvent(
        ParticipantEventSchema,
        create(ParticipantEventSchema, {
          participantUuid: p1.participant_uuid,
          type: ParticipantEvent_EventType.PARTICIPANT_CONNECTED,
          participantName: 'Participant #1',
          participantProjectName: 'Default Project #1',
          participantSiteName: 'Default Site',
        }),
      ),
    ]);
    const payload = deps.codec.encodeEvent(event);
    const frame = deps.codec.encodeFrame(event, 'json') as string;

    const relayMs = await allReceived(clients, 1 + M, () => {
      for (let i = 0; i < M; i++) void deps.bus.publish(USER_MANAGER_EVENTS, payload);
    });

    // Latency of one event while a login storm (bcrypt cost 12) runs, vs. idle.
    const latency = async (): Promise<number> => {
      const target = clients[0]!.count() + 1;
      return allReceived(
        [clients[0]!],
        target,
        () => void deps.bus.publish(USER_MANAGER_EVENTS, payload),
      );
    };
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) idle.push(await latency());
    const storm = Array.from({ length: LOGINS }, (_, i) =>
      server.request('/api/user/login', {
        headers: { authorization: basic('user', i % 2 ? 'user' : 'wrong') },
        localAddress: `127.0.0.${2 + (i % 200)}`,
      }),
    );
    const loaded: number[] = [];
    for (let i = 0; i < 20; i++) loaded.push(await latency());
    await Promise.all(storm);

    for (const c of clients) c.ws.terminate();
    const { readFileSync } = await import('node:fs');
    const cert = readFileSync(join(deps.config.dataDir, 'tls', 'dev-cert.pem'), 'utf8');
    const key = readFileSync(join(deps.config.dataDir, 'tls', 'dev-key.pem'), 'utf8');
    const baseMs = await baseline(cert, key, frame);

    const median = (xs: number[]): number =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      clients: N,
      events: M,
      deliveries: N * M,
      relayMs: +relayMs.toFixed(1),
      baselineMs: +baseMs.toFixed(1),
      ratioRelayToBaseline: +(relayMs / baseMs).toFixed(2),
      relayDeliveriesPerSec: Math.round((N * M) / (relayMs / 1000)),
      heapPerConnectionKiB: +((after.heapUsed - before.heapUsed) / N / 1024).toFixed(1),
      rssPerConnectionKiB: +((after.rss - before.rss) / N / 1024).toFixed(1),
      latencyIdleMedianMs: +median(idle).toFixed(2),
      latencyDuringLoginStormMedianMs: +median(loaded).toFixed(2),
      loginStormRequests: LOGINS,
    };
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `fanout-${result.date.slice(0, 10)}.json`),
      JSON.stringify(result, null, 2) + '\n',
    );
    process.stdout.write(
      [
        `| measure | value |`,
        `| --- | --- |`,
        ...Object.entries(result).map(([k, v]) => `| ${k} | ${String(v)} |`),
      ].join('\n') + '\n',
    );
  } finally {
    await server.close();
  }
}

await main();
