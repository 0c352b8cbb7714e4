/**
 * Leadership: the memory one always leads; on Redis, one lease elects exactly one node, which
 * hands over when it closes, and a new election follows a Redis restart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Redis } from 'ioredis';
import { closeRedis, createRedis } from '../../src/seams/redis-client.js';
import {
  LEADER_KEY,
  MemoryLeadership,
  RedisLeadership,
} from '../../src/seams/leadership/leadership.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { eventually } from '../kit/sockets.js';

const log = pino({ level: 'silent' });

test('MemoryLeadership leads until closed', async () => {
  const leader = new MemoryLeadership();
  assert.equal(leader.isLeader, true);
  await leader.close();
  await leader.close();
  assert.equal(leader.isLeader, false);
});

describe('RedisLeadership', () => {
  let server: PrivateRedis | { skip: string };
  const clients: Redis[] = [];
  const leaders: RedisLeadership[] = [];

  before(async () => {
    server = await startPrivateRedis();
  });
  after(async () => {
    for (const l of leaders) await l.close();
    for (const c of clients) await closeRedis(c);
    if (!('skip' in server)) await server.close();
  });

  const node = (id: string, changes: boolean[] = []): RedisLeadership => {
    if ('skip' in server) throw new Error(server.skip);
    const redis = createRedis(server.url, { name: `leader-${id}` });
    clients.push(redis);
    const leader = new RedisLeadership({ redis, nodeId: id, ttlMs: 600, log });
    leader.onChange((l) => changes.push(l));
    leaders.push(leader);
    return leader;
  };
  const count = (nodes: RedisLeadership[]) => nodes.filter((n) => n.isLeader).length;

  test('one of three nodes leads; closing it hands the lease to another', async (t) => {
    if ('skip' in server) return t.skip(server.skip);
    const changes: boolean[] = [];
    const nodes = [node('n1', changes), node('n2'), node('n3')];
    await eventually(() => count(nodes) === 1);
    const first = nodes.find((n) => n.isLeader)!;
    await first.close();
    await first.close();
    assert.equal(first.isLeader, false);
    const rest = nodes.filter((n) => n !== first);
    await eventually(() => count(rest) === 1);
    if (first === nodes[0]) assert.deepEqual(changes, [true, false], 'listener heard both');
    for (const n of rest) await n.close();
  });

  test('a leader whose key was taken steps down; losing Redis stops it; a restart elects again', async (t) => {
    if ('skip' in server) return t.skip(server.skip);
    const redis = server as PrivateRedis;
    const ids = ['r1', 'r2'];
    const nodes = ids.map((id) => node(id));
    await eventually(() => count(nodes) === 1);
    const admin = createRedis(redis.url, { name: 'admin' });
    clients.push(admin);
    await admin.set(LEADER_KEY, 'someone-else', 'PX', 60_000);
    await eventually(() => count(nodes) === 0);
    await admin.del(LEADER_KEY);
    await eventually(() => count(nodes) === 1);
    await redis.stop(true);
    await eventually(() => count(nodes) === 0);
    await redis.start();
    await eventually(() => count(nodes) === 1, 10_000);
    const holder = ids[nodes.findIndex((n) => n.isLeader)];
    assert.equal(await admin.get(LEADER_KEY), holder, 'the leader holds the key');
  });
});
