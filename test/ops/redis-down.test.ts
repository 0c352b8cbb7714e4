/**
 * A node whose Redis stops: every request needing Redis is answered 503 at once (its Redis
 * commands would otherwise wait an hour: the command timeout is set that high), /readyz and
 * the `terarelay_redis_up` gauge say so, and all of it recovers when Redis is back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { basic, bearer, openSocket, startTestServer, type TestServer } from '../kit/server.js';
import { waitFor } from '../kit/waiting.js';

const AN_HOUR_MS = 3_600_000;

describe('a node while its Redis is down', () => {
  let redis: PrivateRedis | { skip: string };
  let server: TestServer | undefined;

  before(async () => {
    redis = await startPrivateRedis();
    if ('skip' in redis) return;
    server = await startTestServer({ redis: redis.url, redisCommandTimeout: AN_HOUR_MS });
  });
  after(async () => {
    await server?.close();
    if (!('skip' in redis)) await redis.close();
  });

  const readyz = async (status: number) =>
    waitFor(
      async () => {
        const r = await server!.request('/readyz');
        return r.status === status && r;
      },
      { what: `/readyz ${status}` },
    );
  const redisUp = async (): Promise<string | undefined> =>
    /^terarelay_redis_up (\d)$/m.exec((await server!.request('/metrics')).text)?.[1];
  const login = () =>
    server!.request('/api/user/login?with_websocket=true', {
      headers: { authorization: basic('admin', 'admin') },
    });

  test('logins, online lists and upgrades answer 503 without waiting; /readyz 503, then 200 again', async (t) => {
    if ('skip' in redis) return t.skip(redis.skip);
    const node = server!;
    await readyz(200);
    assert.equal(await redisUp(), '1');
    const before = await login();
    assert.equal(before.status, 200, before.text);
    const { user_token: token, websocket_url: url } = before.json<{
      user_token: string;
      websocket_url: string;
    }>();

    await redis.stop();
    const down = await readyz(503);
    assert.deepEqual(down.json(), { status: 'not ready', failed: { redis: 'link down' } });
    assert.equal(await redisUp(), '0');

    const refused = await login();
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.json<{ code: string }>().code, 'UNAVAILABLE');
    const online = await node.request('/api/user/users/online', {
      headers: { authorization: bearer(token) },
    });
    assert.equal(online.status, 503, online.text);
    assert.equal((await openSocket(url)).status, 503, 'the upgrade is refused');
    assert.equal((await node.request('/healthz')).status, 200, 'alive all along');

    await redis.start();
    await readyz(200);
    assert.equal(await redisUp(), '1');
    assert.equal((await login()).status, 200);
  });
});
