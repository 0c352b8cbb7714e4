/**
 * The Presence contract (src/seams/presence/presence.ts), run against every implementation.
 * `open(n)` gives n handles on one fresh, shared presence state, as n nodes would see it (the
 * memory implementation returns one instance n times), or a skip reason; the suite closes them.
 * A connection is always left through the handle that joined it, as a node would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Presence } from '../../src/seams/presence/presence.js';
import { PRINCIPAL_KINDS } from '../../src/principal.js';
import { storeTest } from '../kit/with-store.js';

export type OpenPresence = (nodes: number) => Promise<Presence[] | { skip: string }>;

export function presenceContract(open: OpenPresence): void {
  const withNodes = (nodes: number, body: (p: Presence[]) => Promise<void>) =>
    storeTest(async () => {
      const handles = await open(nodes);
      if ('skip' in handles) return handles;
      return { handles, close: () => Promise.all(handles.map((h) => h.close())) };
    })(({ handles }) => body(handles));
  const withPresence = (body: (p: Presence) => Promise<void>) =>
    withNodes(1, ([p]) => body(p as Presence));

  test(
    'connections are counted: only the first join and the last leave say true',
    withPresence(async (p) => {
      for (const kind of PRINCIPAL_KINDS) {
        const uuid = randomUUID();
        assert.equal(await p.isOnline(kind, uuid), false);
        assert.equal(await p.join(kind, uuid, 'c1'), true, 'first connection: came online');
        assert.equal(await p.join(kind, uuid, 'c2'), false, 'second connection: already online');
        assert.equal(await p.isOnline(kind, uuid), true);
        assert.equal(await p.leave(kind, uuid, 'c1'), false, 'a connection remains');
        assert.equal(await p.isOnline(kind, uuid), true, 'no ghost offline (spec §10.9)');
        assert.equal(await p.leave(kind, uuid, 'c2'), true, 'last connection: went offline');
        assert.equal(await p.isOnline(kind, uuid), false);
        assert.equal(await p.join(kind, uuid, 'c3'), true, 'online again');
        assert.equal(await p.leave(kind, uuid, 'c3'), true);
      }
    }),
  );

  test(
    'leave of an unknown connection id is a no-op that returns false',
    withPresence(async (p) => {
      const uuid = randomUUID();
      assert.equal(await p.leave('user', uuid, 'never-joined'), false);
      assert.equal(await p.join('user', uuid, 'c1'), true);
      assert.equal(await p.leave('user', uuid, 'other'), false);
      assert.equal(await p.leave('participant', uuid, 'c1'), false, 'kinds are separate');
      assert.equal(await p.isOnline('user', uuid), true);
      assert.equal(await p.leave('user', uuid, 'c1'), true);
      assert.equal(await p.leave('user', uuid, 'c1'), false, 'a second leave is a no-op');
    }),
  );

  test(
    '100 concurrent joins give exactly one true, 100 concurrent leaves exactly one true',
    withNodes(4, async (nodes) => {
      const uuid = randomUUID();
      const node = (i: number): Presence => nodes[i % nodes.length] as Presence;
      const ids = Array.from({ length: 100 }, (_, i) => `conn-${i}`);
      const joins = await Promise.all(ids.map((id, i) => node(i).join('participant', uuid, id)));
      assert.equal(joins.filter(Boolean).length, 1);
      assert.equal(await node(1).isOnline('participant', uuid), true);
      const leaves = await Promise.all(ids.map((id, i) => node(i).leave('participant', uuid, id)));
      assert.equal(leaves.filter(Boolean).length, 1);
      assert.equal(await node(2).isOnline('participant', uuid), false);
    }),
  );

  test(
    'online lists one kind in the order principals came online',
    withPresence(async (p) => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await p.join('user', a, 'a1');
      await p.join('user', b, 'b1');
      await p.join('participant', randomUUID(), 'x1');
      await p.join('user', c, 'c1');
      await p.join('user', b, 'b2');
      assert.deepEqual(await p.online('user'), [a, b, c]);
      await p.leave('user', a, 'a1');
      await p.leave('user', b, 'b1');
      assert.deepEqual(await p.online('user'), [b, c], 'b still has b2');
      await p.join('user', a, 'a2');
      assert.deepEqual(await p.online('user'), [b, c, a], 'back online goes last');
      assert.equal((await p.online('participant')).length, 1);
      assert.deepEqual(await p.online('device'), []);
    }),
  );

  test(
    'busy keeps the first session, clears only on a match, and survives going offline',
    withPresence(async (p) => {
      const [u, s1, s2] = [randomUUID(), randomUUID(), randomUUID()];
      assert.equal(await p.setBusy('user', u, s1), true, 'busy while offline is allowed');
      assert.equal(await p.setBusy('user', u, s2), false, 'first session kept');
      assert.equal(await p.setBusy('user', u, s1), true, 'same session again is fine');
      assert.deepEqual(await p.busy('user'), new Map([[u, s1]]));
      assert.deepEqual(await p.busy('participant'), new Map(), 'kinds are separate');
      assert.equal(await p.clearBusy('user', u, s2), false, 'other session: not cleared');
      assert.deepEqual(await p.busy('user'), new Map([[u, s1]]));
      assert.equal(await p.clearBusy('user', u, s1), true);
      assert.deepEqual(await p.busy('user'), new Map());
      assert.equal(await p.clearBusy('user', u), false, 'nothing to clear');

      await p.join('device', u, 'd1');
      assert.equal(await p.setBusy('device', u, s2), true);
      assert.equal(await p.leave('device', u, 'd1'), true);
      assert.deepEqual(await p.busy('device'), new Map([[u, s2]]), 'offline keeps busy');
      assert.equal(await p.clearBusy('device', u), true, 'without a session: always clears');
      assert.deepEqual(await p.busy('device'), new Map());
    }),
  );

  test(
    'device status is kept only while the device is online',
    withPresence(async (p) => {
      const d = randomUUID();
      const first = { status: '{"battery": 80}', timestamp: 1_700_000_000 };
      const second = { status: '{"battery": 79}', timestamp: 1_700_000_060.5 };
      assert.equal(await p.setDeviceStatus(d, first), false, 'offline: refused');
      assert.deepEqual(await p.deviceStatuses(), new Map());
      await p.join('device', d, 'd1');
      await p.join('device', d, 'd2');
      assert.equal(await p.setDeviceStatus(d, first), true);
      assert.deepEqual(await p.deviceStatuses(), new Map([[d, first]]));
      assert.equal(await p.setDeviceStatus(d, second), true);
      assert.deepEqual(await p.deviceStatuses(), new Map([[d, second]]));
      await p.leave('device', d, 'd1');
      assert.deepEqual(await p.deviceStatuses(), new Map([[d, second]]), 'still online');
      await p.leave('device', d, 'd2');
      assert.deepEqual(await p.deviceStatuses(), new Map(), 'cleared on offline');
      assert.equal(await p.setDeviceStatus(d, first), false);
      await p.join('user', d, 'u1');
      assert.equal(await p.setDeviceStatus(d, first), false, 'a user with that uuid is not it');
    }),
  );

  test(
    'sweep reports nothing while every connection is live; close is idempotent',
    withNodes(2, async ([a, b]) => {
      const u = randomUUID();
      await a?.join('user', u, 'c1');
      assert.deepEqual(await b?.sweep(), []);
      assert.equal(await b?.isOnline('user', u), true);
      await a?.leave('user', u, 'c1');
      await a?.close();
      await a?.close();
    }),
  );
}
