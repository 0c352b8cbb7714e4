/**
 * Composition root: builds every part from a Config, starts listening, and returns a handle
 * whose stop() tears everything down in reverse order, and whose drain() first turns the node
 * unready and spreads the websocket closes (SIGINT/SIGTERM). Nothing else wires parts together.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Server } from 'node:net';
import pino, { type Logger } from 'pino';
import type { LogEvent } from 'kysely';
import { ConfigError, publicOrigin, type Config } from './config.js';
import type { Deps } from './deps.js';
import { openDb, type Db } from './store/connect.js';
import { migrateToLatest } from './store/migrate.js';
import { seedIfEmpty, type SeedReport } from './store/seed/seed.js';
import { AccessStore } from './access/access-store.js';
import type { AccessSets } from './access/access.js';
import { PrincipalStore } from './access/principals.js';
import { createCodec } from './protocol/codec.js';
import { TokenService } from './auth/tokens.js';
import { Metrics } from './metrics.js';
import { Audit } from './audit.js';
import { packageVersion } from './version.js';
import { reloadTls, resolveTls, tlsTicketKeys } from './tls.js';
import { Readiness } from './readiness.js';
import { databaseAnswers } from './store/queries/health.js';
import { buildApp, buildInternalApp, type App } from './http/app.js';
import { registerApi } from './http/routes.js';
import { Authenticator } from './auth/authenticate.js';
import { Accounts } from './auth/accounts.js';
import { LastOnline } from './auth/last-online.js';
import { LoginCatalog } from './store/cache.js';
import { LoginThrottle } from './auth/lockout.js';
import { PasswordChecks } from './auth/password-checks.js';
import { WebsocketUrls } from './auth/public-origin.js';
import { Gateway } from './realtime/gateway.js';
import { Hub } from './realtime/hub.js';
import { AccessRefresher } from './realtime/access-refresh.js';
import { Heartbeat } from './realtime/heartbeat.js';
import { SendBudget } from './realtime/send-budget.js';
import { Resume } from './realtime/resume.js';
import type { Connection } from './realtime/connection.js';
import { UserManager } from './presence/user-manager.js';
import { UserManagerRpc } from './presence/rpc.js';
import { LocalPresence } from './presence/local-presence.js';
import { DeviceStatusLimit } from './presence/device-status-limit.js';
import { buildSeams, type Seams } from './seams/index.js';
import { RedisLinks } from './seams/redis-links.js';

export interface RunningServer {
  /** https://host:port (or http:// with --tls off) actually listened on. */
  readonly url: string;
  readonly port: number;
  /** Origin advertised in websocket URLs when no trusted proxy overrides it. */
  readonly publicOrigin: string;
  readonly deps: Deps;
  readonly app: App;
  readonly seed: SeedReport | null;
  readonly selfSigned: boolean;
  /** http://host:port of the internal listener (`--metrics-port`), else null. */
  readonly metricsUrl: string | null;
  /** Tears everything down at once; websockets get 1001. Idempotent. */
  stop(): Promise<void>;
  /**
   * Turns /readyz 503 and refuses logins and upgrades (503), closes the websockets with 1001 in
   * batches spread over `--drain-seconds`, then stops. Idempotent.
   */
  drain(): Promise<void>;
  /**
   * Makes new TLS connections get the certificate now in `--tls-cert`/`--tls-key`; open ones
   * keep theirs. A file that cannot be used leaves the current certificate, and is logged.
   */
  reloadTls(): void;
}

export interface StartOptions {
  log?: Logger;
  /** Extra Kysely log hook (tests count queries with it). */
  dbLog?: (event: LogEvent) => void;
}

/** pino-pretty, a development dependency: absent where the package is installed for production. */
function prettyPrinterInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The node's logger: one JSON object per line on stdout; with `--dev`, readable lines through
 * pino-pretty in a worker thread (JSON still when pino-pretty is not installed). The fields
 * named below are redacted, at the top level or one level down.
 */
export function createLogger(config: Config): Logger {
  const pretty = config.dev && config.logLevel !== 'silent' && prettyPrinterInstalled();
  return pino({
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'password',
        'token',
        'user_token',
        '*.password',
        '*.token',
        '*.user_token',
      ],
      censor: '[redacted]',
    },
  });
}

