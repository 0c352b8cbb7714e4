import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  DEFAULTS,
  envName,
  flagName,
  loadConfig,
  maskUrl,
  publicOrigin,
  trustedProxies,
} from '../src/config.js';

const tmp = mkdtempSync(join(tmpdir(), 'terarelay-config-'));
const file = (content: unknown): string => {
  const p = join(tmp, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};

test('defaults apply with no sources', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.port, 40075);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.seed, 'defaults');
  assert.equal(c.db, DEFAULTS.db);
  assert.ok(Object.isFrozen(c));
});

test('flags win over env, env over file, file over defaults', () => {
  const f = file({ port: 1111, host: '127.0.0.5', logLevel: 'debug' });
  const env = { TERARELAY_PORT: '2222', TERARELAY_HOST: '127.0.0.6' };
  const c = loadConfig({ env, file: f, flags: { port: '3333' } });
  assert.equal(c.port, 3333);
  assert.equal(c.host, '127.0.0.6');
  assert.equal(c.logLevel, 'debug');
});

test('--dev implies the test seed unless a seed is given', () => {
  assert.equal(loadConfig({ env: {}, flags: { dev: true } }).seed, 'test');
  assert.equal(loadConfig({ env: {}, flags: { dev: true, seed: 'none' } }).seed, 'none');
  assert.equal(loadConfig({ env: { TERARELAY_DEV: 'true' } }).seed, 'test');
});

