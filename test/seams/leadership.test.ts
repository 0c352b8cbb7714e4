/**
 * Leadership: the memory one always leads; on Redis, one lease elects exactly one node, which
 * hands over when it closes, and a new election follows a Redis restart.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MemoryLeadership } from '../../src/seams/leadership/memory.js';
import { LEADER_KEY, RedisLeadership } from '../../src/seams/leadership/redis.js';
import { redisSuite } from '../kit/redis-suite.js';
import { waitFor } from '../kit/waiting.js';

const log = pino({ level: 'silent' });

test('MemoryLeadership leads until closed', async () => {
  const leader = new MemoryLeadership();
  assert.equal(leader.isLeader, true);
  await leader.close();
  await leader.close();
  assert.equal(leader.isLeader, false);
});

describe('RedisLeadership', () => {
  const suite = redisSuite();

  const node = (id: string, changes: boolean[] = []): RedisLeadership => {
    const redis = suite.client(`leader-${id}`);
    const leader = new RedisLeadership({ redis, nodeId: id, ttlMs: 600, log });
    leader.onChange((l) => changes.push(l));
    return suite.own(leader);
  };
  const count = (nodes: RedisLeadership[]) => nodes.filter((n) => n.isLeader).length;
  /** Waits until exactly `leaders` of `nodes` lead. */
  const leading = (nodes: RedisLeadership[], leaders: number) =>
    waitFor(() => count(nodes) === leaders, { what: `${leaders} leader(s)` });

  test('one of three nodes leads; closing it hands the lease to another', async (t) => {
    if ('skip' in suite.server) return t.skip(suite.server.skip);
    const changes: boolean[] = [];
    const nodes = [node('n1', changes), node('n2'), node('n3')];
    await leading(nodes, 1);
    const first = nodes.find((n) => n.isLeader)!;
    await first.close();
    await first.close();
    assert.equal(first.isLeader, false);
    const rest = nodes.filter((n) => n !== first);
    await leading(rest, 1);
    if (first === nodes[0]) assert.deepEqual(changes, [true, false], 'listener heard both');
    for (const n of rest) await n.close();
  });

  test('a leader whose key was taken steps down; losing Redis stops it; a restart elects again', async (t) => {
    const redis = suite.server;
    if ('skip' in redis) return t.skip(redis.skip);
    const ids = ['r1', 'r2'];
    const nodes = ids.map((id) => node(id));
    await leading(nodes, 1);
    const admin = suite.client('admin');
    await admin.set(LEADER_KEY, 'someone-else', 'PX', 60_000);
    await leading(nodes, 0);
    await admin.del(LEADER_KEY);
    await leading(nodes, 1);
    await redis.stop(true);
    await leading(nodes, 0);
    await redis.start();
    await leading(nodes, 1);
    const holder = ids[nodes.findIndex((n) => n.isLeader)];
    assert.equal(await admin.get(LEADER_KEY), holder, 'the leader holds the key');
  });
});
