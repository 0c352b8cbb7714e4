import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.js';
import { redisUrlOptions } from '../src/seams/redis-client.js';
import { resolveTls } from '../src/tls.js';
import { createTestDatabase, PG_ADMIN_URL } from './kit/postgres.js';
import { freePort } from './kit/redis.js';
import { requestUrl } from './kit/server.js';
import { unavailable } from './kit/services.js';
import { CLI, run, TSX, type Run } from './kit/cli.js';

function assertOneLineExit2(r: Run, setting: string): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${r.stderr}`);
  assert.match(lines[0]!, new RegExp(setting.replace(/[-]/g, '\\-')));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

interface Serving {
  /** The URL the node printed once listening. */
  url: string;
  /** stdout so far. */
  stdout(): string;
  /** stdout + stderr so far. */
  output(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `serve` with `args` and waits for its "listening on" line. */
async function serve(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Serving> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', ...args], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let output = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /listening on (https?:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    return {
      url,
      stdout: () => stdout,
      output: () => output,
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'terarelay-cli-'));
test.after(() => rmSync(dataDir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1 and localhost, with its PEM files in `dir`. */
async function certificate(
  dir: string,
): Promise<{ cert: string; key: string; certFile: string; keyFile: string }> {
  const tls = await resolveTls(loadConfig({ env: {}, flags: { dataDir: dir, dev: true } }));
  assert.ok(tls);
  return {
    cert: tls.cert,
    key: tls.key,
    certFile: join(dir, 'tls', 'dev-cert.pem'),
    keyFile: join(dir, 'tls', 'dev-key.pem'),
  };
}

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const r = await run(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

test("--db naming PostgreSQL's maintenance database exits 2 with one line", async () => {
  const r = await run(['serve', '--db', 'postgres://postgres:secret@127.0.0.1:5432/postgres']);
  assertOneLineExit2(r, '--db');
  assert.match(r.stderr, /PostgreSQL's own database/);
  assert.doesNotMatch(r.stderr, /secret/);
});

test('a SQLite --db in a folder that does not exist exits 2 with one line', async () => {
  const missing = join(dataDir, 'no-such-folder', 'relay.db');
  assertOneLineExit2(await run(['serve', '--dev', '--db', `sqlite:${missing}`]), '--db');
  assert.equal(existsSync(join(dataDir, 'no-such-folder')), false);
});

test('serve --dev with no settings creates ./data, keeps its database there, listens on 127.0.0.1', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'terarelay-cli-cwd-'));
  try {
    const node = await serve(['--dev', '--port', '0', '--log-level', 'warn'], { cwd });
    try {
      assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await requestUrl(`${node.url}/healthz`)).status, 200);
      assert.ok(existsSync(join(cwd, 'data', 'terarelay.db')));
    } finally {
      assert.equal(await node.stop(), 0);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('--redis rediss:// with an ACL user: TLS verified, user authenticated, password never printed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-rediss-'));
  const tls = await certificate(dir);
  const port = await freePort();
  // The ACL user's password has characters that must be percent-encoded in the URL.
  const password = 's3:cr@t';
  const redisServer = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1']
      .concat(['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile])
      .concat(['--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no'])
      .concat([
        '--user',
        'default',
        'off',
        '--user',
        'relay',
        'on',
        `>${password}`,
        '~*',
        '&*',
        '+@all',
      ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const redisExited = new Promise<void>((resolve) => redisServer.once('exit', () => resolve()));
  try {
    let log = '';
    const ready = await new Promise<string | null>((resolve) => {
      redisServer.once('error', (e) => resolve(e.message));
      redisServer.stdout.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Ready to accept connections')) resolve(null);
      });
      void redisExited.then(() => resolve(`redis-server exited: ${log}`));
    });
    if (ready !== null) {
      t.skip(unavailable('redis-server with TLS', ready));
      return;
    }
    const url = `rediss://relay:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    const env = { NODE_EXTRA_CA_CERTS: tls.certFile };
    const node = await serve(
      ['--dev', '--port', '0', '--data-dir', dir, '--db', 'sqlite::memory:', '--redis', url],
      { env },
    );
    try {
      assert.equal((await requestUrl(`${node.url}/healthz`)).status, 200);
      const probe = new Redis({
        ...redisUrlOptions(url),
        tls: { ca: tls.cert },
        lazyConnect: true,
      });
      try {
        await probe.connect();
        const clients = String(await probe.client('LIST'));
        assert.match(clients, /name=terarelay:\S+ .*user=relay/);
      } finally {
        probe.disconnect();
      }
    } finally {
      assert.equal(await node.stop(), 0);
    }
    assert.doesNotMatch(node.output(), /s3:cr@t|s3%3Acr%40t/);
  } finally {
    redisServer.kill('SIGKILL');
    await redisExited;
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A PostgreSQL front that only speaks TLS: it accepts the client's SSLRequest, completes a TLS
 * handshake with `tls`, and relays the decrypted stream to the real server at `upstream`.
 */
async function tlsOnlyPostgres(
  tls: { cert: string; key: string },
  upstream: URL,
): Promise<{ port: number; handshakes(): number; close(): Promise<void> }> {
  const SSL_REQUEST = 80877103;
  const sockets = new Set<Socket>();
  let handshakes = 0;
  const server = createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => raw.destroy());
    raw.once('data', (first: Buffer) => {
      if (first.length !== 8 || first.readInt32BE(4) !== SSL_REQUEST) return raw.destroy();
      raw.write('S');
      const secure = new TLSSocket(raw, { isServer: true, cert: tls.cert, key: tls.key });
      secure.once('secure', () => {
        handshakes += 1;
        const up = connect(Number(upstream.port || 5432), upstream.hostname);
        sockets.add(up);
        up.on('close', () => secure.destroy());
        up.on('error', () => secure.destroy());
        secure.on('close', () => up.destroy());
        secure.pipe(up).pipe(secure);
      });
      secure.on('error', () => raw.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    handshakes: () => handshakes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('--db postgres://…?sslmode=verify-full: TLS with the certificate checked (sslrootcert)', async (t) => {
  const database = await createTestDatabase();
  if ('skip' in database) {
    t.skip(database.skip);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-pgtls-'));
  const tls = await certificate(dir);
  const front = await tlsOnlyPostgres(tls, new URL(PG_ADMIN_URL));
  try {
    const url = new URL(database.url);
    url.host = `127.0.0.1:${front.port}`;
    url.search = 'sslmode=verify-full';
    // The server's certificate is not trusted without its CA: refused before any query.
    const refused = await run(['serve', '--dev', '--data-dir', dir, '--db', url.toString()]);
    assertOneLineExit2(refused, '--db');
    assert.match(refused.stderr, /certificate/i);
    assert.equal(front.handshakes(), 0);

    url.search = `sslmode=verify-full&sslrootcert=${encodeURIComponent(tls.certFile)}`;
    const node = await serve([
      '--dev',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--data-dir',
      dir,
      '--db',
      url.toString(),
    ]);
    try {
      assert.equal((await requestUrl(`${node.url}/healthz`)).status, 200);
      assert.ok(front.handshakes() > 0);
    } finally {
      assert.equal(await node.stop(), 0);
    }
  } finally {
    await front.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

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

test('a bad flag value and env value exit 2 with one line', async () => {
  assertOneLineExit2(await run(['serve', '--port', 'eighty']), '--port');
  assertOneLineExit2(await run(['serve'], { TERARELAY_SEED: 'everything' }), 'TERARELAY_SEED');
});

test('serve --dev answers /healthz over HTTPS, prints credentials and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-serve-'));
  try {
    const node = await serve([
      '--dev',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--db',
      `sqlite:${join(dir, 'relay.db')}`,
    ]);
    try {
      assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/, '--dev listens on loopback only');
      assert.match(node.stdout(), /admin/);
      assert.match(node.stdout(), /participant1/);
      const res = await requestUrl(node.url + '/healthz');
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await node.stop(), 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('passwd sets a user password from standard input and clears the forced change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-passwd-'));
  const dbUrl = `sqlite:${join(dir, 'relay.db')}`;
  try {
    const { openDb } = await import('../src/store/connect.js');
    const { migrateToLatest } = await import('../src/store/migrate.js');
    const { seedIfEmpty } = await import('../src/store/seed/seed.js');
    const { verifyPassword } = await import('../src/auth/passwords.js');
    const seed = await openDb(dbUrl);
    await migrateToLatest(seed);
    await seedIfEmpty(seed, 'defaults');
    await seed.close();

    const passwd = (username: string, input: string): Promise<Run> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', TSX, CLI, 'passwd', username], {
          env: { ...process.env, TERARELAY_DB: dbUrl },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(input);
      });

    const ok = await passwd('admin', 'N3w-secret!\nignored\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stdout + ok.stderr, /N3w-secret/, 'the password is never printed');
    const db = await openDb(dbUrl);
    const row = await db.kysely
      .selectFrom('t_users')
      .select(['user_password', 'user_force_password_change'])
      .where('user_username', '=', 'admin')
      .executeTakeFirstOrThrow();
    await db.close();
    assert.equal(await verifyPassword('N3w-secret!', row.user_password), true);
    assert.equal(await verifyPassword('admin', row.user_password), false);
    assert.equal(row.user_force_password_change, false);

    assertOneLineExit2(await passwd('nobody', 'whatever\n'), 'nobody');
    assertOneLineExit2(await passwd('admin', '\n'), 'empty');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
