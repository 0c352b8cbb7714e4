/** Waiting for websocket tickets to expire, on the store's own clock. */
import { randomUUID } from 'node:crypto';
import type { TicketStore } from '../../src/seams/tickets/tickets.js';
import { waitFor } from './waiting.js';

/**
 * Resolves once every ticket that `store` issued with `ttlMs` before the call has expired,
 * without redeeming any of them: probes issued now expire no earlier than those, so once a probe
 * is refused, they are gone too.
 */
export async function ticketsExpired(
  store: Pick<TicketStore, 'issue' | 'redeem'>,
  ttlMs: number,
): Promise<void> {
  const probes = await Promise.all(
    Array.from({ length: 400 }, () => store.issue('device', randomUUID(), ttlMs)),
  );
  await waitFor(
    async () => {
      const probe = probes.shift();
      if (probe === undefined) throw new Error(`no ticket expired ${ttlMs} ms after its issue`);
      return (await store.redeem(probe, 'device')) === null;
    },
    { what: `tickets issued with a ${ttlMs} ms ttl to expire` },
  );
}
