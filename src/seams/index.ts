/**
 * Chooses the seam implementations for this node: in-process (one node; revocations persisted
 * in the database) or Redis (many nodes sharing one Redis, beside OpenTera's Python services).
 * The rest of the app sees only the interfaces.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../store/connect.js';
import type { Metrics } from '../metrics.js';
import type { Bus } from './bus/bus.js';
import type { Presence, PrincipalRef } from './presence/presence.js';
import type { TicketStore } from './tickets/tickets.js';
import type { Revocations } from './revocations/revocations.js';
import type { LoginAttempts } from './login-attempts/login-attempts.js';
import { MemoryLeadership, RedisLeadership, type Leadership } from './leadership/leadership.js';
import { MemoryBus } from './bus/memory.js';
import { MemoryPresence } from './presence/memory.js';
import { MemoryTicketStore } from './tickets/memory.js';
import { DbRevocations } from './revocations/db.js';
import { MemoryLoginAttempts } from './login-attempts/memory.js';
import { closeRedis, createRedis } from './redis-client.js';
import { RedisBus } from './bus/redis.js';
import { RedisPresence } from './presence/redis.js';
import { RedisTicketStore } from './tickets/redis.js';
import { RedisRevocations } from './revocations/redis.js';
import { RedisLoginAttempts } from './login-attempts/redis.js';

export interface SeamParts {
  bus: Bus;
  presence: Presence;
  tickets: TicketStore;
  revocations: Revocations;
  attempts: LoginAttempts;
}

export interface Seams {
  parts: SeamParts;
  /** True when the parts are shared with other nodes through Redis. */
  distributed: boolean;
  /** Whether this node does the UserManagerModule's cluster-wide duties (always, alone). */
  leader: Leadership;
  /**
   * Puts this node's presence entries back in the shared store now (after Redis restarted
   * empty); rejects while Redis is unreachable. Memory seams: nothing to do.
   */
  resync(): Promise<void>;
  /** Called once every part of the node exists, before it listens. */
  start(context: { tokenKeys: Record<string, string> }): Promise<void>;
  /**
   * Registers the listener for principals whose presence entries this node restored after
   * Redis came back empty (they must be announced again). Memory seams never call it.
   */
  onRestored(listener: (refs: PrincipalRef[]) => void): void;
  close(): Promise<void>;
}

export interface SeamContext {
  config: Config;
  db: Db;
  log: Logger;
  metrics: Metrics;
  nodeId: string;
}

const closeAll = (parts: SeamParts): Promise<unknown> =>
  Promise.all(
    [parts.presence, parts.tickets, parts.revocations, parts.attempts].map((p) => p.close()),
  ).then(() => parts.bus.close());

export async function buildSeams(ctx: SeamContext): Promise<Seams> {
  if (ctx.config.redis) return buildRedisSeams(ctx, ctx.config.redis);
  const parts: SeamParts = {
    bus: new MemoryBus({ log: ctx.log, metrics: ctx.metrics }),
    presence: new MemoryPresence(),
    tickets: new MemoryTicketStore(),
    revocations: new DbRevocations(ctx.db, { log: ctx.log }),
    attempts: new MemoryLoginAttempts(),
  };
  const leader = new MemoryLeadership();
  return {
    parts,
    distributed: false,
    leader,
    resync: async () => {},
    start: async () => {},
    onRestored: () => {},
    close: async () => {
      await leader.close();
      await closeAll(parts);
    },
  };
}

function buildRedisSeams(ctx: SeamContext, url: string): Seams {
  const log = ctx.log.child({ part: 'redis' });
  const redis = createRedis(url, { name: `commands:${ctx.nodeId.slice(0, 8)}`, log });
  let restoredListener: (refs: PrincipalRef[]) => void = () => {};
  const presence = new RedisPresence({
    redis,
    nodeId: ctx.nodeId,
    // Entries outlive their last refresh by 3/4 of --presence-ttl, and the leader sweeps every
    // 1/4: a dead node's principals are announced offline within --presence-ttl.
    ttlMs: ctx.config.presenceTtl * 750,
    log,
    onRestored: (refs) => restoredListener(refs),
  });
  // Half the presence ttl (at most 10 s): a dead leader's duties move on well within the ttl.
  const leaseMs = Math.min(Math.max((ctx.config.presenceTtl * 1000) / 2, 1000), 10_000);
  const leader = new RedisLeadership({ redis, nodeId: ctx.nodeId, ttlMs: leaseMs, log });
  const parts: SeamParts = {
    bus: new RedisBus({ url, log, metrics: ctx.metrics, name: `bus:${ctx.nodeId.slice(0, 8)}` }),
    presence,
    tickets: new RedisTicketStore({ redis }),
    revocations: new RedisRevocations({ redis, db: ctx.db, log }),
    attempts: new RedisLoginAttempts({ redis }),
  };
  let tokenKeys: Record<string, string> = {};
  const publishKeys = async (): Promise<void> => {
    if (Object.keys(tokenKeys).length === 0) return;
    try {
      await redis.mset(tokenKeys);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not publish token keys to Redis');
    }
  };
  // OpenTera's services read the signing keys from Redis: put them back after a Redis restart.
  redis.on('ready', () => void publishKeys());
  return {
    parts,
    distributed: true,
    leader,
    resync: async () => {
      await presence.restore();
    },
    async start(context) {
      tokenKeys = context.tokenKeys;
      await publishKeys();
    },
    onRestored(listener) {
      restoredListener = listener;
    },
    async close() {
      await leader.close();
      await closeAll(parts);
      await closeRedis(redis);
    },
  };
}
