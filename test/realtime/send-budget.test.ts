/**
 * The node-wide send budget: when sockets that stop reading together hold more unsent bytes
 * than --send-buffer-budget, the ones furthest behind are closed with 4001, although each one
 * alone is far below its own --send-buffer-limit; a socket that keeps reading is untouched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startTestServer, type TestServer } from '../kit/server.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  DeviceEvent_EventType,
  DeviceEventSchema,
  UserEventSchema,
} from '../../src/protocol/messages.js';
import { CLOSE } from '../../src/errors.js';
import { connect, nextMatching, pack, publish, seeded, type Seeded } from '../kit/sockets.js';

const SLOW = 3;

describe('send buffer budget', () => {
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer({
      sendBufferLimit: 64 * 1024 * 1024,
      sendBufferBudget: 4 * 1024 * 1024,
    });
    ids = await seeded(server);
  });
  after(() => server.close());

  const closes4001 = async (): Promise<number> => {
    const text = await server.deps.metrics.registry.getSingleMetricAsString(
      'terarelay_connection_closes_total',
    );
    const line = text.split('\n').find((l) => l.includes(`code="${CLOSE.SLOW_CONSUMER.code}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  test('sockets that stop reading are closed with 4001 once together they pass the budget', async () => {
    const admin = ids.users.admin!;
    const watch = ids.devices['Apple Watch #W05P1']!;
    const fast = await connect(server, 'user', admin);
    const slow = await Promise.all(
      Array.from({ length: SLOW }, () => connect(server, 'user', admin)),
    );
    const raws = slow.map((s) => (s.ws as unknown as { _socket: Socket })._socket);
    for (const raw of raws) raw.pause();

    const bulk = 'x'.repeat(32 * 1024);
    let closed = 0;
    for (let i = 0; i < 1000 && closed < SLOW; i++) {
      await publish(server, USER_MANAGER_EVENTS, [
        pack(DeviceEventSchema, {
          deviceUuid: watch,
          type: DeviceEvent_EventType.DEVICE_STATUS_CHANGED,
          deviceName: `bulk ${i}`,
          deviceStatus: bulk,
        }),
      ]);
      if (i % 20 === 0) {
        // The reading socket keeps up: it gets every probe, and is never closed.
        const tag = `probe ${i}`;
        await publish(server, USER_MANAGER_EVENTS, [
          pack(UserEventSchema, { userUuid: ids.users.user4!, type: 1, userFullname: tag }),
        ]);
        await nextMatching(fast, (f) => f.fields.userFullname === tag);
        closed = await closes4001();
      }
    }
    assert.equal(closed, SLOW, 'every socket that stopped reading was closed as a slow consumer');
    // The node's own figures: its unsent bytes now, their peak once the budget acted (held, but
    // never more than the budget), and the budget's closes.
    const metrics = (await server.request('/metrics')).text;
    const value = (name: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
      assert.ok(line, `${name} is on /metrics`);
      return Number(line.split(' ').pop());
    };
    assert.ok(value('terarelay_send_unsent_bytes') >= 0);
    const peak = value('terarelay_send_unsent_bytes_max');
    assert.ok(peak > 0, 'the stalled sockets held unsent bytes');
    assert.ok(peak <= 4 * 1024 * 1024, `the peak ${peak} stays within the budget`);
    assert.equal(value('terarelay_send_budget_closes_total'), SLOW);
    for (const raw of raws) raw.resume();
    for (const s of slow) assert.equal((await s.waitClose(15_000)).code, CLOSE.SLOW_CONSUMER.code);
    const tag = 'after';
    await publish(server, USER_MANAGER_EVENTS, [
      pack(UserEventSchema, { userUuid: ids.users.user4!, type: 1, userFullname: tag }),
    ]);
    await nextMatching(fast, (f) => f.fields.userFullname === tag);
    fast.close();
  });
});
