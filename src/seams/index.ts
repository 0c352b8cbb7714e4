/**
 * Chooses the seam implementations for this node: in-process (one node; revocations persisted
 * in the database) or Redis (many nodes sharing one Redis, beside OpenTera's Python services).
 * The rest of the app sees only the interfaces; with Redis, server.ts also wires the
 * RedisLifecycle.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../store/connect.js';
import type { Metrics } from '../metrics.js';
import type { Bus } from './bus/bus.js';
import type { Presence } from './presence/presence.js';
import type { TicketStore } from './tickets/tickets.js';
import type { Revocations } from './revocations/revocations.js';
import type { LoginAttempts } from './login-attempts/login-attempts.js';
import type { Leadership } from './leadership/leadership.js';
import { MemoryLeadership } from './leadership/memory.js';
import { RedisLeadership } from './leadership/redis.js';
import { MemoryBus } from './bus/memory.js';
import { MemoryPresence } from './presence/memory.js';
import { MemoryTicketStore } from './tickets/memory.js';
import { DbRevocations } from './revocations/db.js';
import { MemoryLoginAttempts } from './login-attempts/memory.js';
import { closeRedis, createRedis } from './redis-client.js';
import { RedisLifecycle } from './redis-lifecycle.js';
import type { RedisLinks } from './redis-links.js';
import { RedisBus } from './bus/redis.js';
import { RedisPresence } from './presence/redis.js';
import { presenceTimings } from './presence/timings.js';
import { RedisTicketStore } from './tickets/redis.js';
import { RedisRevocations } from './revocations/redis.js';
import { RedisLoginAttempts } from './login-attempts/redis.js';
import { streamTtlMs, type History, type HistoryBounds } from './history/history.js';
import type { ResumeTokens } from './history/tokens.js';
import { MemoryHistory, MemoryResumeTokens } from './history/memory.js';
import { RedisHistory } from './history/redis.js';
import { RedisResumeTokens } from './history/tokens-redis.js';
import { HistoryBus } from './history/bus.js';

export interface SeamParts {
  bus: Bus;
  presence: Presence;
  tickets: TicketStore;
  revocations: Revocations;
  attempts: LoginAttempts;
  /** With `--history on`: the kept events and the resume tokens (`bus` then appends to it). */
  history?: History;
  resumeTokens?: ResumeTokens;
}

export interface Seams {
  parts: SeamParts;
  /** Whether this node does the UserManagerModule's cluster-wide duties (always, alone). */
  leader: Leadership;
  /** Only when the parts are shared through Redis: what the node must wire for that. */
  redis?: RedisLifecycle;
  close(): Promise<void>;
}

export interface SeamContext {
  config: Config;
  db: Db;
  log: Logger;
  metrics: Metrics;
  nodeId: string;
  /** With Redis: the node's links, which every Redis client of the seams joins. */
  links?: RedisLinks;
}

export async function buildSeams(ctx: SeamContext): Promise<Seams> {
  return ctx.config.redis ? buildRedisSeams(ctx, ctx.config.redis) : buildMemorySeams(ctx);
}

/** What `--history-size`, `--history-seconds` and the pong timeout make each topic keep. */
export function historyBounds(config: Config): HistoryBounds {
  const { historySize: size, historySeconds: seconds, pongTimeout } = config;
  return { size, seconds, idleTtlMs: streamTtlMs(seconds, pongTimeout) };
}

function buildMemorySeams(ctx: SeamContext): Seams {
  const raw = new MemoryBus({ log: ctx.log, metrics: ctx.metrics });
  const history =
    ctx.config.history === 'on'
      ? new MemoryHistory({ raw, bounds: historyBounds(ctx.config), log: ctx.log })
      : undefined;
  const parts: SeamParts = {
    bus: history ? new HistoryBus(raw, history) : raw,
    presence: new MemoryPresence(),
    tickets: new MemoryTicketStore(),
    revocations: new DbRevocations(ctx.db, { log: ctx.log }),
    attempts: new MemoryLoginAttempts(),
    ...(history ? { history, resumeTokens: new MemoryResumeTokens() } : {}),
  };
  const leader = new MemoryLeadership();
  return { parts, leader, close: () => closeSeams(leader, parts) };
}

/** One `commands` client shared by every part but the bus, which has its own two links. */
function buildRedisSeams(ctx: SeamContext, url: string): Seams {
  const log = ctx.log.child({ part: 'redis' });
  const name = ctx.nodeId.slice(0, 8);
  const redis = createRedis(url, { name: `commands:${name}`, log, links: ctx.links });
  const timings = presenceTimings(ctx.config.presenceTtl);
  const presence = new RedisPresence({ redis, nodeId: ctx.nodeId, timings, log });
  const leader = new RedisLeadership({ redis, nodeId: ctx.nodeId, ttlMs: timings.leaseMs, log });
  // The rows behind the Redis sets; RedisRevocations purges them on its own sweep.
  const rows = new DbRevocations(ctx.db, { purgeIntervalMs: 0, log });
  const raw = new RedisBus({
    url,
    log,
    metrics: ctx.metrics,
    name: `bus:${name}`,
    links: ctx.links,
  });
  const history =
    ctx.config.history === 'on'
      ? new RedisHistory({
          url,
          bus: raw,
          bounds: historyBounds(ctx.config),
          log,
          metrics: ctx.metrics,
          name,
          links: ctx.links,
        })
      : undefined;
  const parts: SeamParts = {
    bus: history ? new HistoryBus(raw, history) : raw,
    presence,
    tickets: new RedisTicketStore({ redis }),
    revocations: new RedisRevocations({ redis, store: rows, log }),
    attempts: new RedisLoginAttempts({ redis }),
    ...(history ? { history, resumeTokens: new RedisResumeTokens({ redis }) } : {}),
  };
  const lifecycle = new RedisLifecycle({ redis, presence, log });
  return {
    parts,
    leader,
    redis: lifecycle,
    async close() {
      lifecycle.close();
      await closeSeams(leader, parts);
      await rows.close();
      await closeRedis(redis);
    },
  };
}

/** The leader first (a Redis leader hands over at once), then the parts, the bus last. */
async function closeSeams(leader: Leadership, parts: SeamParts): Promise<void> {
  await leader.close();
  await Promise.all(
    [parts.presence, parts.tickets, parts.revocations, parts.attempts].map((p) => p.close()),
  );
  await Promise.all([parts.history?.close(), parts.resumeTokens?.close()]);
  await parts.bus.close();
}
