/**
 * A private redis-server for the current describe block (started before its tests, stopped
 * after them) and Redis clients on it that the suite closes.
 */
import { after, before } from 'node:test';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../../src/seams/redis-client.js';
import { startPrivateRedis, type PrivateRedis } from './redis.js';

export interface RedisSuite {
  /** The server, or why the Redis tests are skipped (read it inside tests only). */
  readonly server: PrivateRedis | { skip: string };
  /** A new client on the server, closed with the suite. */
  client(): Redis;
}

export function redisSuite(): RedisSuite {
  let server: PrivateRedis | { skip: string } = { skip: 'redis-server not started yet' };
  const clients: Redis[] = [];
  before(async () => {
    server = await startPrivateRedis();
  });
  after(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
    if (!('skip' in server)) await server.close();
  });
  return {
    get server() {
      return server;
    },
    client() {
      if ('skip' in server) throw new Error(server.skip);
      const redis = createRedis(server.url, { name: 'test' });
      clients.push(redis);
      return redis;
    },
  };
}