export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error({ err }, 'error while stopping');
      }
    }
  };
  try {
    const tls = await resolveTls(config);
    if (tls?.selfSigned && !config.dev) {
      log.warn(
        '!!! Serving TLS with a generated self-signed certificate: clients will not trust it. ' +
          'Use --tls-cert/--tls-key in production, or --tls off behind a TLS proxy. !!!',
      );
    }
    const db: Db = await openDb(config.db, options.dbLog ? { log: options.dbLog } : {});
    cleanups.push(() => db.close());
    const lastOnline = new LastOnline({ db, log });
    cleanups.push(() => lastOnline.close());
    await migrateToLatest(db);
    const seed = config.seed === 'none' ? null : await seedIfEmpty(db, config.seed);

    const nodeId = randomUUID();
    const metrics = new Metrics({ version: packageVersion(), node: nodeId });
    // Every Redis client the seams make is a link of this node: watched, failing fast while down.
    const links = new RedisLinks(config.redisCommandTimeout);
    const seams: Seams = await buildSeams({ config, db, log, metrics, nodeId, links });
    if (config.redis) links.onChange((up) => metrics.redisUp.set(up ? 1 : 0));
    else metrics.registry.removeSingleMetric('terarelay_redis_up');
    cleanups.push(() => seams.close());
    const redisLifecycle = seams.redis;
    const tokens = await TokenService.load(db, { rotate: config.rotateKeys });
    const deps: Deps = {
      config,
      log,
      db,
      access: new AccessStore(db),
      principals: new PrincipalStore(db),
      codec: createCodec(),
      tokens,
      metrics,
      nodeId,
      ...seams.parts,
    };

    const readiness = new Readiness({
      database: () => databaseAnswers(db),
      ...(config.redis ? { redisUp: () => links.up } : {}),
    });
    metrics.watch({ leader: () => seams.leader.isLeader, database: () => databaseAnswers(db) });
    const audit = new Audit(log);
    const app = await buildApp(
      deps,
      tls && { ...tls, ticketKeys: await tlsTicketKeys(db) },
      readiness,
    );
    cleanups.push(() => app.close());
    const userManager = new UserManager(deps, {
      leader: seams.leader,
      rpc: new UserManagerRpc(deps),
      audit,
    });
    await userManager.start();
    cleanups.push(() => userManager.close());
    // Live connections: the hub is their one registry; the others read it.
    const hub: Hub<Connection> = new Hub<Connection>({
      bus: deps.bus,
      codec: deps.codec,
      log,
      metrics,
      history: deps.history,
    });
    cleanups.push(() => hub.close());
    const refresher = new AccessRefresher({
      access: deps.access,
      standing: deps.principals,
      // Through the hub: it files each connection by its access (src/realtime/audience-index.ts).
      targets: () =>
        Array.from(hub.principals(), (group) =>
          Array.from(group, (c) => ({
            kind: c.principal.kind,
            uuid: c.principal.uuid,
            update: (access: AccessSets, sessions: ReadonlySet<string>) =>
              hub.rescope(c, access, sessions),
          })),
        ),
      revoke: (kind, uuid) => {
        for (const c of [...hub.membersOf(kind, uuid)]) c.close('CLIENT_DISCONNECT');
      },
      log,
    });
    cleanups.push(() => refresher.close());
    await refresher.listen(deps.bus);
    // DatabaseEvents published while Redis was away were lost: recompute every live access.
    if (config.redis) links.onChange((up) => up && refresher.request());
    const heartbeat = new Heartbeat({
      connections: () => hub.members(),
      interval: config.pingInterval,
      timeout: config.pongTimeout,
    });
    heartbeat.start();
    cleanups.push(async () => heartbeat.close());
    const localPresence = new LocalPresence({
      deps,
      live: hub,
      resync: redisLifecycle && (() => redisLifecycle.resync()),
    });
    redisLifecycle?.onRestored((refs) => localPresence.restored(refs));
    cleanups.push(() => localPresence.close());
    const batch = new SendBudget({
      budget: config.sendBufferBudget,
      connections: () => hub.members(),
      onEnforced: (closed, unsent) => {
        metrics.sendBudgetCloses.inc(closed);
        log.warn({ closed, unsent }, 'send buffer budget exceeded: slowest sockets closed (4001)');
      },
    });
    metrics.watch({
      unsentBytes: () => batch.unsentBytes,
      unsentPeakBytes: () => batch.peakBytes,
    });
    // With history on: positions and resume for the clients that opt in.
    const { history, resumeTokens } = deps;
    const resume =
      history && resumeTokens
        ? new Resume({ history, tokens: resumeTokens, hub, bus: deps.bus, config, log, metrics })
        : undefined;
    await resume?.listen();
    if (resume) cleanups.push(() => resume.close());
    const gateway = new Gateway(deps, {
      hub,
      batch,
      refresher,
      presence: localPresence,
      audit,
      resume,
    });
    gateway.register(app);
    cleanups.push(() => gateway.close());
    const throttle = new LoginThrottle(deps.attempts, config);
    const catalog = new LoginCatalog(db);
    await catalog.watch(deps.bus);
    cleanups.push(() => catalog.close());
    const auth = new Authenticator({
      accounts: new Accounts(db),
      throttle,
      passwords: new PasswordChecks({
        throttle,
        total: config.passwordChecks,
        perAddress: config.checksPerAddress,
        metrics,
      }),
      tokens,
      revocations: deps.revocations,
      audit,
      lastOnline,
      catalog,
    });
    registerApi(app, {
      deps,
      auth,
      urls: new WebsocketUrls(config),
      deviceStatusLimit: new DeviceStatusLimit(deps.attempts, config),
    });
    await redisLifecycle?.publishTokenKeys(tokens.redisKeys());

    const port = await listen(app, config.host, config.port, ['--host', '--port']);
    const url = `${tls ? 'https' : 'http'}://${shownHost(config.host)}:${port}`;
    let metricsUrl: string | null = null;
    if (config.metricsPort !== null) {
      const internal = buildInternalApp(deps, readiness);
      cleanups.push(() => internal.close());
      const flags: [string, string] = ['--metrics-host', '--metrics-port'];
      const internalPort = await listen(internal, config.metricsHost, config.metricsPort, flags);
      metricsUrl = `http://${shownHost(config.metricsHost)}:${internalPort}`;
    }
    let stopped: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        readiness.startDraining();
        await stopAll();
      })();
      return stopped;
    };
    let drained: Promise<void> | null = null;
    return {
      url,
      port,
      publicOrigin: publicOrigin(config, port),
      deps,
      app,
      seed,
      selfSigned: tls?.selfSigned ?? false,
      metricsUrl,
      stop,
      drain: () => {
        drained ??= (async () => {
          readiness.startDraining();
          await gateway.drain(config.drainSeconds * 1000);
          await stop();
        })();
        return drained;
      },
      reloadTls: () => {
        try {
          const cert = reloadTls(config, app.server);
          if (!cert) return log.warn('no --tls-cert/--tls-key to reload');
          const { subject, fingerprint256, validTo } = cert;
          log.info({ subject, fingerprint256, validTo }, 'TLS certificate reloaded');
        } catch (err) {
          log.error({ err: (err as Error).message }, 'TLS certificate kept: reload failed');
        }
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Listens on host:port; returns the port. An unusable address is a ConfigError naming `flags`. */
async function listen(
  app: { listen(options: { host: string; port: number }): Promise<unknown>; server: Server },
  host: string,
  port: number,
  [hostFlag, portFlag]: [string, string],
): Promise<number> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new ConfigError(
        code === 'EADDRNOTAVAIL' ? hostFlag : portFlag,
        code === 'EADDRNOTAVAIL' ? host : port,
        code === 'EADDRINUSE' ? 'address in use' : code,
      );
    throw e;
  }
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

/** A listen address as shown in a URL: `localhost` for a wildcard, IPv6 in brackets. */
function shownHost(host: string): string {
  const shown = ['0.0.0.0', '::', ''].includes(host) ? 'localhost' : host;
  return shown.includes(':') ? `[${shown}]` : shown;
}
