/**
 * A consumer that never reads is closed with 4001 once its unsent bytes pass the bound, while
 * the other connections keep receiving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startTestServer, type TestServer } from '../kit/server.js';
import { directTopic, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  DeviceEvent_EventType,
  DeviceEventSchema,
  UserEventSchema,
} from '../../src/protocol/messages.js';
import { CLOSE } from '../../src/errors.js';
import { connect, nextMatching, pack, publish, seeded, type Seeded } from '../kit/sockets.js';

describe('slow consumer', () => {
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer({ sendBufferLimit: 64 * 1024 });
    ids = await seeded(server);
  });
  after(() => server.close());

  test('a consumer that never reads is closed with its code; the others keep receiving', async () => {
    const watch = ids.devices['Apple Watch #W05P1']!;
    const fast = await connect(server, 'user', ids.users.admin!);
    const slow = await connect(server, 'device', watch);
    // Stop reading: the kernel buffers fill, then the server's send buffer.
    const raw = (slow.ws as unknown as { _socket: Socket })._socket;
    raw.pause();

    const bulk = 'x'.repeat(32 * 1024);
    const status = (i: number) =>
      pack(DeviceEventSchema, {
        deviceUuid: watch,
        type: DeviceEvent_EventType.DEVICE_STATUS_CHANGED,
        deviceName: `bulk ${i}`,
        deviceStatus: bulk,
      });
    let slowGone = false;
    let probes = 0;
    for (let i = 0; i < 4000 && !slowGone; i++) {
      await publish(server, directTopic('device', watch), [status(i)]);
      if (i % 20 === 0) {
        // The fast client gets every probe while the slow one is flooded.
        const tag = `probe ${probes++}`;
        await publish(server, USER_MANAGER_EVENTS, [
          pack(UserEventSchema, { userUuid: ids.users.user4!, type: 1, userFullname: tag }),
        ]);
        for (;;) {
          const f = await nextMatching(
            fast,
            (x) => x.fields.userFullname === tag || x.fields.deviceUuid === watch,
          );
          if (f.fields.deviceUuid === watch && f.fields.type === 'DEVICE_DISCONNECTED')
            slowGone = true;
          if (f.fields.userFullname === tag) break;
        }
      }
    }
    assert.ok(slowGone, 'the slow device went offline while the fast client kept receiving');
    raw.resume();
    const closed = await slow.waitClose(15_000);
    assert.equal(closed.code, CLOSE.SLOW_CONSUMER.code);
    assert.equal(closed.code >= 4001 && closed.code <= 4099, true);
    fast.close();
  });
});
