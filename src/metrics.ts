/**
 * Prometheus metrics of one node, on a private registry (two servers in one test process
 * must not share counters). Served at GET /metrics; README.md lists every series.
 *
 * Every series whose label values are known in advance exists, at zero, from the first scrape.
 * Readings that belong to another part (password checks waiting, the lease, the database) are
 * taken at scrape time from the sources that part hands to `watch`; until then they read 0.
 * Durations are in seconds.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CLOSE } from './errors.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from './principal.js';
import { DATABASE_CHECK_MS } from './readiness.js';
import { withTimeout } from './util/timers.js';

export const PASSWORD_CHECKS_METRIC = 'terarelay_password_checks_total';
export const PENDING_CHECKS_METRIC = 'terarelay_password_checks_pending';

/** The `outcome` values of a login, per kind: its refusal, or `success`. */
export const LOGIN_OUTCOMES: Readonly<Record<PrincipalKind, readonly string[]>> = {
  user: ['success', 'unauthorized', 'throttled'],
  participant: ['success', 'unauthorized', 'throttled'],
  device: ['success', 'refused'],
};

/** Why a bus message or event was dropped before reaching any socket. */
const DROP_REASONS = ['undecodable', 'unknown-type', 'unencodable', 'error'];
/** The close codes the server sends, and 1006 for a connection it drops. */
const CLOSE_CODES = [...Object.values(CLOSE).map((c) => String(c.code)), '1006'];

/** How a resume attempt ended: recovered, or why not. */
export const RESUME_OUTCOMES = [
  'recovered',
  'unknown_token',
  'epoch',
  'position',
  'trimmed',
  'too_large',
] as const;
export type ResumeOutcome = (typeof RESUME_OUTCOMES)[number];

/** Why a websocket upgrade was refused before the upgrade (an HTTP answer). */
export const UPGRADE_REFUSALS = [
  'not_found',
  'bad_request',
  'bad_ticket',
  'principal_disabled',
  'draining',
  'error',
] as const;
export type UpgradeRefusal = (typeof UPGRADE_REFUSALS)[number];

/** What became of a POST /api/service/events, by its answer: 202, 401, another 4xx, 5xx. */
export const SERVICE_EVENT_OUTCOMES = [
  'accepted',
  'unauthorized',
  'unknown_principal',
  'invalid',
  'error',
] as const;
export type ServiceEventOutcome = (typeof SERVICE_EVENT_OUTCOMES)[number];

/** What other parts report at scrape time. */
export interface MetricSources {
  /** Password checks running and waiting for their turn (PasswordChecks). */
  passwordChecks(): { running: number; waiting: number };
  /** True while this node holds the UserManager lease. */
  leader(): boolean;
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  database(): Promise<unknown>;
  /** Bytes written to sockets and not yet sent, as the node's send budget last measured them. */
  unsentBytes(): number;
  /** The most unsent bytes the node held at the end of a write batch (./realtime/send-budget.ts). */
  unsentPeakBytes(): number;
}

