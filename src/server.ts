/**
 * Composition root: builds every part from a Config, starts listening, and returns a handle
 * whose stop() tears everything down in reverse order. Nothing else wires parts together.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { LogEvent } from 'kysely';
import { ConfigError, publicOrigin, type Config } from './config.js';
import type { Deps } from './deps.js';
import { openDb, type Db } from './store/connect.js';
import { migrateToLatest } from './store/migrate.js';
import { seedIfEmpty, type SeedReport } from './store/seed/seed.js';
import { AccessStore } from './access/access-store.js';
import { PrincipalStore } from './access/principals.js';
import { createCodec } from './protocol/codec.js';
import { TokenService } from './auth/tokens.js';
import { Metrics } from './metrics.js';
import { resolveTls } from './tls.js';
import { buildApp, type App, type AppState } from './http/app.js';
import { registerApi } from './http/routes.js';
import { Authenticator } from './auth/authenticate.js';
import { Accounts } from './auth/accounts.js';
import { LoginThrottle } from './auth/lockout.js';
import { PasswordChecks } from './auth/password-checks.js';
import { WebsocketUrls } from './auth/public-origin.js';
import { affectedKinds, Gateway } from './realtime/gateway.js';
import { Hub } from './realtime/hub.js';
import { AccessRefresher } from './realtime/access-refresh.js';
import { Heartbeat } from './realtime/heartbeat.js';
import type { Connection } from './realtime/connection.js';
import { UserManager } from './presence/user-manager.js';
import { UserManagerRpc } from './presence/rpc.js';
import { LocalPresence } from './presence/local-presence.js';
import { buildSeams, type Seams } from './seams/index.js';

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
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Extra Kysely log hook (tests count queries with it). */
  dbLog?: (event: LogEvent) => void;
}

export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
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
    await migrateToLatest(db);
    const seed = config.seed === 'none' ? null : await seedIfEmpty(db, config.seed);

    const nodeId = randomUUID();
    const metrics = new Metrics({ defaultMetrics: !config.dev });
    const seams: Seams = await buildSeams({ config, db, log, metrics, nodeId });
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

    const state: AppState = { ready: false };
    const app = await buildApp(deps, tls, state);
    cleanups.push(() => app.close());
    const userManager = new UserManager(deps, seams.leader, new UserManagerRpc(deps));
    await userManager.start();
    cleanups.push(() => userManager.close());
    // Live connections: the hub is their one registry; the others read it.
    const hub: Hub<Connection> = new Hub<Connection>({
      bus: deps.bus,
      codec: deps.codec,
      log,
      metrics,
      onAccessEvent: (topic) => refresher.request(affectedKinds(topic)),
    });
    cleanups.push(() => hub.close());
    const refresher = new AccessRefresher({
      access: deps.access,
      targets: () => Array.from(hub.principals(), (group) => Array.from(group, (c) => c.scope)),
      log,
    });
    cleanups.push(() => refresher.close());
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
    const gateway = new Gateway(deps, { hub, refresher, presence: localPresence });
    gateway.register(app);
    cleanups.push(() => gateway.close());
    const throttle = new LoginThrottle(deps.attempts, config);
    const auth = new Authenticator({
      accounts: new Accounts(db),
      throttle,
      passwords: new PasswordChecks({
        throttle,
        total: config.passwordChecks,
        perAddress: config.checksPerAddress,
        registry: metrics.registry,
      }),
      tokens,
      revocations: deps.revocations,
    });
    registerApi(app, { deps, auth, urls: new WebsocketUrls(config) });
    await redisLifecycle?.publishTokenKeys(tokens.redisKeys());

    try {
      await app.listen({ host: config.host, port: config.port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new ConfigError(
          code === 'EADDRNOTAVAIL' ? '--host' : '--port',
          code === 'EADDRNOTAVAIL' ? config.host : config.port,
          code === 'EADDRINUSE' ? 'address in use' : code,
        );
      throw e;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shownHost = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
    const url = `${tls ? 'https' : 'http'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    state.ready = true;
    let stopped: Promise<void> | null = null;
    return {
      url,
      port,
      publicOrigin: publicOrigin(config, port),
      deps,
      app,
      seed,
      selfSigned: tls?.selfSigned ?? false,
      stop: () => {
        stopped ??= (async () => {
          state.ready = false;
          await stopAll();
        })();
        return stopped;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
