/**
 * Configuration: one typed, frozen object built from (highest wins) flags, `TERARELAY_*`
 * environment variables, a JSON file given by `--config`, and the defaults below.
 * Only this module reads the environment. A bad value is a ConfigError naming the setting
 * and the value; the CLI prints it as one line and exits with code 2.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

const LogLevel = Type.Union([
  Type.Literal('fatal'),
  Type.Literal('error'),
  Type.Literal('warn'),
  Type.Literal('info'),
  Type.Literal('debug'),
  Type.Literal('trace'),
  Type.Literal('silent'),
]);
/** `bench:N`, N from 1 to 100000: the load-test dataset (src/store/seed/bench.ts). */
const BenchSeed = Type.Unsafe<`bench:${number}`>(
  Type.String({ pattern: '^bench:([1-9][0-9]{0,4}|100000)$' }),
);
const Seed = Type.Union([
  Type.Literal('none'),
  Type.Literal('defaults'),
  Type.Literal('test'),
  BenchSeed,
]);

export const ConfigSchema = Type.Object({
  /** Listen address; when not given, 127.0.0.1 with `dev` (known passwords), else 0.0.0.0. */
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /**
   * Port of the internal plain-HTTP listener serving /metrics and /readyz (0: any free port);
   * null serves them on the public port.
   */
  metricsPort: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]),
  /** Listen address of the internal listener. */
  metricsHost: Type.String(),
  /** On SIGINT/SIGTERM, websockets are closed in batches spread over this many seconds. */
  drainSeconds: Type.Integer({ minimum: 0, maximum: 3600 }),
  /**
   * `sqlite:<path>`, `sqlite::memory:` or `postgres://…`. When not given: `terarelay.db` in
   * `dataDir` (created if missing); a given SQLite path must be in an existing folder.
   */
  db: Type.String(),
  seed: Seed,
  dev: Type.Boolean(),
  /** Directory for the default SQLite file and the generated certificate. */
  dataDir: Type.String(),
  /** Origin advertised in websocket URLs (`wss://host:port`); null derives it from host/port. */
  publicUrl: Type.Union([Type.String(), Type.Null()]),
  /** `auto`: use tlsCert/tlsKey if given, else a generated self-signed certificate. */
  tls: Type.Union([Type.Literal('auto'), Type.Literal('off')]),
  tlsCert: Type.Union([Type.String(), Type.Null()]),
  tlsKey: Type.Union([Type.String(), Type.Null()]),
  /** Proxy addresses or CIDRs whose forwarding headers are believed. */
  trustProxy: Type.Array(Type.String()),
  /**
   * Origins (`https://app.example.org`) whose pages may call the API from a browser: preflights
   * answered, `Authorization` allowed. Empty: OpenTera's wildcard headers and no preflight.
   */
  corsOrigin: Type.Array(Type.String()),
  logLevel: LogLevel,
  /**
   * `redis://…` or `rediss://…` (TLS), with `user:password@` for an ACL user; null keeps every
   * seam in process (one node).
   */
  redis: Type.Union([Type.String(), Type.Null()]),
  /**
   * A Redis command without an answer fails after this long, ms, whether it waited for the link
   * or was sent; while the link is known down, commands fail at once.
   */
  redisCommandTimeout: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
  /** Regenerate the token signing keys at start (every issued token dies). */
  rotateKeys: Type.Boolean(),
  /** Lifetime of a one-time websocket ticket, seconds. */
  ticketTtl: Type.Integer({ minimum: 1, maximum: 3600 }),
  /** Websocket ping interval and pong timeout, milliseconds. */
  pingInterval: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
  pongTimeout: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
  /** Unsent bytes after which a connection is closed as a slow consumer. */
  sendBufferLimit: Type.Integer({ minimum: 1024 }),
  /** Unsent bytes all connections of the node may hold together (furthest behind closed first). */
  sendBufferBudget: Type.Integer({ minimum: 1024 }),
  /** Largest client frame accepted before closing with 1009, bytes. */
  maxClientFrame: Type.Integer({ minimum: 16, maximum: 1_048_576 }),
  /** Presence entry lifetime in Redis, seconds: a dead node's principals go offline within it. */
  presenceTtl: Type.Integer({ minimum: 2, maximum: 3600 }),
  /** Failed password checks from one client address, across accounts, before it gets 429. */
  loginAddressLimit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** The window of loginAddressLimit, seconds, from its first failure. */
  loginAddressWindow: Type.Integer({ minimum: 1, maximum: 86_400 }),
  /** Failed password checks for one account from one address before that pair gets 401. */
  loginAccountLimit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /** The window of loginAccountLimit, seconds, from its first failure. */
  loginAccountWindow: Type.Integer({ minimum: 1, maximum: 86_400 }),
  /** bcrypt checks running at once on this node, shared in turns between client addresses. */
  passwordChecks: Type.Integer({ minimum: 1, maximum: 1024 }),
  /** bcrypt checks running at once for one client address (the rest wait their turn). */
  checksPerAddress: Type.Integer({ minimum: 1, maximum: 1024 }),
  /**
   * Largest device status accepted, bytes of its `device_status` as the DeviceEvent embeds it
   * (Python-style JSON text with `\uXXXX` escapes); a larger one gets 413.
   */
  maxDeviceStatus: Type.Integer({ minimum: 64, maximum: 1_048_576 }),
  /** Status posts per second one device may sustain, on average. */
  deviceStatusRate: Type.Integer({ minimum: 1, maximum: 10_000 }),
  /** Status posts one device may make at once: the count of its window of burst / rate seconds. */
  deviceStatusBurst: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  /**
   * Keep recent events with positions, so that clients opting in resume without a gap
   * (ARCHITECTURE.md, "Positions, history and resume"); `off`: OpenTera's plain delivery.
   */
  history: Type.Union([Type.Literal('on'), Type.Literal('off')]),
  /** Events kept per topic (at least; Redis trims approximately). */
  historySize: Type.Integer({ minimum: 10, maximum: 1_000_000 }),
  /** Seconds an event is kept at least; also how long a resume token outlives its connection. */
  historySeconds: Type.Integer({ minimum: 5, maximum: 86_400 }),
});

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

