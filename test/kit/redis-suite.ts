/**
 * A private redis-server for the current describe block (started before its tests, stopped
 * after them), Redis clients on it, and whatever else the suite hands it to close.
 */
import { after, before } from 'node:test';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../../src/seams/redis-client.js';
import { startPrivateRedis, type PrivateRedis } from './redis.js';

export interface RedisSuite {
  /** The server, or why the Redis tests are skipped (read it inside tests only). */
  readonly server: PrivateRedis | { skip: string };
  /** A new client on the server (CLIENT name `terarelay:<name>`), closed with the suite. */
  client(name?: string): Redis;
  /** Closes `thing` with the suite, before the clients and the server; returns it. */
  own<T extends { close(): unknown }>(thing: T): T;
}

export function redisSuite(): RedisSuite {
  let server: PrivateRedis | { skip: string } = { skip: 'redis-server not started yet' };
  const owned: Array<{ close(): unknown }> = [];
  const clients: Redis[] = [];
  before(async () => {
    server = await startPrivateRedis();
  });
  after(async () => {
    for (const thing of owned.reverse()) await thing.close();
    await Promise.all(clients.map((c) => closeRedis(c)));
    if (!('skip' in server)) await server.close();
  });
  return {
    get server() {
      return server;
    },
    client(name = 'test') {
      if ('skip' in server) throw new Error(server.skip);
      const redis = createRedis(server.url, { name });
      clients.push(redis);
      return redis;
    },
    own(thing) {
      owned.push(thing);
      return thing;
    },
  };
}
