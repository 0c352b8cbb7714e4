/**
 * The fan-out and idle baseline: a bare `ws` server over TLS with the same certificate as the
 * relay. Each event it gets (from Redis on OpenTera's UserManager channel, or over IPC) is
 * decoded and rendered as OpenTera's JSON frame once, and that one Buffer is sent as a text
 * frame to every socket: no login, no access filter, no bookkeeping.
 *
 * A socket opened with `?project=<name>` gets only the events whose ParticipantEvent names that
 * project (the same deliveries as a relay user who sees that project alone): the audience is
 * fixed at connect time, one Set per project, no access check per event. While no socket asked
 * for a project, events are not read beyond the decode, as before.
 *
 *   broadcast.ts --cert <file> --key <file> [--redis <url>]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { Redis } from 'ioredis';
import { WebSocketServer, type WebSocket } from 'ws';
import { createCodec } from '../../src/protocol/codec.js';
import { anyUnpack, ParticipantEventSchema } from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { arg, ready, serveIpc } from './ipc.js';

const codec = createCodec();
const https = createServer({
  cert: readFileSync(arg('cert')!, 'utf8'),
  key: readFileSync(arg('key')!, 'utf8'),
});
const wss = new WebSocketServer({ server: https });
/** Sockets that get every event, and those that get one project's, by project name. */
const everyone = new Set<WebSocket>();
const byProject = new Map<string, Set<WebSocket>>();
wss.on('connection', (ws, request) => {
  ws.on('error', () => ws.terminate());
  const project = new URL(request.url ?? '/', 'https://bench').searchParams.get('project');
  const group = project === null ? everyone : (byProject.get(project) ?? new Set<WebSocket>());
  if (project !== null) byProject.set(project, group);
  group.add(ws);
  ws.on('close', () => group.delete(ws));
});

const TEXT = { binary: false };
function broadcast(payload: Uint8Array): void {
  const event = codec.decodeEvent(payload);
  const frame = Buffer.from(codec.encodeFrame(event, 'json'));
  if (byProject.size === 0) {
    for (const ws of wss.clients) ws.send(frame, TEXT);
    return;
  }
  for (const ws of everyone) ws.send(frame, TEXT);
  const first = event.events[0];
  const project = first && anyUnpack(first, ParticipantEventSchema)?.participantProjectName;
  for (const ws of (project && byProject.get(project)) || []) ws.send(frame, TEXT);
}

const redisUrl = arg('redis');
const redis = redisUrl ? new Redis(redisUrl) : null;
if (redis) {
  redis.on('messageBuffer', (_channel: Buffer, payload: Buffer) => broadcast(payload));
  await redis.subscribe(USER_MANAGER_EVENTS);
}

await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
serveIpc(
  {
    publish: (request) => {
      if (request.op === 'publish') broadcast(request.payload);
    },
    connections: () => wss.clients.size,
  },
  async () => {
    for (const ws of wss.clients) ws.terminate();
    redis?.disconnect();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  },
);
const address = https.address();
ready(typeof address === 'object' && address ? address.port : 0);
