/**
 * What an idle connection keeps, where it differs from a plain websocket server's:
 * - a TLS socket keeps no copy of an ALPN list (`http/1.1` is chosen per handshake), and ALPN
 *   negotiates as with Node's default list;
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
import { acceptAll } from '../kit/scopes.js';
import type { PrincipalKind } from '../../src/principal.js';

describe('TLS sockets and ALPN', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  /** What a client offering `offer` negotiates, or the TLS error it gets; and the server's socket. */
  const handshake = async (
    offer: string[] | undefined,
  ): Promise<{ alpn: string | false | null; error: string | null; socket: TLSSocket | null }> => {
    const accepted = new Promise<TLSSocket>((resolve) =>
      server.app.server.once('secureConnection', resolve),
    );
    const client = tlsConnect({
      host: '127.0.0.1',
      port: server.port,
      rejectUnauthorized: false,
      ...(offer ? { ALPNProtocols: offer } : {}),
    });
    const error = await new Promise<string | null>((resolve) => {
      client.once('secureConnect', () => resolve(null));
      client.once('error', (err) => resolve(err.message));
    });
    const socket = error === null ? await accepted : null;
    const alpn = error === null ? client.alpnProtocol : null;
    client.destroy();
    return { alpn, error, socket };
  };

  test('http/1.1 is negotiated and the TLS socket keeps no copy of an ALPN list', async () => {
    const { alpn, socket } = await handshake(['h2', 'http/1.1']);
    assert.equal(alpn, 'http/1.1');
    // Given a list, Node would keep its own copy in each socket's TLS options for its whole life.
    const options = (socket as unknown as { _tlsOptions: { ALPNProtocols?: unknown } })._tlsOptions;
    assert.equal(options.ALPNProtocols, undefined);
  });

  test('a client offering no ALPN is served; one offering only h2 is refused', async () => {
    assert.equal((await handshake(undefined)).alpn, false);
    const refused = await handshake(['h2']);
    assert.match(refused.error ?? '', /no application protocol/);
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
    scope: acceptAll(kind, uuid),
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
