/**
 * What an idle connection keeps, where it differs from a plain websocket server's:
 * - the TLS socket's copy of the server's ALPN list is its own few bytes, not a slice of Node's
 *   shared Buffer pool (which would keep a whole pool block alive per long-lived socket), and
 *   ALPN still negotiates `http/1.1`;
 * - the hub groups a principal's connections without a set for a principal with one of them,
 *   and still answers every principal's members as a set.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { startTestServer, type TestServer } from '../kit/server.js';
import { MemoryBus } from '../../src/seams/bus/memory.js';
import { createCodec } from '../../src/protocol/codec.js';
import { Hub, type HubMember } from '../../src/realtime/hub.js';
import type { PrincipalKind } from '../../src/principal.js';

describe('TLS sockets and ALPN', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test("each TLS socket's ALPN copy is its own, and http/1.1 is negotiated", async () => {
    const accepted = new Promise<TLSSocket>((resolve) =>
      server.app.server.once('secureConnection', resolve),
    );
    const client = tlsConnect({
      host: '127.0.0.1',
      port: server.port,
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', () => resolve());
      client.once('error', reject);
    });
    assert.equal(client.alpnProtocol, 'http/1.1');
    const socket = await accepted;
    // Node keeps the socket's copy in its TLS options for the socket's whole life.
    const copy = (socket as unknown as { _tlsOptions: { ALPNProtocols: Uint8Array } })._tlsOptions
      .ALPNProtocols;
    assert.equal(copy.byteLength, 9, '\\x08http/1.1');
    assert.equal(copy.buffer.byteLength, copy.byteLength, 'not a slice of a shared pool block');
    client.destroy();
  });
});

describe('hub: members by principal', () => {
  const bus = new MemoryBus();
  const hub = new Hub({ bus, codec: createCodec() });
  after(async () => {
    await hub.close();
    await bus.close();
  });

  const member = (id: string, kind: PrincipalKind, uuid: string): HubMember => ({
    id,
    principal: { kind, uuid },
    format: 'json',
    scope: { accepts: () => true },
    send: () => {},
    close: () => {},
  });
  const ids = (members: Iterable<HubMember>): string[] => [...members].map((m) => m.id).sort();
  const groups = (): string[][] => [...hub.principals()].map((g) => ids(g)).sort();

  test('one, two, then one connection of a principal; same uuid of another kind apart', async () => {
    const a = member('a', 'device', 'u1');
    const b = member('b', 'device', 'u1');
    const other = member('c', 'user', 'u1');
    await hub.add(a, []);
    assert.deepEqual(ids(hub.membersOf('device', 'u1')), ['a']);
    await hub.add(b, []);
    await hub.add(other, []);
    assert.deepEqual(ids(hub.membersOf('device', 'u1')), ['a', 'b']);
    assert.deepEqual(ids(hub.membersOf('user', 'u1')), ['c']);
    assert.deepEqual(groups(), [['a', 'b'], ['c']]);
    hub.remove(a);
    assert.deepEqual(ids(hub.membersOf('device', 'u1')), ['b']);
    assert.deepEqual(groups(), [['b'], ['c']]);
    hub.remove(b);
    hub.remove(other);
    assert.equal(hub.membersOf('device', 'u1').size, 0);
    assert.deepEqual(groups(), []);
  });
});