export const DEFAULTS: Static<typeof ConfigSchema> = {
  host: '0.0.0.0',
  port: 40075,
  metricsPort: null,
  metricsHost: '127.0.0.1',
  drainSeconds: 10,
  db: 'sqlite:./data/terarelay.db',
  seed: 'defaults',
  dev: false,
  dataDir: './data',
  publicUrl: null,
  tls: 'auto',
  tlsCert: null,
  tlsKey: null,
  trustProxy: [],
  corsOrigin: [],
  logLevel: 'info',
  redis: null,
  redisCommandTimeout: 5000,
  rotateKeys: false,
  ticketTtl: 60,
  pingInterval: 10_000,
  pongTimeout: 30_000,
  sendBufferLimit: 1_048_576,
  sendBufferBudget: 268_435_456,
  maxClientFrame: 65_536,
  presenceTtl: 30,
  loginAddressLimit: 30,
  loginAddressWindow: 60,
  loginAccountLimit: 5,
  loginAccountWindow: 120,
  passwordChecks: 4,
  checksPerAddress: 2,
  maxDeviceStatus: 16_384,
  deviceStatusRate: 10,
  deviceStatusBurst: 20,
  history: 'on',
  historySize: 1000,
  historySeconds: 300,
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly setting: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`invalid ${setting}: ${JSON.stringify(value)} (${expected})`);
    this.name = 'ConfigError';
  }
}

/** `url` with any password (`scheme://user:password@…`) replaced by `***`, safe to print. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@');
}

/** The flag name a setting is known by (`publicUrl` → `--public-url`). */
export const flagName = (key: ConfigKey): string =>
  '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
