/**
 * Two TeraRelay processes sharing one PostgreSQL database and one private redis-server: logins
 * on one node redeemed on the other, presence across nodes announced exactly once, a killed
 * node's principals going offline once, and recovery from a Redis restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { signHs256 } from '../../src/auth/jwt.js';
import { basic, openSocket, requestUrl, type TestSocket } from '../kit/server.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { parseFrame, untilSentinel } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { startNode, type NodeProcess } from '../kit/node-process.js';
import { OpenTeraService } from '../kit/opentera-redis.js';

const TTL = 2;
const USERS = ['admin', 'siteadmin', 'user', 'user2', 'user3', 'user4'] as const;
type Username = (typeof USERS)[number];

/** The presence events (`*_CONNECTED` / `*_DISCONNECTED`) one watcher received, in order. */
class Watcher {
  readonly events: Array<{ uuid: string; type: 'CONNECTED' | 'DISCONNECTED'; at: number }> = [];
  readonly direct: string[] = [];

  constructor(readonly socket: TestSocket) {
    socket.ws.on('message', (data: Buffer) => {
      const f = parseFrame(data.toString('utf8'));
      const type = String(f.fields.type);
      const uuid = String(f.fields.userUuid ?? f.fields.participantUuid ?? f.fields.deviceUuid);
      if (type.endsWith('_DISCONNECTED'))
        this.events.push({ uuid, type: 'DISCONNECTED', at: Date.now() });
      else if (type.endsWith('_CONNECTED'))
        this.events.push({ uuid, type: 'CONNECTED', at: Date.now() });
      else if (f.type === 'JoinSessionEvent') this.direct.push(String(f.fields.sessionUuid));
    });
  }

  count(uuid: string, type: 'CONNECTED' | 'DISCONNECTED'): number {
    return this.events.filter((e) => e.uuid === uuid && e.type === type).length;
  }

  last(uuid: string): 'CONNECTED' | 'DISCONNECTED' | undefined {
    return this.events.filter((e) => e.uuid === uuid).at(-1)?.type;
  }

  /** Resolves once `check` holds; rejects after `timeoutMs`. */
  async sees(check: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    await waitFor(check, { what: `watcher: ${what}`, timeoutMs });
  }
}

