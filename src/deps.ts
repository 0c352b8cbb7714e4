/**
 * The parts every feature is built from, made once by the composition root (server.ts) and
 * handed to constructors. Nothing here is a global.
 */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Db } from './store/connect.js';
import type { AccessStore } from './access/access-store.js';
import type { PrincipalStore } from './access/principals.js';
import type { Bus } from './seams/bus/bus.js';
import type { Presence } from './seams/presence/presence.js';
import type { TicketStore } from './seams/tickets/tickets.js';
import type { Revocations } from './seams/revocations/revocations.js';
import type { LoginAttempts } from './seams/login-attempts/login-attempts.js';
import type { History } from './seams/history/history.js';
import type { ResumeTokens } from './seams/history/tokens.js';
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
  /** With `--history on`: kept events with positions, and who each resume token belongs to. */
  readonly history?: History;
  readonly resumeTokens?: ResumeTokens;
  readonly codec: Codec;
  readonly tokens: TokenService;
  readonly metrics: Metrics;
  /** Unique id of this node (process), used in presence entries and logs. */
  readonly nodeId: string;
}
