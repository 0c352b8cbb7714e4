import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MemoryTicketStore } from '../../src/seams/tickets/memory.js';
import { RedisTicketStore, TICKET_KEY_PREFIX } from '../../src/seams/tickets/redis.js';
import { newTicket } from '../../src/seams/tickets/format.js';
import { ticketStoreContract } from '../contracts/tickets.contract.js';
import { redisSuite } from '../kit/redis-suite.js';

describe('MemoryTicketStore', () => {
  ticketStoreContract(async () => new MemoryTicketStore());
});

describe('RedisTicketStore', () => {
  const suite = redisSuite();

  ticketStoreContract(async () => {
    if ('skip' in suite.server) return suite.server;
    return new RedisTicketStore({ redis: suite.client() });
  });

  test('a ticket is a prefixed key holding kind:uuid with the ttl; raw keys are not tickets', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const store = new RedisTicketStore({ redis });
    const uuid = randomUUID();
    const ticket = await store.issue('participant', uuid, 60_000);
    assert.equal(await redis.get(ticket), null, 'never stored under the raw ticket');
    assert.equal(await redis.get(TICKET_KEY_PREFIX + ticket), `participant:${uuid}`);
    const pttl = await redis.pttl(TICKET_KEY_PREFIX + ticket);
    assert.ok(pttl > 0 && pttl <= 60_000, `pttl ${pttl}`);
    assert.equal(await store.redeem(ticket, 'participant'), uuid);
    assert.equal(await redis.exists(TICKET_KEY_PREFIX + ticket), 0, 'redeem deletes the key');

    // OpenTera's own key style (raw id → uuid) authenticates nothing here.
    const raw = newTicket();
    await redis.set(raw, uuid, 'EX', 60);
    await redis.set(TICKET_KEY_PREFIX + newTicket(), uuid, 'EX', 60);
    assert.equal(await store.redeem(raw, 'participant'), null);
    await store.close();
  });

  test('a ticket issued on one node is redeemed once across nodes', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const a = new RedisTicketStore({ redis: suite.client() });
    const b = new RedisTicketStore({ redis: suite.client() });
    const uuid = randomUUID();
    const ticket = await a.issue('device', uuid, 60_000);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).redeem(ticket, 'device')),
    );
    assert.deepEqual(
      results.filter((r) => r !== null),
      [uuid],
    );
    await Promise.all([a.close(), b.close()]);
  });

  test('junk never reaches Redis; a real ticket with Redis gone is UNAVAILABLE', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const redis = suite.client();
    const store = new RedisTicketStore({ redis });
    await redis.ping();
    redis.disconnect(); // every later command on this client fails at once
    assert.equal(await store.redeem('x'.repeat(100_000), 'user'), null);
    assert.equal(await store.redeem('', 'user'), null);
    await assert.rejects(store.redeem(newTicket(), 'user'), { code: 'UNAVAILABLE' });
    await assert.rejects(store.issue('user', randomUUID(), 1000), { code: 'UNAVAILABLE' });
    await store.close();
  });
});
