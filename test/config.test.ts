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