describe('two nodes on one Redis and one PostgreSQL', () => {
  let redis: PrivateRedis | { skip: string };
  let db: TestDatabase | { skip: string };
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  let service: OpenTeraService | undefined;
  const uuids = {} as Record<Username, string>;
  const sockets: TestSocket[] = [];

  before(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    if ('skip' in redis || 'skip' in db) return;
    const options = { db: db.url, redis: redis.url, presenceTtl: TTL };
    a = await startNode(options); // migrates and seeds the shared database
    b = await startNode(options);
    service = new OpenTeraService(redis.url);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ user_username: Username; user_uuid: string }>(
        'SELECT user_username, user_uuid FROM t_users',
      );
      for (const r of rows.rows) uuids[r.user_username] = r.user_uuid;
    } finally {
      await client.end();
    }
  });
  after(async () => {
    if (process.env.TERARELAY_TEST_NODE_LOG) process.stderr.write(`--- B ---\n${b?.output()}\n`);
    for (const s of sockets) s.ws.terminate();
    service?.close();
    await a?.stop();
    await b?.stop();
    if (!('skip' in db)) await db.drop();
    if (!('skip' in redis)) await redis.close();
  });

  /** Logs `username` in on `loginNode` (REST) and opens its websocket on `socketNode`. */
  const connectVia = async (
    username: Username,
    loginNode: NodeProcess,
    socketNode: NodeProcess,
  ): Promise<TestSocket> => {
    const res = await requestUrl(`${loginNode.url}/api/user/login?with_websocket=true`, {
      headers: { authorization: basic(username, username) },
    });
    assert.equal(res.status, 200, `${username} login: ${res.text}`);
    const url = new URL(res.json<{ websocket_url: string }>().websocket_url);
    url.host = `127.0.0.1:${socketNode.port}`;
    const { socket, status } = await openSocket(url.toString());
    assert.ok(socket, `${username} upgrade refused with ${status}`);
    sockets.push(socket);
    const own = parseFrame(await socket.next());
    assert.equal(own.fields.type, 'USER_CONNECTED', 'own CONNECTED first');
    return socket;
  };

  /** The RPC online_users answer (exactly one reply across the cluster), as a sorted list. */
  const onlineUsers = async (timeoutMs = 5000): Promise<string[] | undefined> => {
    const replies = await service!.replies('online_users', [], timeoutMs);
    assert.ok(replies.length <= 1, 'at most one node answers');
    if (replies.length === 0) return undefined;
    assert.equal(replies[0]?.status, 'OK');
    return (replies[0]?.return_value as string[]).slice().sort();
  };
  const sorted = (...names: Username[]) => names.map((n) => uuids[n]).sort();

  test('login on A, connect on B; presence of A’s clients reaches filtered watchers on B once; A killed; Redis restarted', async (t) => {
    if ('skip' in redis) return t.skip(redis.skip);
    if ('skip' in db) return t.skip(db.skip);
    const [A, B] = [a!, b!];

    // Filtered watchers on B, logged in on A: admin sees every user, siteadmin its site's users,
    // user4 (no access) none of them.
    const admin = new Watcher(await connectVia('admin', A, B));
    const siteadmin = new Watcher(await connectVia('siteadmin', A, B));
    const user4 = new Watcher(await connectVia('user4', A, B));

    // Clients on A (one logged in on B), one more on B.
    await connectVia('user', A, A);
    await connectVia('user2', B, A);
    const user3Socket = await connectVia('user3', A, B);
    for (const w of [admin, siteadmin]) {
      for (const name of ['user', 'user2', 'user3'] as const)
        await w.sees(() => w.count(uuids[name], 'CONNECTED') === 1, `${name} CONNECTED`);
    }
    assert.deepEqual(await onlineUsers(), sorted(...USERS));

    // A dies: each of its principals goes offline on B exactly once, within the presence TTL
    // (plus one second of slack for process scheduling and delivery).
    const killedAt = Date.now();
    await A.kill();
    for (const w of [admin, siteadmin]) {
      for (const name of ['user', 'user2'] as const)
        await w.sees(
          () => w.count(uuids[name], 'DISCONNECTED') >= 1,
          `${name} DISCONNECTED after A died`,
          (TTL * 4 + 5) * 1000,
        );
    }
    // The sweep that reported them took their entries out: nothing more may come. A sentinel
    // through Redis after the reports reaches each watcher after anything still on its way.
    for (const [w, name] of [
      [admin, 'admin'],
      [siteadmin, 'siteadmin'],
      [user4, 'user4'],
    ] as const)
      await untilSentinel(w.socket, uuids[name], service!);
    for (const w of [admin, siteadmin]) {
      for (const name of ['user', 'user2', 'user3'] as const)
        assert.equal(w.count(uuids[name], 'CONNECTED'), 1, `${name} CONNECTED once`);
      for (const name of ['user', 'user2'] as const)
        assert.equal(w.count(uuids[name], 'DISCONNECTED'), 1, `${name} DISCONNECTED once`);
      assert.equal(w.last(uuids.user3), 'CONNECTED');
      for (const name of ['user', 'user2'] as const) {
        const at = w.events.find((e) => e.uuid === uuids[name] && e.type === 'DISCONNECTED')!.at;
        t.diagnostic(`${name} offline on B ${at - killedAt} ms after kill -9 of A (ttl ${TTL} s)`);
        assert.ok(
          at - killedAt <= TTL * 1000 + 1000,
          `${name} offline ${at - killedAt} ms after the kill`,
        );
      }
    }
    assert.deepEqual(
      user4.events.filter((e) => e.uuid !== uuids.user4),
      [],
      'user4 sees nobody',
    );
    assert.deepEqual(await onlineUsers(), sorted('admin', 'siteadmin', 'user3', 'user4'));

    // Redis restarts empty. While it is down, B still delivers its own events, and user3 leaves.
    const serviceKey = await service!.redis.get('ServiceTokenAPIKey');
    assert.ok(serviceKey);
    const serviceUuid = await videoRehabUuid((db as TestDatabase).url);
    const token = await signHs256(serviceKey, {
      service_uuid: serviceUuid,
      iat: Math.floor(Date.now() / 1000),
    });
    const server = redis;
    await server.stop(true);
    user3Socket.close();
    await user3Socket.waitClose();
    const session = 'c0000000-0000-4000-8000-00000000000c';
    const res = await requestUrl(`${B.url}/api/service/events`, {
      method: 'POST',
      headers: { authorization: `OpenTera ${token}` },
      body: {
        kind: 'user',
        uuid: uuids.admin,
        event: {
          '@type': 'type.googleapis.com/opentera.protobuf.JoinSessionEvent',
          sessionUuid: session,
          sessionUsers: [uuids.admin],
        },
      },
    });
    assert.equal(res.status, 202, res.text);
    await admin.sees(() => admin.direct.includes(session), 'a local event while Redis is down');
    await server.start();

    // Within 5 s the RPC answer is the set of live sockets again…
    const live = sorted('admin', 'siteadmin', 'user4');
    let answer: string[] | undefined;
    await waitFor(
      async () => {
        answer = await onlineUsers(1000);
        return JSON.stringify(answer) === JSON.stringify(live);
      },
      { what: 'online_users to list the live sockets within 5 s of the restart', timeoutMs: 5000 },
    );
    assert.deepEqual(answer, live, 'online_users within 5 s of the restart');
    // …and every watcher's last event about each principal matches that principal's state.
    const matches = (w: Watcher): boolean =>
      USERS.every((name) => {
        const last = w.last(uuids[name]);
        return last === undefined || (last === 'CONNECTED') === live.includes(uuids[name]);
      });
    for (const w of [admin, siteadmin, user4]) await w.sees(() => matches(w), 'final states');
    for (const w of [admin, siteadmin]) assert.equal(w.last(uuids.user3), 'DISCONNECTED');
  });
});

async function videoRehabUuid(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ service_uuid: string }>(
      "SELECT service_uuid FROM t_services WHERE service_key = 'VideoRehabService'",
    );
    return r.rows[0]!.service_uuid;
  } finally {
    await client.end();
  }
}
