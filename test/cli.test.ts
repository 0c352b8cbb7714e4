import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestUrl } from './kit/server.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertOneLineExit2(r: Run, setting: string): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${r.stderr}`);
  assert.match(lines[0]!, new RegExp(setting.replace(/[-]/g, '\\-')));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const dataDir = mkdtempSync(join(tmpdir(), 'terarelay-cli-'));
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

test('an unknown db scheme exits 2 with one line', async () => {
  assertOneLineExit2(
    await run(['serve', '--db', 'mysql://localhost/x', '--data-dir', dataDir]),
    '--db',
  );
});

test('an unreachable PostgreSQL exits 2 with one line', async () => {
  const r = await run([
    'serve',
    '--db',
    'postgres://postgres:secret@127.0.0.1:1/none',
    '--data-dir',
    dataDir,
  ]);
  assertOneLineExit2(r, '--db');
  assert.doesNotMatch(r.stderr, /secret/, 'the password is not printed');
});

test('a port in use exits 2 with one line', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const r = await run([
      'serve',
      '--dev',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--db',
      'sqlite::memory:',
      '--data-dir',
      dataDir,
    ]);
    assertOneLineExit2(r, '--port');
  } finally {
    blocker.close();
  }
});

test('an unreadable certificate exits 2 with one line', async () => {
  const missing = join(dataDir, 'missing.pem');
  assertOneLineExit2(
    await run(['serve', '--tls-cert', missing, '--tls-key', missing, '--data-dir', dataDir]),
    '--tls-cert',
  );
  const garbage = join(dataDir, 'garbage.pem');
  writeFileSync(garbage, 'not a certificate');
  assertOneLineExit2(
    await run(['serve', '--tls-cert', garbage, '--tls-key', garbage, '--data-dir', dataDir]),
    '--tls-cert',
  );
});

test('a bad flag value, env value and unknown option exit 2 with one line', async () => {
  assertOneLineExit2(await run(['serve', '--port', 'eighty']), '--port');
  assertOneLineExit2(await run(['serve'], { TERARELAY_SEED: 'everything' }), 'TERARELAY_SEED');
  assertOneLineExit2(await run(['serve', '--colour', 'blue']), '--colour');
});

test('serve --dev answers /healthz over HTTPS, prints credentials and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-serve-'));
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI,
      'serve',
      '--dev',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--db',
      `sqlite:${join(dir, 'relay.db')}`,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (https:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    assert.match(stdout, /admin/);
    assert.match(stdout, /participant1/);
    const res = await requestUrl(url.replace('localhost', '127.0.0.1') + '/healthz');
    assert.equal(res.status, 200);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
