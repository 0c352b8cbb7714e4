/**
 * Chooses the seam implementations for this node: in-process (one node; revocations persisted
 * in the database) or Redis (many nodes sharing one Redis). The rest of the app sees only the
 * interfaces.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/connect.js';
import type { Metrics } from '../metrics.js';
import type { Bus } from './bus.js';
import type { Presence } from './presence.js';
import type { TicketStore } from './tickets.js';
import type { Revocations } from './revocations.js';
import type { LoginAttempts } from './login-attempts.js';
import { MemoryBus } from './bus-memory.js';
import { MemoryPresence } from './presence-memory.js';
import { MemoryTicketStore } from './tickets-memory.js';
import { DbRevocations } from './revocations-db.js';
import { MemoryLoginAttempts } from './login-attempts-memory.js';

export interface SeamParts {
  bus: Bus;
  presence: Presence;
  tickets: TicketStore;
  revocations: Revocations;
  attempts: LoginAttempts;
}

export interface Seams {
  parts: SeamParts;
  /** Called once every part of the node exists, before it listens. */
  start?(context: { tokens: unknown }): Promise<void>;
  close(): Promise<void>;
}

export interface SeamContext {
  config: Config;
  db: Db;
  log: Logger;
  metrics: Metrics;
  nodeId: string;
}

export async function buildSeams(ctx: SeamContext): Promise<Seams> {
  const parts: SeamParts = {
    bus: new MemoryBus({ log: ctx.log, metrics: ctx.metrics }),
    presence: new MemoryPresence(),
    tickets: new MemoryTicketStore(),
    revocations: new DbRevocations(ctx.db),
    attempts: new MemoryLoginAttempts(),
  };
  return {
    parts,
    async close() {
      await Promise.all(Object.values(parts).map((p: { close(): Promise<void> }) => p.close()));
    },
  };
}
