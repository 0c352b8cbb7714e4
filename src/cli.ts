#!/usr/bin/env node
/**
 * Command line. `serve` runs a node (SIGINT/SIGTERM drain and stop it, exit 0; SIGHUP reloads
 * the TLS certificate); `service-token` prints a service token; `import-opentera` copies an
 * OpenTera database into an empty TeraRelay one (refusals exit 2); `--version` prints
 * the package version. A bad setting exits with code 2 and one line on stderr naming the setting
 * and the value. Only the command line and config load up front; a command loads what it runs.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, unknownEnvSettings, type ConfigKey } from './config.js';
import type { SeedReport } from './store/seed/seed.js';
import { packageVersion } from './version.js';
import { registerClientCommands } from './cli/commands.js';

const program = new Command('terarelay')
  .description('OpenTera-compatible real-time event server')
  .version(packageVersion(), '-V, --version', 'print the version')
  .exitOverride()
  .showSuggestionAfterError(true)
  .showHelpAfterError('(run with --help for the options)');

function fail(message: string): never {
  process.stderr.write(`terarelay: ${message}\n`);
  process.exit(2);
}

/** The settings that locate the database: all that offline commands read. */
function withDbSettings(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (flags > TERARELAY_* env > file > defaults)')
    .option(
      '--db <url>',
      'sqlite:<path>, sqlite::memory: or postgres://…[?sslmode=verify-full] ' +
        '(default sqlite:<data-dir>/terarelay.db)',
    )
    .option(
      '--data-dir <dir>',
      'where the default SQLite file and dev certificate live (default ./data)',
    );
}

function withSettings(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (flags > TERARELAY_* env > file > defaults)')
    .option('--host <address>', 'listen address (default 0.0.0.0; 127.0.0.1 with --dev)')
    .option('--port <port>', 'listen port, 0 = any free port (default 40075)')
    .option(
      '--metrics-port <port>',
      'serve /metrics and /readyz on this internal plain-HTTP port instead of the public one',
    )
    .option('--metrics-host <address>', 'listen address of --metrics-port (default 127.0.0.1)')
    .option(
      '--drain-seconds <seconds>',
      'on SIGINT/SIGTERM, close websockets in batches spread over this long (default 10)',
    )
    .option(
      '--db <url>',
      'sqlite:<path>, sqlite::memory: or postgres://…[?sslmode=verify-full] ' +
        '(default sqlite:<data-dir>/terarelay.db)',
    )
    .addOption(
      new Option(
        '--seed <mode>',
        'seed an empty database: none, defaults, test or bench:<N> (default defaults)',
      ),
    )
    .option('--dev', 'development: test dataset, quiet self-signed certificate')
    .option(
      '--data-dir <dir>',
      'where the default SQLite file and dev certificate live (default ./data)',
    )
    .option(
      '--public-url <origin>',
      'origin advertised in websocket URLs, e.g. wss://relay.example.org:443',
    )
    .option(
      '--tls <mode>',
      'auto (certificate files or a self-signed one) or off (plain HTTP behind a TLS proxy)',
    )
    .option('--tls-cert <file>', 'PEM certificate (chain)')
    .option('--tls-key <file>', 'PEM private key')
    .option(
      '--cors-origin <list>',
      'comma-separated origins whose browser pages may call the API (default none)',
    )
    .option(
      '--trust-proxy <list>',
      'comma-separated proxy addresses or CIDRs whose forwarding headers are believed',
    )
    .option(
      '--log-level <level>',
      'fatal, error, warn, info, debug, trace or silent (default info)',
    )
    .option(
      '--redis <url>',
      'redis://[user:password@]host:port, or rediss:// for TLS: share presence, tickets and ' +
        'events with other nodes',
    )
    .option(
      '--redis-command-timeout <ms>',
      'with --redis: a command without an answer fails after this long (default 5000)',
    )
    .option(
      '--rotate-keys',
      'regenerate the token signing keys (every issued user/participant token dies)',
    )
    .option('--ticket-ttl <seconds>', 'lifetime of a one-time websocket URL (default 60)')
    .option('--ping-interval <ms>', 'websocket ping interval (default 10000)')
    .option(
      '--pong-timeout <ms>',
      'close a connection that has not answered pings for this long (default 30000)',
    )
    .option(
      '--send-buffer-budget <bytes>',
      'unsent bytes all sockets may hold together; furthest behind closed first (default 268435456)',
    )
    .option(
      '--send-buffer-limit <bytes>',
      'close a slow consumer past this many unsent bytes (default 1048576)',
    )
    .option(
      '--max-client-frame <bytes>',
      'close with 1009 on a client frame larger than this (default 65536)',
    )
    .option(
      '--presence-ttl <seconds>',
      'with --redis: how long a dead node keeps its principals online (default 30)',
    )
    .option(
      '--login-address-limit <n>',
      'failed password logins from one address before 429 (default 30)',
    )
    .option('--login-address-window <seconds>', 'window of --login-address-limit (default 60)')
    .option(
      '--login-account-limit <n>',
      'failed password logins for one account from one address before 401 (default 5)',
    )
    .option('--login-account-window <seconds>', 'window of --login-account-limit (default 120)')
    .option('--password-checks <n>', 'bcrypt checks at once on this node (default 4)')
    .option('--checks-per-address <n>', 'bcrypt checks at once for one client address (default 2)')
    .option(
      '--max-device-status <bytes>',
      'largest device status once encoded as its DeviceEvent embeds it; larger gets 413 (default 16384)',
    )
    .option('--device-status-rate <n>', 'status posts per second one device sustains (default 10)')
    .option(
      '--device-status-burst <n>',
      'status posts one device may make at once, a multiple of the rate (default 20)',
    )
    .option(
      '--history <mode>',
      'on: keep recent events so that clients opting in resume without a gap; off (default on)',
    )
    .option('--history-size <n>', 'events kept per topic for resuming clients (default 1000)')
    .option(
      '--history-seconds <seconds>',
      'how long events are kept for resuming clients, at least (default 300)',
    );
}

