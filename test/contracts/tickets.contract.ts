/**
 * The TicketStore contract (src/seams/tickets/tickets.ts), run against every implementation.
 * `open` makes a fresh store per test (or a skip reason when its backend is unreachable);
 * the suite closes it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TicketStore } from '../../src/seams/tickets/tickets.js';
import type { PrincipalKind } from '../../src/principal.js';
import { storeTest, type Opened } from '../kit/with-store.js';
import { ticketsExpired } from '../kit/tickets.js';

export type OpenTicketStore = () => Promise<Opened<TicketStore>>;

const MINUTE = 60_000;

/** Registers the contract tests in the current describe block. */
export function ticketStoreContract(open: OpenTicketStore): void {
  const withStore = storeTest(open);

  test(
    'issue then redeem gives the uuid once, for each kind',
    withStore(async (store) => {
      for (const kind of ['user', 'participant', 'device'] as PrincipalKind[]) {
        const uuid = randomUUID();
        const ticket = await store.issue(kind, uuid, MINUTE);
        assert.equal(await store.redeem(ticket, kind), uuid);
        assert.equal(await store.redeem(ticket, kind), null, 'a ticket is single use');
      }
    }),
  );

  test(
    '100 concurrent redeems of one ticket: exactly one gets the uuid',
    withStore(async (store) => {
      const uuid = randomUUID();
      const ticket = await store.issue('user', uuid, MINUTE);
      const results = await Promise.all(
        Array.from({ length: 100 }, () => store.redeem(ticket, 'user')),
      );
      assert.equal(results.filter((r) => r === uuid).length, 1);
      assert.equal(results.filter((r) => r === null).length, 99);
    }),
  );

  test(
    'an expired ticket gives null',
    withStore(async (store) => {
      const ttl = 50;
      const ticket = await store.issue('user', randomUUID(), ttl);
      await ticketsExpired(store, ttl);
      assert.equal(await store.redeem(ticket, 'user'), null);
    }),
  );

  test(
    'a wrong-kind redeem gives null and consumes the ticket',
    withStore(async (store) => {
      const uuid = randomUUID();
      const ticket = await store.issue('user', uuid, MINUTE);
      assert.equal(await store.redeem(ticket, 'participant'), null);
      assert.equal(await store.redeem(ticket, 'user'), null, 'consumed by the wrong-kind try');
      const device = await store.issue('device', uuid, MINUTE);
      assert.equal(await store.redeem(device, 'user'), null);
      assert.equal(await store.redeem(device, 'device'), null);
    }),
  );

  test(
    'an unknown well-formed ticket gives null',
    withStore(async (store) => {
      const issued = await store.issue('user', randomUUID(), MINUTE);
      const unknown = (issued[0] === 'A' ? 'B' : 'A') + issued.slice(1);
      assert.equal(await store.redeem(unknown, 'user'), null);
      assert.notEqual(await store.redeem(issued, 'user'), null, 'the issued one is untouched');
    }),
  );

  test(
    'malformed or huge input gives null, never an error',
    withStore(async (store) => {
      const uuid = randomUUID();
      const ticket = await store.issue('user', uuid, MINUTE);
      const junk: unknown[] = [
        '',
        'abc',
        '*',
        ticket + '=',
        ticket + 'A',
        ticket.slice(1),
        ticket.slice(0, 42) + '+',
        ticket.slice(0, 42) + '/',
        ticket.slice(0, 42) + ' ',
        ticket.slice(0, 42) + 'é',
        `terarelay:ticket:${ticket}`,
        'x'.repeat(1_000_000),
        null,
        undefined,
        42,
        { ticket },
      ];
      for (const value of junk)
        assert.equal(await store.redeem(value as string, 'user'), null, `junk ${String(value)}`);
      assert.equal(await store.redeem(ticket, 'user'), uuid, 'junk did not consume the ticket');
    }),
  );

  test(
    'two tickets for one principal are independent',
    withStore(async (store) => {
      const uuid = randomUUID();
      const a = await store.issue('participant', uuid, MINUTE);
      const b = await store.issue('participant', uuid, MINUTE);
      assert.notEqual(a, b);
      assert.equal(await store.redeem(b, 'participant'), uuid);
      assert.equal(await store.redeem(a, 'participant'), uuid);
    }),
  );

  test(
    'tickets are URL-safe, carry at least 128 bits and are distinct over 10k issues',
    withStore(async (store) => {
      const seen = new Set<string>();
      for (let batch = 0; batch < 20; batch++) {
        const tickets = await Promise.all(
          Array.from({ length: 500 }, () => store.issue('user', randomUUID(), MINUTE)),
        );
        for (const ticket of tickets) {
          assert.match(ticket, /^[A-Za-z0-9_-]+$/);
          assert.ok(Buffer.from(ticket, 'base64url').length >= 16, `short ticket ${ticket}`);
          seen.add(ticket);
        }
      }
      assert.equal(seen.size, 10_000);
    }),
  );

  test(
    'claim gives the uuid and the observer flag once; redeem is claim without the flag',
    withStore(async (store) => {
      const uuid = randomUUID();
      const plain = await store.issue('user', uuid, MINUTE);
      const observer = await store.issue('user', uuid, MINUTE, { observer: true });
      const explicit = await store.issue('user', uuid, MINUTE, { observer: false });
      assert.deepEqual(await store.claim(observer, 'user'), { uuid, observer: true });
      assert.equal(await store.claim(observer, 'user'), null, 'an observer ticket is single use');
      assert.deepEqual(await store.claim(plain, 'user'), { uuid, observer: false });
      assert.equal(await store.redeem(explicit, 'user'), uuid);
      assert.equal(await store.claim(explicit, 'user'), null, 'redeem consumed it');
    }),
  );

  test(
    'an observer ticket claimed for another kind gives null and is consumed',
    withStore(async (store) => {
      const uuid = randomUUID();
      const ticket = await store.issue('user', uuid, MINUTE, { observer: true });
      assert.equal(await store.claim(ticket, 'participant'), null);
      assert.equal(await store.claim(ticket, 'user'), null);
    }),
  );

  test(
    '100 concurrent claims of an observer ticket: exactly one gets it',
    withStore(async (store) => {
      const uuid = randomUUID();
      const ticket = await store.issue('user', uuid, MINUTE, { observer: true });
      const results = await Promise.all(
        Array.from({ length: 100 }, () => store.claim(ticket, 'user')),
      );
      assert.deepEqual(
        results.filter((r) => r !== null),
        [{ uuid, observer: true }],
      );
    }),
  );

  test(
    'only users get observer tickets',
    withStore(async (store) => {
      for (const kind of ['participant', 'device'] as PrincipalKind[])
        await assert.rejects(store.issue(kind, randomUUID(), MINUTE, { observer: true }), {
          code: 'INTERNAL',
        });
    }),
  );

  test(
    'close is idempotent',
    withStore(async (store) => {
      await store.close();
      await store.close();
    }),
  );
}
