/**
 * The fan-out and idle baseline: a bare `ws` server over TLS with the same certificate as the
 * relay. Each event it gets (from Redis on OpenTera's UserManager channel, or over IPC) is
 * decoded and rendered as OpenTera's JSON frame once, and that one Buffer is sent as a text
 * frame to every socket: no login, no access filter, no bookkeeping.
 *
 *   broadcast.ts --cert <file> --key <file> [--redis <url>]
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { createCodec } from '../../src/protocol/codec.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { arg, ready, serveIpc } from './ipc.js';

const codec = createCodec();
const https = createServer({
  cert: readFileSync(arg('cert')!, 'utf8'),
  key: readFileSync(arg('key')!, 'utf8'),
});
const wss = new WebSocketServer({ server: https });
wss.on('connection', (ws) => ws.on('error', () => ws.terminate()));

const TEXT = { binary: false };
function broadcast(payload: Uint8Array): void {
  const frame = Buffer.from(codec.encodeFrame(codec.decodeEvent(payload), 'json'));
  for (const ws of wss.clients) ws.send(frame, TEXT);
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
