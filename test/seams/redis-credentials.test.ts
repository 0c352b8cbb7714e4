import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { closeRedis, createRedis, redisUrlOptions } from '../../src/seams/redis-client.js';
import { redisSuite } from '../kit/redis-suite.js';

describe('Redis credentials from the --redis URL', () => {
  const suite = redisSuite();
  // Characters that must be percent-encoded in a URL.
  const password = 'p@ss:w/rd';

  test('the URL gives host, port, ACL user, decoded password, database and TLS', () => {
    assert.deepEqual(redisUrlOptions('rediss://relay:p%40ss%3Aw%2Frd@redis.internal:6380/2'), {
      host: 'redis.internal',
      port: 6380,
      username: 'relay',
      password,
      db: 2,
      tls: {},
    });
    assert.deepEqual(redisUrlOptions('redis://:pw@[::1]'), {
      host: '::1',
      port: 6379,
      password: 'pw',
    });
  });

  test('an ACL user logs in; a wrong password fails without the password in any log', async (t) => {
    const { server } = suite;
    if ('skip' in server) return t.skip(server.skip);
    await suite
      .client('admin')
      .call('ACL', 'SETUSER', 'relay', 'on', `>${password}`, '~*', '&*', '+@all');
    const base = new URL(server.url);
    const url = (secret: string): string =>
      `redis://relay:${encodeURIComponent(secret)}@${base.host}`;

    const good = createRedis(url(password), { name: 'acl' });
    try {
      assert.equal(await good.call('ACL', 'WHOAMI'), 'relay');
    } finally {
      await closeRedis(good);
    }

    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const wrong = createRedis(url('wrong-secret'), { name: 'wrong', log });
    try {
      const err = await wrong.ping().then(
        () => assert.fail('PING with a wrong password succeeded'),
        (e: unknown) => e,
      );
      log.error({ err }, 'ping failed');
    } finally {
      await closeRedis(wrong);
    }
    const text = lines.join('');
    assert.match(text, /WRONGPASS/);
    assert.doesNotMatch(text, /wrong-secret/);
  });
});
