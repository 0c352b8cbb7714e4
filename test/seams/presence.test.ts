import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Presence, PrincipalRef } from '../../src/seams/presence/presence.js';
import { MemoryPresence } from '../../src/seams/presence/memory.js';
import { RedisPresence } from '../../src/seams/presence/redis.js';
import { presenceTimings } from '../../src/seams/presence/timings.js';
import { presenceContract } from '../contracts/presence.contract.js';
import { waitFor } from '../kit/waiting.js';
import { redisSuite } from '../kit/redis-suite.js';

const log = pino({ level: 'silent' });

describe('MemoryPresence', () => {
  presenceContract(async (nodes) => {
    const shared = new MemoryPresence();
    return Array.from({ length: nodes }, () => shared);
  });
});

describe('RedisPresence', () => {
  const suite = redisSuite();
  /**
   * One node's presence as buildSeams makes it: on the node's own `commands` client, with the
   * timings of a --presence-ttl of `presenceTtl` seconds (40: entries live 30 s).
   */
  const node = (prefix: string, presenceTtl = 40): RedisPresence => {
    const nodeId = `node-${randomUUID().slice(0, 8)}`;
    const redis = suite.client(`commands:${nodeId}`);
    const timings = presenceTimings(presenceTtl);
    return suite.own(new RedisPresence({ redis, nodeId, timings, log, prefix }));
  };
  const admin = (): Redis => suite.client('admin');
  const fresh = (): string => `terarelay:test:${randomUUID()}:`;
  const names = (refs: PrincipalRef[]): string[] => refs.map((r) => `${r.kind}:${r.uuid}`).sort();

  presenceContract(async (nodes) => {
    if ('skip' in suite.server) return suite.server;
    const prefix = fresh();
    return Array.from({ length: nodes }, () => node(prefix));
  });

  test('two nodes share one state; keys live under the terarelay: prefix', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const r = admin();
    const [a, b] = [node('terarelay:presence:'), node('terarelay:presence:')];
    const u = randomUUID();
    assert.equal(await a.join('user', u, 'on-a'), true);
    assert.equal(await b.join('user', u, 'on-b'), false);
    assert.equal(await b.isOnline('user', u), true);
    assert.ok((await b.online('user')).includes(u));
    const p = 'terarelay:presence:user:';
    assert.deepEqual(await r.zrange(`${p}conns:${u}`, '0', '-1'), ['on-a', 'on-b']);
    assert.ok((await r.zrange(`${p}entries`, '0', '-1')).includes(`${u}|on-a`));
    assert.ok((await r.keys('*')).every((k) => k.startsWith('terarelay:')));
    assert.equal(await a.setBusy('user', u, 's1'), true);
    assert.equal(await b.setBusy('user', u, 's2'), false);
    assert.equal(await a.leave('user', u, 'on-a'), false);
    assert.equal(await b.leave('user', u, 'on-b'), true);
    assert.equal(await a.isOnline('user', u), false);
    assert.equal(await b.clearBusy('user', u, 's1'), true);
    assert.equal(await r.exists(`${p}conns:${u}`), 0, 'nothing left behind');
  });

  test("a dead node's principals expire and are reported once by sweep", async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const prefix = fresh();
    const ttl = 0.4; // entries live 300 ms
    const [dead, alive, sweeper] = [node(prefix, ttl), node(prefix, ttl), node(prefix, ttl)];
    const [gone, device, shared, kept] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await dead.join('user', gone, 'g1');
    await dead.join('user', gone, 'g2');
    await dead.join('device', device, 'd1');
    await dead.setDeviceStatus(device, { status: '{}', timestamp: 1 });
    await dead.join('participant', shared, 's-dead');
    await alive.join('participant', shared, 's-alive');
    await alive.join('user', kept, 'k1');
    await dead.setBusy('user', gone, 'session');
    await dead.close(); // stops refreshing, leaves its entries behind: a crashed node

    // Each entry expires on its own schedule: wait for every one the assertions below rely on.
    await waitFor(
      async () =>
        !(await alive.isOnline('user', gone)) && !(await alive.isOnline('device', device)),
      { what: "the dead node's user and device entries to expire" },
    );
    assert.equal(await alive.setDeviceStatus(device, { status: '{}', timestamp: 2 }), false);

    const reported: PrincipalRef[] = [];
    await waitFor(
      async () => {
        // Two sweepers at once: each principal is reported by exactly one of them.
        const [x, y] = await Promise.all([alive.sweep(), sweeper.sweep()]);
        reported.push(...x, ...y);
        return reported.length >= 2;
      },
      { what: 'sweep to report the dead node' },
    );
    reported.push(...(await alive.sweep()), ...(await sweeper.sweep()));
    assert.deepEqual(
      names(reported),
      names([
        { kind: 'user', uuid: gone },
        { kind: 'device', uuid: device },
      ]),
    );
    assert.deepEqual(await alive.deviceStatuses(), new Map(), 'status cleared by sweep');
    assert.deepEqual(await alive.online('user'), [kept]);
    assert.deepEqual(await alive.online('participant'), [shared], 'one live connection left');
    assert.deepEqual(await alive.busy('user'), new Map([[gone, 'session']]), 'busy survives');
    assert.equal(await alive.leave('participant', shared, 's-alive'), true);
  });

  test('after Redis restarts empty, live nodes restore their entries; dead ones are gone', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const prefix = fresh();
    const restored: PrincipalRef[] = [];
    const live = node(prefix);
    live.onRestored((refs) => restored.push(...refs));
    const dead = node(prefix);
    const other = node(prefix);
    const [u, d, ghost] = [randomUUID(), randomUUID(), randomUUID()];
    await live.join('user', u, 'u1');
    await live.join('user', u, 'u2');
    await live.join('device', d, 'd1');
    await live.leave('user', u, 'u2');
    await dead.join('user', ghost, 'x1');
    await dead.close();

    await server.stop(true);
    await server.start();
    await waitFor(() => restored.length >= 2, { what: 'the live node to restore its entries' });
    assert.deepEqual(
      names(restored),
      names([
        { kind: 'user', uuid: u },
        { kind: 'device', uuid: d },
      ]),
    );
    assert.equal(await other.isOnline('user', u), true);
    assert.equal(await other.isOnline('user', ghost), false, 'no ghost presence');
    assert.deepEqual(await other.online('user'), [u]);
    assert.equal(await other.join('user', u, 'elsewhere'), false, 'u never went offline');
    assert.equal(await live.leave('user', u, 'u1'), false);
    assert.equal(await other.leave('user', u, 'elsewhere'), true);

    // restore() on demand: the same re-registration, reported to the caller and the listener.
    await admin().flushall();
    restored.length = 0;
    const back = await live.restore();
    assert.deepEqual(names(back), names([{ kind: 'device', uuid: d }]));
    assert.deepEqual(names(restored), names(back));
    assert.equal(await other.isOnline('device', d), true);
    assert.deepEqual(await live.restore(), [], 'nothing missing any more');
  });

  test('a node refreshes its entries: they outlive the ttl while it runs', async (t) => {
    const server = suite.server;
    if ('skip' in server) return t.skip(server.skip);
    const prefix = fresh();
    const [a, b]: [Presence, Presence] = [
      node(prefix, 0.2), // entries live 150 ms
      node(prefix, 0.2),
    ];
    const u = randomUUID();
    await a.join('user', u, 'c1');
    const r = admin();
    const key = `${prefix}user:conns:${u}`;
    const first = Number(await r.zscore(key, 'c1'));
    await waitFor(async () => Number(await r.zscore(key, 'c1')) > first + 150, {
      what: 'two refreshes',
    });
    assert.deepEqual(await b.sweep(), []);
    assert.equal(await b.isOnline('user', u), true);
    assert.equal(await a.leave('user', u, 'c1'), true);
  });
});