export interface MetricsOptions {
  /** Node.js runtime metrics (process, heap, event loop, GC). Default true. */
  defaultMetrics?: boolean;
  /** `terarelay_build_info` labels. */
  version?: string;
  node?: string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly sources: Partial<MetricSources> = {};
  readonly connections = new Gauge({
    name: 'terarelay_connections',
    help: 'Open websocket connections by principal kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly eventsDelivered = new Counter({
    name: 'terarelay_events_delivered_total',
    help: 'Frames sent to websocket clients',
    registers: [this.registry],
  });
  readonly eventsDropped = new Counter({
    name: 'terarelay_events_dropped_total',
    help: 'Bus messages dropped before fan-out, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'terarelay_connection_closes_total',
    help: 'Websocket closes initiated by the server, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly resumes = new Counter({
    name: 'terarelay_resumes_total',
    help: 'Resume attempts of clients opting in (terarelay-resume.v1), by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly busErrors = new Counter({
    name: 'terarelay_bus_errors_total',
    help: 'Bus publish or subscribe failures (messages lost)',
    labelNames: ['op'] as const,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'terarelay_logins_total',
    help: 'Login attempts by principal kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  /** Set by the composition root; absent from the registry without Redis. */
  readonly redisUp = new Gauge({
    name: 'terarelay_redis_up',
    help: '1 while every Redis link of this node is up, else 0',
    registers: [this.registry],
  });

  readonly loginDuration = new Histogram({
    name: 'terarelay_login_duration_seconds',
    help: 'Login requests from arrival to answer, by principal kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly eventDelivery = new Histogram({
    name: 'terarelay_event_delivery_seconds',
    help: 'One event from bus receipt until written to every socket that may see it',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly busPublish = new Histogram({
    name: 'terarelay_bus_publish_seconds',
    help: 'Bus publishes, until handed over (or given up: then also counted in bus_errors)',
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly upgradeRefusals = new Counter({
    name: 'terarelay_upgrade_refusals_total',
    help: 'Websocket upgrades refused with an HTTP answer, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly eventsFiltered = new Counter({
    name: 'terarelay_events_filtered_total',
    help: 'Events removed by the access filter: sent to none of the sockets listening (once per event)',
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'terarelay_http_requests_total',
    help: 'HTTP requests answered, by route pattern (`unmatched` for none) and status',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly serviceEvents = new Counter({
    name: 'terarelay_service_events_total',
    help: 'POST /api/service/events requests by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly passwordChecks = new Counter({
    name: PASSWORD_CHECKS_METRIC,
    help: 'bcrypt password checks started (logins refused by the failure limits run none)',
    registers: [this.registry],
  });
  readonly passwordChecksPending = new Gauge({
    name: PENDING_CHECKS_METRIC,
    help: 'Password checks running, and waiting for their turn',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      const { running, waiting } = this.sources.passwordChecks?.() ?? { running: 0, waiting: 0 };
      this.passwordChecksPending.set({ state: 'running' }, running);
      this.passwordChecksPending.set({ state: 'waiting' }, waiting);
    },
  });
  readonly leader = new Gauge({
    name: 'terarelay_leader',
    help: '1 while this node holds the UserManager lease, else 0',
    registers: [this.registry],
    collect: (): void => this.leader.set(this.sources.leader?.() ? 1 : 0),
  });
  readonly databaseUp = new Gauge({
    name: 'terarelay_database_up',
    help: `1 when the database answered a trivial query within ${DATABASE_CHECK_MS} ms of the scrape, else 0`,
    registers: [this.registry],
    collect: async (): Promise<void> => this.databaseUp.set((await this.databaseAnswers()) ? 1 : 0),
  });
  readonly sendUnsent = new Gauge({
    name: 'terarelay_send_unsent_bytes',
    help: "Bytes written to sockets and not yet sent, as the node's send budget last measured them",
    registers: [this.registry],
    collect: (): void => this.sendUnsent.set(this.sources.unsentBytes?.() ?? 0),
  });
  readonly sendUnsentMax = new Gauge({
    name: 'terarelay_send_unsent_bytes_max',
    help: 'The most unsent bytes the node held at the end of a write batch since it started, once the send budget acted',
    registers: [this.registry],
    collect: (): void => this.sendUnsentMax.set(this.sources.unsentPeakBytes?.() ?? 0),
  });
  readonly sendBudgetCloses = new Counter({
    name: 'terarelay_send_budget_closes_total',
    help: 'Sockets closed with 4001 because the node passed --send-buffer-budget (also in connection_closes_total)',
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'terarelay_build_info',
    help: 'Always 1; its labels name the version and this node',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: options.version ?? 'unknown', node: options.node ?? '' }, 1);
    for (const kind of PRINCIPAL_KINDS) {
      this.connections.set({ kind }, 0);
      for (const outcome of LOGIN_OUTCOMES[kind]) {
        this.logins.inc({ kind, outcome }, 0);
        this.loginDuration.zero({ kind, outcome });
      }
    }
    for (const reason of UPGRADE_REFUSALS) this.upgradeRefusals.inc({ reason }, 0);
    for (const outcome of SERVICE_EVENT_OUTCOMES) this.serviceEvents.inc({ outcome }, 0);
    for (const op of ['publish', 'subscribe']) this.busErrors.inc({ op }, 0);
    for (const reason of DROP_REASONS) this.eventsDropped.inc({ reason }, 0);
    for (const code of CLOSE_CODES) this.closes.inc({ code }, 0);
    for (const outcome of RESUME_OUTCOMES) this.resumes.inc({ outcome }, 0);
  }

  /** Where the scrape-time readings come from; a later call replaces what it names. */
  watch(sources: Partial<MetricSources>): void {
    Object.assign(this.sources, sources);
  }

  private async databaseAnswers(): Promise<boolean> {
    const check = this.sources.database;
    if (!check) return false;
    try {
      await withTimeout(check(), DATABASE_CHECK_MS, 'database check');
      return true;
    } catch {
      return false;
    }
  }
}