/** The new password: typed twice without echo on a terminal, else stdin's first line. */
async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  const { createInterface } = await import('node:readline/promises');
  const ask = async (prompt: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const echo = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) =>
      s.startsWith(prompt) ? echo.call(rl, prompt) : undefined;
    try {
      return await rl.question(prompt);
    } finally {
      process.stdout.write('\n');
      rl.close();
    }
  };
  const first = await ask('New password: ');
  if ((await ask('Again: ')) !== first) fail('passwd: the two passwords differ');
  return first;
}

/** Warns (stderr) about TERARELAY_* variables that name no setting. */
function warnUnknownEnv(): void {
  for (const { name, suggestion } of unknownEnvSettings())
    process.stderr.write(
      `terarelay: warning: ${name} is not a setting and is ignored` +
        (suggestion ? ` (did you mean ${suggestion}?)` : '') +
        '\n',
    );
}

function configFrom(opts: Record<string, unknown>) {
  warnUnknownEnv();
  const { config: file, ...flags } = opts;
  return loadConfig({
    flags: flags as Partial<Record<ConfigKey, unknown>>,
    file: file as string | undefined,
  });
}

function printSeed(seed: SeedReport): void {
  const lines = [`Seeded the ${seed.mode} dataset. Credentials:`];
  for (const c of seed.credentials) {
    const secret =
      c.password !== undefined ? `${c.username ?? ''} / ${c.password}` : `token ${c.token ?? ''}`;
    lines.push(`  ${c.kind.padEnd(11)} ${c.name.padEnd(28)} ${secret}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

withSettings(program.command('serve').description('run a TeraRelay node')).action(async (opts) => {
  const config = configFrom(opts as Record<string, unknown>);
  const { startServer } = await import('./server.js');
  const server = await startServer(config);
  if (server.seed) printSeed(server.seed);
  process.stdout.write(
    `TeraRelay listening on ${server.url} (websocket URLs: ${server.publicOrigin})\n` +
      (server.metricsUrl ? `Metrics and readiness on ${server.metricsUrl}\n` : ''),
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.deps.log.info({ signal }, 'draining, then stopping');
    server.drain().then(
      () => process.exit(0),
      (err: unknown) => {
        server.deps.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => server.reloadTls());
});

withDbSettings(
  program
    .command('service-token')
    .argument('<service-key>', 'the service_key of an enabled service, e.g. VideoRehabService')
    .option(
      '--expires-in <duration>',
      'the token expires after this long: <n>s, m, h or d (default never)',
    )
    .description(
      'print a service token that authenticates the service to TeraRelay; its id (to revoke it) goes to stderr',
    ),
).action(async (serviceKey: string, opts: Record<string, unknown>) => {
  const { expiresIn, ...settings } = opts;
  const lifetimeMs = expiresIn === undefined ? null : durationMs(String(expiresIn));
  if (lifetimeMs === undefined)
    fail(`invalid --expires-in: ${JSON.stringify(expiresIn)} (expected <n>s, <n>m, <n>h or <n>d)`);
  const config = configFrom({ ...settings, seed: 'none' });
  const { openDb } = await import('./store/connect.js');
  const { migrateToLatest } = await import('./store/migrate.js');
  const { TokenService } = await import('./auth/tokens.js');
  const { serviceByKey } = await import('./store/queries/services.js');
  const { recordServiceToken } = await import('./store/queries/service-tokens.js');
  const { randomUUID } = await import('node:crypto');
  const db = await openDb(config.db);
  try {
    await migrateToLatest(db);
    const service = await serviceByKey(db, serviceKey);
    if (!service) fail(`invalid service-key: ${JSON.stringify(serviceKey)} (no such service)`);
    if (!service.service_enabled)
      fail(`invalid service-key: ${JSON.stringify(serviceKey)} (service disabled)`);
    const tokens = await TokenService.load(db, { rotate: false });
    const tokenId = randomUUID();
    const expiresAt = lifetimeMs === null ? undefined : new Date(Date.now() + lifetimeMs);
    const token = await tokens.signService(service.service_uuid, { tokenId, expiresAt });
    await recordServiceToken(db, {
      tokenId,
      idService: service.id_service,
      expiresAt: expiresAt?.toISOString() ?? null,
    });
    process.stdout.write(token + '\n');
    process.stderr.write(
      `token id ${tokenId}, expires ${expiresAt?.toISOString() ?? 'never'}; ` +
        `revoke it with: terarelay revoke-service-token ${tokenId}\n`,
    );
  } finally {
    await db.close();
  }
});

withDbSettings(
  program
    .command('revoke-service-token')
    .argument('<token-id>', 'the id service-token printed with the token')
    .description('revoke a service token printed by service-token: every node refuses it at once'),
).action(async (tokenId: string, opts) => {
  const config = configFrom({ ...(opts as Record<string, unknown>), seed: 'none' });
  const { openDb } = await import('./store/connect.js');
  const { migrateToLatest } = await import('./store/migrate.js');
  const { revokeServiceToken } = await import('./store/queries/service-tokens.js');
  const db = await openDb(config.db);
  try {
    await migrateToLatest(db);
    if (!(await revokeServiceToken(db, tokenId)))
      fail(`revoke-service-token: no service token with id ${JSON.stringify(tokenId)}`);
    process.stdout.write(`Service token ${tokenId} revoked.\n`);
  } finally {
    await db.close();
  }
});

/** `90s`, `15m`, `12h`, `30d` in milliseconds; undefined when not such a duration. */
function durationMs(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!m || Number(m[1]) === 0) return undefined;
  return (
    Number(m[1]) *
    { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']
  );
}

withDbSettings(
  program
    .command('passwd')
    .argument('<username>', 'the user whose password to set')
    .description(
      "set a user's password (asked twice on a terminal, else the first line of standard input); " +
        'clears a forced password change',
    ),
).action(async (username: string, opts) => {
  const config = configFrom({ ...(opts as Record<string, unknown>), seed: 'none' });
  const password = await readNewPassword();
  if (password.length === 0) fail('passwd: the password is empty');
  if (Buffer.byteLength(password) > 72) fail('passwd: the password is longer than 72 bytes');
  const { openDb } = await import('./store/connect.js');
  const { migrateToLatest } = await import('./store/migrate.js');
  const { hashPassword } = await import('./auth/passwords.js');
  const { setUserPassword } = await import('./store/queries/accounts.js');
  const db = await openDb(config.db);
  try {
    await migrateToLatest(db);
    if (!(await setUserPassword(db, username, await hashPassword(password))))
      fail(`passwd: no user ${JSON.stringify(username)}`);
    process.stdout.write(`Password of ${username} set.\n`);
  } finally {
    await db.close();
  }
});

withDbSettings(
  program
    .command('import-opentera')
    .argument('<opentera-url>', 'postgres://… URL of the OpenTera 1.3 database to copy (read only)')
    .description(
      "copy an OpenTera deployment's sites, projects, groups, users, participants, devices, " +
        'services, sessions and token keys, ids and uuids kept, into an empty TeraRelay database',
    ),
).action(async (openteraUrl: string, opts) => {
  const config = configFrom({ ...(opts as Record<string, unknown>), seed: 'none' });
  const { importOpenTeraInto } = await import('./store/import/import-opentera.js');
  const { ImportError } = await import('./store/import/errors.js');
  const { formatReport } = await import('./store/import/report.js');
  try {
    process.stdout.write(formatReport(await importOpenTeraInto(openteraUrl, config.db)));
  } catch (e) {
    if (!(e instanceof ImportError)) throw e;
    process.stderr.write(`terarelay: import-opentera: ${e.message}\n`);
    process.exit(e.exitCode);
  }
});

withSettings(
  program
    .command('check')
    .description(
      'validate a configuration and reach its database and Redis; exit 0 when all is well, else 2',
    ),
).action(async (opts) => {
  const config = configFrom(opts as Record<string, unknown>);
  const { checkDeployment } = await import('./check.js');
  const results = await checkDeployment(config);
  process.stdout.write('config    ok: valid\n');
  for (const r of results)
    process.stdout.write(`${r.name.padEnd(9)} ${r.ok ? 'ok' : 'FAILED'}: ${r.detail}\n`);
  process.exit(results.every((r) => r.ok) ? 0 : 2);
});

// watch, online, send: the client SDK's terminal commands.
registerClientCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof ConfigError) fail(e.message);
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const err = e as Error;
  process.stderr.write(`terarelay: ${err.message.split('\n')[0]}\n`);
  process.exit(1);
}
