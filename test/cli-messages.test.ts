/**
 * What the command line says when something is wrong, spawned as a user runs it: commander's
 * suggestions, per-subcommand options, `check`, unknown TERARELAY_* variables, JSON config
 * errors with their place, and messages that name the setting at fault.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './kit/cli.js';
import { freePort } from './kit/redis.js';
import { PG_ADMIN_URL } from './kit/postgres.js';
import { resolveTls } from '../src/tls.js';
import { loadConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-messages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a misspelled option keeps commander’s suggestion and exits 2', async () => {
  const r = await run(['serve', '--prot', '5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--prot'/);
  assert.match(r.stderr, /Did you mean --port\?/);
  const sub = await run(['chekc']);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /Did you mean check\?/);
});

test('--version prints the version and exits 0', async () => {
  const r = await run(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+/);
});

test('each subcommand shows only its own options', async () => {
  const passwd = await run(['passwd', '--help']);
  assert.equal(passwd.code, 0);
  assert.match(passwd.stdout, /--db <url>/);
  assert.doesNotMatch(passwd.stdout, /--port|--send-buffer-budget|--redis/);
  const token = await run(['service-token', '--help']);
  assert.doesNotMatch(token.stdout, /--port|--ping-interval/);
  const serve = await run(['serve', '--help']);
  assert.match(serve.stdout, /--port <port>/);
});

test('a misspelled TERARELAY_* variable is a warning naming the closest setting', async () => {
  const r = await run(['check', '--db', 'sqlite::memory:'], { TERARELAY_PROT: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /warning: TERARELAY_PROT is not a setting and is ignored \(did you mean TERARELAY_PORT\?\)/,
  );
});

test('a JSON config error gives its line and column', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{\n  "port": 1,\n}\n');
  const r = await run(['check', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid --config: .*bad\.json.*not valid JSON: line 3, column 1/);
});

test('check: exit 0 when the database and Redis answer, 2 naming what does not', async () => {
  const good = await run(['check', '--db', PG_ADMIN_URL, '--redis', 'redis://127.0.0.1:6379']);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^database +ok/m);
  assert.match(good.stdout, /^redis +ok: .*PONG/m);
  const closed = await freePort();
  const bad = await run([
    'check',
    '--db',
    'sqlite::memory:',
    '--redis',
    `redis://127.0.0.1:${closed}`,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /^database +ok/m);
  assert.match(bad.stdout, new RegExp(`^redis +FAILED: .*${closed}.*ECONNREFUSED`, 'm'));
  const badValue = await run(['check', '--ping-interval', 'often']);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /invalid --ping-interval/);
});

test('a missing key file is reported under --tls-key, a missing certificate under --tls-cert', async () => {
  const real = await resolveTls(loadConfig({ env: {}, flags: { dataDir: dir } }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, real!.cert);
  writeFileSync(key, real!.key);
  const noKey = await run(['check', '--tls-cert', cert, '--tls-key', join(dir, 'nokey.pem')]);
  assert.equal(noKey.code, 2);
  assert.match(noKey.stdout, /^tls +FAILED: invalid --tls-key: .*nokey\.pem.*ENOENT/m);
  const noCert = await run(['check', '--tls-cert', join(dir, 'nocert.pem'), '--tls-key', key]);
  assert.match(noCert.stdout, /^tls +FAILED: invalid --tls-cert: .*nocert\.pem.*ENOENT/m);
  const good = await run([
    'check',
    '--tls-cert',
    cert,
    '--tls-key',
    key,
    '--db',
    'sqlite::memory:',
  ]);
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, /^tls +ok: .*cert\.pem and its key match/m);
});
