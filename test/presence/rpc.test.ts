/**
 * The UserManagerModule RPC on one node with the in-process seams: the same JSON replies as on
 * Redis (spec §6.3), through the in-memory bus.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import { USER_MANAGER_RPC } from '../../src/topics.js';
import { connect, seeded, type Seeded } from '../kit/sockets.js';
import { busLink, RpcClient } from '../kit/rpc-client.js';

describe('UserManager RPC on one node', () => {
  let server: TestServer;
  let ids: Seeded;
  let socket: TestSocket;
  let rpc: RpcClient;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    socket = await connect(server, 'user', ids.users.user!);
    rpc = new RpcClient(busLink(server.deps.bus));
  });
  after(async () => {
    socket.close();
    await server.close();
  });

  /** Publishes an RPCMessage; resolves with every reply to it (RpcClient.replies). */
  const call = (method: string, args: string[] = []) => rpc.replies(method, args);

  test('online_users, busy_users and status_users answer in OpenTera’s JSON', async () => {
    const user = ids.users.user!;
    assert.deepEqual(await call('online_users'), [
      {
        method: 'online_users',
        id: rpc.lastId,
        pattern: USER_MANAGER_RPC,
        status: 'OK',
        return_value: [user],
      },
    ]);
    await server.deps.presence.setBusy('user', ids.users.user2!, 'session-1');
    const [busy] = await call('busy_users');
    assert.deepEqual(busy?.return_value, { [ids.users.user2!]: 'session-1' });
    const [status] = await call('status_users');
    assert.deepEqual(status?.return_value, {
      [user]: { online: true, busy: false },
      [ids.users.user2!]: { online: false, busy: true },
    });
  });

  test('a failing call answers status Error; an unknown method or bad bytes get no reply', async () => {
    const [bad] = await call('update_device_status', ['only-a-uuid']);
    assert.equal(bad?.status, 'Error');
    assert.equal(bad?.return_value, null);
    assert.deepEqual(await call('no_such_method'), []);
    await server.deps.bus.publish(USER_MANAGER_RPC, new Uint8Array([0xff, 0xff, 0xff]));
    assert.equal((await call('online_users')).length, 1, 'still answering');
  });
});
