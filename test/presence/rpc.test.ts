/**
 * The UserManagerModule RPC on one node with the in-process seams: the same JSON replies as on
 * Redis (spec §6.3), through the in-memory bus.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import { create, RPCMessageSchema, ValueSchema } from '../../src/protocol/messages.js';
import { USER_MANAGER_RPC } from '../../src/topics.js';
import { connect, seeded, type Seeded } from '../kit/sockets.js';

describe('UserManager RPC on one node', () => {
  let server: TestServer;
  let ids: Seeded;
  let socket: TestSocket;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    socket = await connect(server, 'user', ids.users.user!);
  });
  after(async () => {
    socket.close();
    await server.close();
  });

  /** Publishes an RPCMessage; resolves with the replies seen within `waitMs` of the first. */
  const call = async (method: string, args: string[] = [], waitMs = 2000) => {
    const replyTo = `RedisRPCClient.${method}.${Math.random()}`;
    const replies: Array<Record<string, unknown>> = [];
    let first: () => void = () => {};
    const got = new Promise<void>((resolve) => (first = resolve));
    const sub = await server.deps.bus.subscribe(replyTo, (_t, payload) => {
      replies.push(JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>);
      first();
    });
    const message = create(RPCMessageSchema, {
      method,
      replyTo,
      id: 7n,
      args: args.map((value) => create(ValueSchema, { argValue: { case: 'stringValue', value } })),
    });
    await server.deps.bus.publish(USER_MANAGER_RPC, server.deps.codec.encodeRpc(message));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([got, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    await sub.unsubscribe();
    return replies;
  };

  test('online_users, busy_users and status_users answer in OpenTera’s JSON', async () => {
    const user = ids.users.user!;
    assert.deepEqual(await call('online_users'), [
      {
        method: 'online_users',
        id: 7,
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
    assert.deepEqual(await call('no_such_method', [], 300), []);
    await server.deps.bus.publish(USER_MANAGER_RPC, new Uint8Array([0xff, 0xff, 0xff]));
    assert.equal((await call('online_users')).length, 1, 'still answering');
  });
});