test('lists and booleans parse from strings', () => {
  const c = loadConfig({
    env: { TERARELAY_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16', TERARELAY_ROTATE_KEYS: '1' },
  });
  assert.deepEqual(c.trustProxy, ['10.0.0.1', '192.168.0.0/16']);
  assert.equal(c.rotateKeys, true);
});

const bad: Array<[string, Parameters<typeof loadConfig>[0], string]> = [
  ['port out of range', { env: {}, flags: { port: '70000' } }, '--port'],
  ['port not a number', { env: {}, flags: { port: 'http' } }, '--port'],
  ['env port', { env: { TERARELAY_PORT: '-1' } }, 'TERARELAY_PORT'],
  ['db scheme', { env: {}, flags: { db: 'mysql://x' } }, '--db'],
  ['seed', { env: {}, flags: { seed: 'all' } }, '--seed'],
  ['log level', { env: {}, flags: { logLevel: 'loud' } }, '--log-level'],
  ['trust proxy', { env: {}, flags: { trustProxy: '10.0.0.0/33' } }, '--trust-proxy'],
  ['public url', { env: {}, flags: { publicUrl: 'ftp://x' } }, '--public-url'],
  ['cert without key', { env: {}, flags: { tlsCert: '/x.pem' } }, '--tls-key'],
  ['tls mode', { env: {}, flags: { tls: 'maybe' } }, '--tls'],
  ['redis url', { env: {}, flags: { redis: 'localhost:6379' } }, '--redis'],
  ['redis url with options', { env: {}, flags: { redis: 'redis://h:6379/0?tls=1' } }, '--redis'],
  ['redis database', { env: {}, flags: { redis: 'rediss://h:6380/zero' } }, '--redis'],
  ['postgres maintenance db', { env: {}, flags: { db: 'postgres://u:pw@h/postgres' } }, '--db'],
  ['postgres template db', { env: { TERARELAY_DB: 'postgresql://h:5432/template1' } }, '--db'],
  ['postgres db by user name', { env: {}, flags: { db: 'postgres://postgres:pw@h' } }, '--db'],
  ['sqlite in a missing folder', { env: {}, flags: { db: `sqlite:${tmp}/no/such/x.db` } }, '--db'],
];
for (const [name, sources, setting] of bad) {
  test(`bad setting is named: ${name}`, () => {
    assert.throws(
      () => loadConfig(sources),
      (e: unknown) =>
        e instanceof ConfigError && e.setting === setting && !e.message.includes('\n'),
    );
  });
}

test('a config file that is missing, not JSON, or has unknown keys is refused', () => {
  assert.throws(
    () => loadConfig({ env: {}, file: join(tmp, 'nope.json') }),
    (e: unknown) => e instanceof ConfigError && e.setting === '--config',
  );
  assert.throws(
    () => loadConfig({ env: {}, file: file('{not json') }),
    (e: unknown) => e instanceof ConfigError && e.setting === '--config',
  );
  assert.throws(
    () => loadConfig({ env: {}, file: file({ prot: 1 }) }),
    (e: unknown) => e instanceof ConfigError && /prot/.test(e.setting),
  );
  assert.throws(
    () => loadConfig({ env: {}, file: file({ port: 'x' }) }),
    (e: unknown) => e instanceof ConfigError && /port/.test(e.setting),
  );
});

test('names of flags and env variables', () => {
  assert.equal(flagName('publicUrl'), '--public-url');
  assert.equal(envName('publicUrl'), 'TERARELAY_PUBLIC_URL');
});

test('public origin: wildcard host advertises localhost; --public-url wins', () => {
  assert.equal(publicOrigin(loadConfig({ env: {} }), 40075), 'wss://localhost:40075');
  assert.equal(
    publicOrigin(loadConfig({ env: {}, flags: { host: '10.1.2.3' } }), 5000),
    'wss://10.1.2.3:5000',
  );
  assert.equal(
    publicOrigin(loadConfig({ env: {}, flags: { publicUrl: 'wss://relay.example.org' } }), 1),
    'wss://relay.example.org',
  );
  assert.equal(
    publicOrigin(
      loadConfig({ env: {}, flags: { publicUrl: 'https://relay.example.org:8443' } }),
      1,
    ),
    'wss://relay.example.org:8443',
  );
});

test('trusted proxies match addresses and CIDRs, IPv4-mapped included', () => {
  const trusted = trustedProxies(
    loadConfig({ env: {}, flags: { trustProxy: '127.0.0.1,10.0.0.0/8,::1' } }),
  );
  assert.equal(trusted('127.0.0.1'), true);
  assert.equal(trusted('::ffff:127.0.0.1'), true);
  assert.equal(trusted('10.20.30.40'), true);
  assert.equal(trusted('::1'), true);
  assert.equal(trusted('127.0.0.2'), false);
  assert.equal(trusted(undefined), false);
  assert.equal(trustedProxies(loadConfig({ env: {} }))('127.0.0.1'), false);
});

test('--dev listens on 127.0.0.1 unless a host is given; without --dev on every address', () => {
  assert.equal(loadConfig({ env: {}, flags: { dev: true } }).host, '127.0.0.1');
  assert.equal(loadConfig({ env: { TERARELAY_DEV: '1' } }).host, '127.0.0.1');
  assert.equal(loadConfig({ env: {}, flags: { dev: true, host: '0.0.0.0' } }).host, '0.0.0.0');
  assert.equal(loadConfig({ env: { TERARELAY_HOST: '::' }, flags: { dev: true } }).host, '::');
  assert.equal(loadConfig({ env: {} }).host, '0.0.0.0');
});

test('the default database is terarelay.db in the data dir, which need not exist yet', () => {
  const dataDir = join(tmp, 'not', 'yet');
  assert.equal(loadConfig({ env: {}, flags: { dataDir } }).db, `sqlite:${dataDir}/terarelay.db`);
  assert.equal(
    loadConfig({ env: {}, flags: { dataDir: `${dataDir}/` } }).db,
    `sqlite:${dataDir}/terarelay.db`,
  );
  assert.equal(loadConfig({ env: {} }).db, 'sqlite:./data/terarelay.db');
  const given = `sqlite:${join(tmp, 'relay.db')}`;
  assert.equal(loadConfig({ env: {}, flags: { dataDir, db: given } }).db, given);
  assert.equal(loadConfig({ env: {}, flags: { db: 'sqlite::memory:' } }).db, 'sqlite::memory:');
});

test('a given SQLite path must be in an existing folder', () => {
  assert.throws(
    () => loadConfig({ env: {}, flags: { db: `sqlite:${join(tmp, 'missing', 'x.db')}` } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.setting === '--db' &&
      e.message.includes(`folder ${join(tmp, 'missing')} does not exist`),
  );
  const notAFolder = file({});
  assert.throws(
    () => loadConfig({ env: {}, flags: { db: `sqlite:${notAFolder}/x.db` } }),
    (e: unknown) => e instanceof ConfigError && /is not a folder/.test(e.message),
  );
});

test('PostgreSQL: an application database passes; the maintenance database is refused, masked', () => {
  const ok = 'postgres://relay:pw@db.internal/terarelay?sslmode=verify-full&sslrootcert=/ca.pem';
  assert.equal(loadConfig({ env: {}, flags: { db: ok } }).db, ok);
  assert.throws(
    () =>
      loadConfig({ env: {}, flags: { db: 'postgres://admin:s3cret@db.internal:5432/postgres' } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes('postgres://admin:***@db.internal:5432/postgres') &&
      e.message.includes("PostgreSQL's own database") &&
      !e.message.includes('s3cret'),
  );
});

test('Redis: rediss:// and an ACL user are accepted; a bad URL is reported without its password', () => {
  for (const redis of [
    'redis://127.0.0.1:6379',
    'redis://:pw@127.0.0.1:6379/2',
    'rediss://relay:p%40ss@redis.internal:6380',
    'rediss://[::1]:6380/0',
  ])
    assert.equal(loadConfig({ env: {}, flags: { redis } }).redis, redis);
  assert.throws(
    () => loadConfig({ env: {}, flags: { redis: 'rediss://relay:s3cret@h:6380/x' } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes('rediss://relay:***@h:6380/x') &&
      !e.message.includes('s3cret'),
  );
});

test('maskUrl hides only the password', () => {
  assert.equal(maskUrl('rediss://user:p%40ss@h:6380/1'), 'rediss://user:***@h:6380/1');
  assert.equal(maskUrl('redis://:pw@h'), 'redis://:***@h');
  assert.equal(maskUrl('redis://h:6379'), 'redis://h:6379');
});