/** The environment variable a setting is read from (`publicUrl` → `TERARELAY_PUBLIC_URL`). */
export const envName = (key: ConfigKey): string =>
  'TERARELAY_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();

type Raw = Partial<Record<ConfigKey, unknown>>;

/** Turns a raw value (string from a flag or the environment, JSON from the file) into a typed one. */
function coerce(key: ConfigKey, raw: unknown, label: string): unknown {
  const schema = ConfigSchema.properties[key];
  let value = raw;
  if (typeof raw === 'string') {
    const kind = DEFAULTS[key] === null ? 'nullable' : typeof DEFAULTS[key];
    if (Array.isArray(DEFAULTS[key])) {
      value = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (kind === 'number') {
      value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    } else if (kind === 'boolean') {
      const v = raw.trim().toLowerCase();
      value = ['1', 'true', 'yes', 'on'].includes(v)
        ? true
        : ['0', 'false', 'no', 'off', ''].includes(v)
          ? false
          : raw;
    } else if (kind === 'nullable' && raw === '') {
      value = null;
    } else if (kind === 'nullable' && /^\d+$/.test(raw.trim())) {
      value = Value.Check(schema, Number(raw)) ? Number(raw) : raw;
    }
  }
  if (!Value.Check(schema, value)) throw new ConfigError(label, raw, describe(key));
  return value;
}

function describe(key: ConfigKey): string {
  const schema = ConfigSchema.properties[key] as unknown as Record<string, unknown>;
  if (key === 'seed') return 'expected none, defaults, test or bench:<N> (N from 1 to 100000)';
  if (key === 'tls') return 'expected auto or off';
  if (key === 'history') return 'expected on or off';
  if (key === 'logLevel') return 'expected fatal, error, warn, info, debug, trace or silent';
  if (key === 'metricsPort') return 'expected an integer from 0 to 65535';
  if (typeof DEFAULTS[key] === 'number')
    return `expected an integer from ${String(schema.minimum)} to ${String(schema.maximum ?? 'any')}`;
  if (typeof DEFAULTS[key] === 'boolean') return 'expected true or false';
  if (Array.isArray(DEFAULTS[key])) return 'expected a comma-separated list';
  return 'expected a string';
}

export interface ConfigSources {
  /** Values given as command-line flags (already named by ConfigKey); strings or typed. */
  flags?: Raw;
  /** The environment; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file (`--config`). */
  file?: string | undefined;
}

/** Builds, validates and freezes the configuration. Throws ConfigError. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const keys = Object.keys(DEFAULTS) as ConfigKey[];
  const merged: Record<string, unknown> = { ...DEFAULTS };
  const given = new Set<ConfigKey>();
  if (sources.file) {
    const fromFile = readConfigFile(sources.file);
    for (const [k, v] of Object.entries(fromFile)) {
      if (!keys.includes(k as ConfigKey))
        throw new ConfigError(`${k} in ${sources.file}`, v, 'unknown setting');
      merged[k] = coerce(k as ConfigKey, v, `${k} in ${sources.file}`);
      given.add(k as ConfigKey);
    }
  }
  const env = sources.env ?? process.env;
  for (const k of keys) {
    const v = env[envName(k)];
    if (v !== undefined) {
      merged[k] = coerce(k, v, envName(k));
      given.add(k);
    }
  }
  for (const k of keys) {
    const v = sources.flags?.[k];
    if (v !== undefined) {
      merged[k] = coerce(k, v, flagName(k));
      given.add(k);
    }
  }
  if (merged.dev === true && !given.has('seed')) merged.seed = 'test';
  if (merged.dev === true && !given.has('host')) merged.host = '127.0.0.1';
  if (!given.has('db'))
    merged.db = `sqlite:${String(merged.dataDir).replace(/\/+$/, '') || '.'}/terarelay.db`;
  const config = merged as Static<typeof ConfigSchema>;
  checkSemantics(config);
  checkDbTarget(config.db, given.has('db'));
  return Object.freeze({
    ...config,
    trustProxy: Object.freeze([...config.trustProxy]) as string[],
    corsOrigin: Object.freeze([...config.corsOrigin]) as string[],
  });
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(
      '--config',
      path,
      `cannot read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--config', path, `not valid JSON: ${jsonErrorPlace(text, e as Error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError('--config', path, 'expected a JSON object');
  return parsed as Record<string, unknown>;
}

/** `https://host[:port]` or `http://host[:port]` exactly, as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/** Where JSON.parse failed, as `line L, column C: <reason>` (1-based). */
function jsonErrorPlace(text: string, err: Error): string {
  const reason = err.message.replace(/\s*(in JSON )?at position \d+.*$/s, '');
  const position = /at position (\d+)/.exec(err.message)?.[1];
  const offset = position === undefined ? text.length : Number(position);
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}: ${reason}`;
}

/**
 * Environment variables that look like settings but name none (`TERARELAY_PROT`), each with
 * the closest real name when one is near. `others` are TERARELAY_* variables read elsewhere.
 */
export function unknownEnvSettings(
  env: NodeJS.ProcessEnv = process.env,
  others: readonly string[] = ['TERARELAY_PASSWORD'],
): Array<{ name: string; suggestion: string | null }> {
  const known = (Object.keys(DEFAULTS) as ConfigKey[]).map(envName);
  return Object.keys(env)
    .filter((n) => n.startsWith('TERARELAY_') && !known.includes(n) && !others.includes(n))
    .filter((n) => !n.startsWith('TERARELAY_TEST_'))
    .map((name) => {
      let best: string | null = null;
      let bestDistance = 3;
      for (const k of known) {
        const d = editDistance(name, k);
        if (d < bestDistance) [best, bestDistance] = [k, d];
      }
      return { name, suggestion: best };
    });
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

function checkSemantics(c: Static<typeof ConfigSchema>): void {
  if (!/^(sqlite::memory:|sqlite:.+|postgres(ql)?:\/\/.+)$/.test(c.db))
    throw new ConfigError(
      flagName('db'),
      maskUrl(c.db),
      'expected sqlite:<path>, sqlite::memory: or postgres://…',
    );
  if (c.redis !== null && !isRedisUrl(c.redis))
    throw new ConfigError(
      flagName('redis'),
      maskUrl(c.redis),
      'expected redis://[user:password@]host[:port][/db] or rediss://… for TLS',
    );
  if (c.publicUrl !== null) {
    let url: URL | null;
    try {
      url = new URL(c.publicUrl);
    } catch {
      url = null;
    }
    if (
      !url ||
      !['wss:', 'ws:', 'https:', 'http:'].includes(url.protocol) ||
      url.pathname.length > 1
    )
      throw new ConfigError(
        flagName('publicUrl'),
        c.publicUrl,
        'expected an origin such as wss://host:port',
      );
  }
  if ((c.tlsCert === null) !== (c.tlsKey === null))
    throw new ConfigError(
      c.tlsCert === null ? flagName('tlsCert') : flagName('tlsKey'),
      c.tlsCert ?? c.tlsKey,
      '--tls-cert and --tls-key go together',
    );
  if (c.tls === 'off' && c.tlsCert !== null)
    throw new ConfigError(flagName('tls'), c.tls, 'cannot be off with --tls-cert');
  for (const origin of c.corsOrigin)
    if (!isOrigin(origin))
      throw new ConfigError(
        flagName('corsOrigin'),
        origin,
        'expected an origin such as https://app.example.org (scheme, host and port only)',
      );
  for (const entry of c.trustProxy)
    if (!parseCidr(entry))
      throw new ConfigError(flagName('trustProxy'), entry, 'expected an IP address or CIDR');
  if (c.pongTimeout < c.pingInterval)
    throw new ConfigError(
      flagName('pongTimeout'),
      c.pongTimeout,
      'must be at least --ping-interval',
    );
  if (c.checksPerAddress > c.passwordChecks)
    throw new ConfigError(
      flagName('checksPerAddress'),
      c.checksPerAddress,
      'must be at most --password-checks',
    );
  // Checks of one address count as failures until they succeed: more at once than the account
  // limit would refuse a correct password sent concurrently from one address.
  if (c.checksPerAddress > c.loginAccountLimit)
    throw new ConfigError(
      flagName('checksPerAddress'),
      c.checksPerAddress,
      'must be at most --login-account-limit',
    );
  // The status limit's window, burst / rate, is counted in whole seconds.
  if (c.deviceStatusBurst % c.deviceStatusRate !== 0)
    throw new ConfigError(
      flagName('deviceStatusBurst'),
      c.deviceStatusBurst,
      'must be a multiple of --device-status-rate',
    );
}

function isRedisUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return (
    /^rediss?:\/\//.test(text) &&
    url.hostname !== '' &&
    /^(\/\d*)?$/.test(url.pathname) &&
    url.search === '' &&
    url.hash === ''
  );
}

/** The file a `sqlite:` URL names (`sqlite:path`, `sqlite://path`), or `:memory:`. */
export function sqliteFile(url: string): string {
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:' || rest === '') return ':memory:';
  return rest.startsWith('//') ? rest.slice(2) : rest;
}

/** PostgreSQL's own databases (maintenance and templates), never an application's. */
const POSTGRES_OWN = new Set(['postgres', 'template0', 'template1']);

/**
 * Refuses a `--db` that names one of PostgreSQL's own databases (the path, or when there is none
 * the user name, as PostgreSQL defaults it), and a given SQLite path whose folder does not
 * exist; the default SQLite file's folder (the data dir) is created when the database opens.
 */
function checkDbTarget(db: string, given: boolean): void {
  if (/^postgres(ql)?:/i.test(db)) {
    let name: string;
    try {
      const url = new URL(db);
      name = decodeURIComponent(url.pathname.slice(1) || url.username);
    } catch {
      return;
    }
    if (POSTGRES_OWN.has(name))
      throw new ConfigError(
        flagName('db'),
        maskUrl(db),
        `"${name}" is PostgreSQL's own database: create one for TeraRelay, e.g. CREATE DATABASE terarelay`,
      );
    return;
  }
  const file = db.startsWith('sqlite:') ? sqliteFile(db) : ':memory:';
  if (!given || file === ':memory:') return;
  const folder = dirname(resolve(file));
  if (!existsSync(folder))
    throw new ConfigError(flagName('db'), db, `folder ${folder} does not exist`);
  if (!statSync(folder).isDirectory())
    throw new ConfigError(flagName('db'), db, `${folder} is not a folder`);
}

function parseCidr(
  entry: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText] = entry.split('/');
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  )
    return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The set of trusted proxy addresses, as a matcher. */
export function trustedProxies(config: Config): (address: string | undefined) => boolean {
  if (config.trustProxy.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of config.trustProxy) {
    const p = parseCidr(entry);
    if (p) list.addSubnet(p.address, p.prefix, p.family);
  }
  return (address) => {
    if (!address) return false;
    const plain =
      address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return isIP(plain) !== 0 && list.check(plain, family);
  };
}

/** The origin websocket URLs advertise when no trusted proxy overrides it. */
export function publicOrigin(config: Config, listeningPort: number): string {
  if (config.publicUrl) return new URL(config.publicUrl).origin.replace(/^http/, 'ws');
  const wildcard = ['0.0.0.0', '::', ''].includes(config.host);
  const host = wildcard
    ? 'localhost'
    : config.host.includes(':')
      ? `[${config.host}]`
      : config.host;
  const scheme = 'wss';
  return `${scheme}://${host}:${listeningPort}`;
}
