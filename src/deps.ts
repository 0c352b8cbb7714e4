/**
 * The parts every feature is built from, made once by the composition root (server.ts) and
 * handed to constructors. Nothing here is a global.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './db/connect.js';
import type { AccessStore } from './access/access-store.js';
import type { PrincipalStore } from './access/principals.js';
import type { Bus } from './cluster/bus.js';
import type { Presence } from './cluster/presence.js';
import type { TicketStore } from './cluster/tickets.js';
import type { Revocations } from './cluster/revocations.js';
import type { LoginAttempts } from './cluster/login-attempts.js';
import type { Codec } from './protocol/codec.js';
import type { TokenService } from './auth/tokens.js';
import type { Metrics } from './metrics.js';

export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Db;
  readonly access: AccessStore;
  readonly principals: PrincipalStore;
  readonly bus: Bus;
  readonly presence: Presence;
  readonly tickets: TicketStore;
  readonly revocations: Revocations;
  readonly attempts: LoginAttempts;
  readonly codec: Codec;
  readonly tokens: TokenService;
  readonly metrics: Metrics;
  /** Unique id of this node (process), used in presence entries and logs. */
  readonly nodeId: string;
}
