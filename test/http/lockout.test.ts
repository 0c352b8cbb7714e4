import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic } from '../kit/server.js';
import { serverFor } from '../kit/http.js';
import { DEFAULTS } from '../../src/config.js';
import { pairKey } from '../../src/auth/lockout.js';
import { countersOf, countOf, loginFrom, passwordChecks } from '../auth/login-kit.js';

const PAIR_LIMIT = DEFAULTS.loginAccountLimit;
const ADDRESS_LIMIT = DEFAULTS.loginAddressLimit;

describe('login attempts', () => {
  test('5 failures lock the (account, address) pair; another address and another account are unaffected', async (t) => {
    const server = await serverFor(t);
    for (let i = 0; i < PAIR_LIMIT; i++)
      assert.equal((await loginFrom(server, '127.0.0.2', 'user', 'wrong')).status, 401);
    const locked = await loginFrom(server, '127.0.0.2', 'user', 'user');
    assert.equal(locked.status, 401, 'the right password is refused for the locked pair');
    assert.equal(locked.text, 'Unauthorized');
    assert.equal(
      (await loginFrom(server, '127.0.0.3', 'user', 'user')).status,
      200,
      'same account, other address',
    );
    assert.equal(
      (await loginFrom(server, '127.0.0.2', 'user2', 'user2')).status,
      200,
      'same address, other account',
    );
  });

  test('a success before the limit starts the pair afresh', async (t) => {
    const server = await serverFor(t);
    for (let i = 0; i < PAIR_LIMIT - 1; i++) await loginFrom(server, '127.0.0.2', 'user3', 'wrong');
    assert.equal((await loginFrom(server, '127.0.0.2', 'user3', 'user3')).status, 200);
    for (let i = 0; i < PAIR_LIMIT - 1; i++) await loginFrom(server, '127.0.0.2', 'user3', 'wrong');
    assert.equal((await loginFrom(server, '127.0.0.2', 'user3', 'user3')).status, 200);
  });

  test('a burst of concurrent guesses for one pair gets no more than 5 password checks', async (t) => {
    const server = await serverFor(t);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => loginFrom(server, '127.0.0.2', 'user4', 'wrong')),
    );
    assert.ok(answers.every((r) => r.status === 401));
    assert.equal(
      (await loginFrom(server, '127.0.0.2', 'user4', 'user4')).status,
      401,
      'locked after the burst',
    );
    // Exactly PAIR_LIMIT checks ran, and their failures reached the address counter.
    assert.equal(await passwordChecks(server), PAIR_LIMIT);
    assert.equal(await countOf(countersOf(server).address, '127.0.0.2'), PAIR_LIMIT);
  });

  test('unknown usernames are locked per pair too', async (t) => {
    const server = await serverFor(t);
    for (let i = 0; i < PAIR_LIMIT; i++)
      assert.equal((await loginFrom(server, '127.0.0.2', 'ghost', 'x')).status, 401);
    assert.equal(
      await countOf(countersOf(server).pair, pairKey('user', 'name:ghost', '127.0.0.2')),
      PAIR_LIMIT,
    );
  });

  test('more than 30 failures a minute from one address, across accounts, get 429; other addresses do not', async (t) => {
    const server = await serverFor(t);
    const accounts = ['admin', 'siteadmin', 'user', 'user2', 'user3', 'user4', 'nobody'];
    const failures = Array.from(
      { length: ADDRESS_LIMIT },
      (_, i) => accounts[i % accounts.length]!,
    );
    // At most 5 per account (the pair limit) and 30 in all.
    const answers = await Promise.all(
      failures.map((u) => loginFrom(server, '127.0.0.4', u, 'wrong')),
    );
    assert.ok(answers.every((r) => r.status === 401));
    const throttled = await loginFrom(server, '127.0.0.4', 'user', 'user');
    assert.equal(throttled.status, 429);
    assert.deepEqual(Object.keys(throttled.json<object>()).sort(), ['code', 'message']);
    assert.equal(throttled.headers['retry-after'], String(DEFAULTS.loginAddressWindow));
    const participant = await server.request('/api/participant/login', {
      headers: { authorization: basic('participant1', 'opentera') },
      localAddress: '127.0.0.4',
    });
    assert.equal(participant.status, 429, 'participants share the address limit');
    assert.equal((await loginFrom(server, '127.0.0.5', 'user', 'user')).status, 200);
  });

  test('behind a trusted proxy the forwarded client address is counted; an untrusted peer cannot pick its address', async (t) => {
    const server = await serverFor(t, { trustProxy: '127.0.0.9' });
    for (let i = 0; i < PAIR_LIMIT; i++)
      await loginFrom(server, '127.0.0.9', 'user', 'wrong', { 'X-Forwarded-For': '203.0.113.7' });
    assert.equal(
      (await loginFrom(server, '127.0.0.9', 'user', 'user', { 'X-Forwarded-For': '203.0.113.7' }))
        .status,
      401,
    );
    assert.equal(
      (await loginFrom(server, '127.0.0.9', 'user', 'user', { 'X-Forwarded-For': '203.0.113.8' }))
        .status,
      200,
    );
    // From an untrusted peer, X-Forwarded-For is ignored: its own address is counted.
    for (let i = 0; i < PAIR_LIMIT; i++)
      await loginFrom(server, '127.0.0.2', 'user2', 'wrong', {
        'X-Forwarded-For': `198.51.100.${i}`,
      });
    assert.equal(
      (
        await loginFrom(server, '127.0.0.2', 'user2', 'user2', {
          'X-Forwarded-For': '198.51.100.99',
        })
      ).status,
      401,
    );
  });
});
