/**
 * The fan-out's cost, counted through the codec given to the Hub's constructor: with 100 real
 * sockets spread across both wire formats, one published event costs one decode and one
 * encode per format, and every socket of a format gets the same bytes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { CountingCodec } from '../kit/counting-codec.js';
import { ParticipantEventSchema, UserEventSchema, teraEvent } from '../../src/protocol/messages.js';
import { AccessScope } from '../../src/access/scope.js';
import type { UserAccess } from '../../src/access/access.js';
import type { PrincipalRecord } from '../../src/access/principals.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { Connection } from '../../src/realtime/connection.js';
import { Hub } from '../../src/realtime/hub.js';
import {
  chooseSubprotocol,
  formatOf,
  SUBPROTOCOL_BINARY,
} from '../../src/realtime/subprotocols.js';
import { pack } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';

const SOCKETS = 100;

function access(uuid: string, visibleUsers: string[]): UserAccess {
  const tier = {
    siteIds: new Set<number>(),
    projectIds: new Set<number>(),
    participantUuids: new Set<string>(),
    deviceUuids: new Set<string>(),
    userUuids: new Set(visibleUsers),
  };
  return {
    kind: 'user',
    userId: 1,
    userUuid: uuid,
    superadmin: false,
    projectRoles: new Map(),
    siteRoles: new Map(),
    admin: tier,
    ...tier,
  };
}

describe('hub fan-out cost', () => {
  const bus = new MemoryBus();
  const codec = new CountingCodec();
  const hub = new Hub({ bus, codec });
  let server: WebSocketServer;
  const clients: Array<{ ws: WebSocket; frames: Array<string | Buffer> }> = [];

  before(async () => {
    server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (p) => chooseSubprotocol(p),
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    const added: Promise<void>[] = [];
    let allConnected: () => void = () => {};
    const connected = new Promise<void>((resolve) => (allConnected = resolve));
    server.on('connection', (ws) => {
      const principal: PrincipalRecord = {
        kind: 'user',
        uuid: `watcher-${added.length}`,
        id: 1,
        name: 'w',
        enabled: true,
      };
      const connection = new Connection(ws, {
        id: String(added.length),
        principal,
        format: formatOf(ws.protocol),
        scope: new AccessScope('user', principal.uuid, access(principal.uuid, ['seen']), new Set()),
        sendBufferLimit: 1 << 20,
        onGone: (c) => hub.remove(c),
      });
      added.push(
        hub
          .add(connection, [{ topic: USER_MANAGER_EVENTS, role: 'events' }])
          .then(() => connection.open('ready')),
      );
      if (added.length === SOCKETS) allConnected();
    });
    for (let i = 0; i < SOCKETS; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, i % 2 === 0 ? [SUBPROTOCOL_BINARY] : []);
      const client = { ws, frames: [] as Array<string | Buffer> };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!(!isBinary && data.toString() === 'ready'))
          client.frames.push(isBinary ? data : data.toString());
      });
      clients.push(client);
      await new Promise((resolve) => ws.once('open', resolve));
    }
    await connected;
    await Promise.all(added);
    assert.equal(hub.memberCount(USER_MANAGER_EVENTS), SOCKETS);
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    await hub.close();
    await new Promise((resolve) => server.close(resolve));
    await bus.close();
  });

  const waitFrames = (n: number) =>
    waitFor(() => clients.every((c) => c.frames.length >= n), { what: `${n} frames per socket` });
  const reset = () => {
    codec.reset();
    for (const c of clients) c.frames.length = 0;
  };

  test('one event: one decode, one encode per format, the same bytes for every socket of a format', async () => {
    reset();
    const event = teraEvent(USER_MANAGER_EVENTS, [
      pack(UserEventSchema, { userUuid: 'seen', type: 1, userFullname: 'x' }),
    ]);
    await bus.publish(USER_MANAGER_EVENTS, codec.encodeEvent(event));
    await waitFrames(1);
    assert.equal(codec.decodes, 1);
    assert.deepEqual(codec.encodes, { json: 1, binary: 1 });
    const texts = new Set(
      clients.filter((c) => typeof c.frames[0] === 'string').map((c) => c.frames[0]),
    );
    const binaries = new Set(
      clients
        .filter((c) => Buffer.isBuffer(c.frames[0]))
        .map((c) => (c.frames[0] as Buffer).toString('hex')),
    );
    assert.deepEqual([texts.size, binaries.size], [1, 1]);
  });

  test('a TeraEvent of four events, two visible: one decode, one encode per format per visible event', async () => {
    reset();
    const event = teraEvent(USER_MANAGER_EVENTS, [
      pack(UserEventSchema, { userUuid: 'seen', type: 6, userFullname: 'a' }),
      pack(UserEventSchema, { userUuid: 'hidden', type: 6, userFullname: 'b' }),
      pack(ParticipantEventSchema, { participantUuid: 'hidden', type: 1 }),
      pack(UserEventSchema, { userUuid: 'seen', type: 7, userFullname: 'c' }),
    ]);
    await bus.publish(USER_MANAGER_EVENTS, codec.encodeEvent(event));
    await waitFrames(2);
    assert.equal(codec.decodes, 1);
    assert.deepEqual(
      codec.encodes,
      { json: 2, binary: 2 },
      'nothing is encoded for the events nobody sees',
    );
    for (const c of clients) assert.equal(c.frames.length, 2);
  });
});
