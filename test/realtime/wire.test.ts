/**
 * Whole websocket frames made once (src/realtime/wire.ts) and written by Connection straight to
 * the socket: a client reads exactly the payloads, as text for the JSON format and binary for
 * protobuf, at every length encoding (7-bit, 16-bit, 64-bit), in order with frames that go
 * through ws itself.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { AccessScope } from '../../src/access/scope.js';
import { Connection } from '../../src/realtime/connection.js';
import { wireFrame } from '../../src/realtime/wire.js';
import { waitFor } from '../kit/waiting.js';

const LENGTHS = [0, 1, 125, 126, 65_535, 65_536, 200_000];

let server: WebSocketServer;
let port: number;

before(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const ws of server.clients) ws.terminate();
  await new Promise((resolve) => server.close(resolve));
});

/** A client and the server's Connection for it, writing through its raw socket. */
async function pair(format: 'json' | 'binary') {
  const opened = new Promise<Connection>((resolve) =>
    server.once('connection', (ws, req) => {
      const connection = new Connection(ws, {
        id: format,
        principal: { kind: 'device', uuid: 'u', id: 1, name: 'u', enabled: true },
        format,
        scope: new AccessScope(
          'device',
          'u',
          { kind: 'device', deviceId: 1, deviceUuid: 'u', participantUuids: new Set() },
          new Set(),
        ),
        sendBufferLimit: 1 << 24,
        transport: req.socket,
        onGone: () => {},
      });
      connection.open('open');
      resolve(connection);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const got: Array<{ data: Buffer; binary: boolean }> = [];
  client.on('message', (data: Buffer, binary: boolean) => got.push({ data, binary }));
  const connection = await opened;
  await waitFor(() => got.length === 1, { what: 'the opening frame' });
  got.length = 0;
  return { client, connection, got };
}

for (const format of ['json', 'binary'] as const)
  test(`${format}: wire frames of every length encoding arrive whole, in order with ws's own`, async () => {
    const { client, connection, got } = await pair(format);
    const payloads = LENGTHS.map((n, i) => Buffer.alloc(n, 97 + i));
    for (const payload of payloads) {
      connection.send(payload, undefined, wireFrame(payload, format));
      connection.send('through ws');
    }
    await waitFor(() => got.length === payloads.length * 2, { what: 'every frame' });
    payloads.forEach((payload, i) => {
      const wired = got[2 * i]!;
      assert.equal(wired.binary, format === 'binary', `length ${payload.length}: frame type`);
      assert.ok(wired.data.equals(payload), `length ${payload.length}: payload`);
      assert.deepEqual(got[2 * i + 1], { data: Buffer.from('through ws'), binary: false });
    });
    client.close();
    await connection.whenClosed();
  });
