/**
 * The package as a user gets it: `npm pack` of a copy of this checkout (so the build never
 * touches the working tree), installed with `npm install --omit=dev` from the npm cache into an
 * empty folder. The installed `terarelay` prints its version, serves /healthz over HTTPS with
 * `serve --dev` on the default SQLite file in its data dir and exits 0 on SIGTERM; every
 * non-TypeScript file under src/ sits beside its compiled module in dist/; and without the
 * optional better-sqlite3 a sqlite: database is refused with one line naming --db.
 *
 * The client SDK ships and works from that install, without dev dependencies (no esbuild):
 * `dist/client/index.d.ts` and the browser module `dist/client/terarelay-client.js` are in the
 * package; a script run by node in the install folder imports `terarelay/client`, finds its
 * exports, logs in to the installed `serve` and opens a connection; and the installed `serve`
 * answers GET /client/terarelay-client.js with the shipped file's bytes as ESM JavaScript.
 *
 * Offline, npm cannot resolve a tarball's version ranges (that needs registry metadata the cache
 * need not hold), so the empty folder gets a lockfile pinning every dependency to the version,
 * integrity and registry URL of this checkout's package-lock.json, the versions it is tested
 * with: npm then takes each package from the cache by its integrity. Install scripts are skipped
 * (prebuilt binaries cannot be downloaded here and compiling SQLite takes minutes):
 * better-sqlite3's native addon comes from this checkout's build of the same locked version; the
 * other native dependencies ship prebuilt binaries inside their packages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestUrl } from '../kit/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
/** Top-level entries of the checkout that are not build inputs. */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', 'data', 'coverage', '.tmp']);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`). */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function mustSucceed(r: Run, what: string): void {
  assert.equal(r.code, 0, `${what} failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
}

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

/**
 * A lockfile for a folder depending only on `tarball`: the package's own entry from this
 * checkout's package-lock.json root, and every non-dev package there at the same place, version
 * and integrity, with its registry tarball URL.
 */
function pinnedLock(manifest: object, tarball: string, registry: string): object {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const { name: _name, devDependencies: _dev, ...own } = lock.packages['']!;
  const packages: Record<string, object> = {
    '': manifest,
    'node_modules/terarelay': { ...own, resolved: tarball },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.link) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const file = `${name.split('/').pop()}-${entry.version ?? ''}.tgz`;
    packages[path] = { resolved: `${registry.replace(/\/?$/, '/')}${name}/-/${file}`, ...entry };
  }
  return { name: 'pack-probe', lockfileVersion: 3, requires: true, packages };
}

/** The SDK's runtime exports (src/client/index.ts), and the methods of its client. */
const CLIENT_EXPORTS = [
  'Backoff',
  'CLIENT_DISCONNECT_CODE',
  'Connection',
  'OnlineTracker',
  'REPLACED_CODE',
  'RESUME_HEADER',
  'RelayError',
  'SUBPROTOCOL_BINARY',
  'SUBPROTOCOL_RESUME_BINARY',
  'SUBPROTOCOL_RESUME_JSON',
  'ServiceClient',
  'TeraRelayClient',
  'applyEvent',
  'decodeBinaryFrame',
  'decodeEvent',
  'decodeTextFrame',
  'tokenExpiry',
];
const CLIENT_METHODS = ['connect', 'login', 'logout', 'online', 'refresh', 'service'];

/**
 * Run by node in the install folder with the server's origin: imports the SDK as an app does,
 * logs in as the seeded admin, waits for the connection to open, closes it and prints what it
 * saw as one JSON line.
 */
const CLIENT_PROBE = `
const sdk = await import('terarelay/client');
const methods = Object.getOwnPropertyNames(sdk.TeraRelayClient.prototype);
const relay = new sdk.TeraRelayClient({ url: process.argv[2], insecure: true });
const session = await relay.login({ user: 'admin', password: 'admin' });
const connection = relay.connect(session);
await connection.opened();
const final = await connection.close();
console.log(JSON.stringify({
  exports: Object.keys(sdk).sort(),
  methods,
  kind: session.kind,
  final: final.state,
  resolved: import.meta.resolve('terarelay/client'),
}));
`;

/** GET `url` (trusting any certificate): status, content-type and the body's bytes. */
function getBytes(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

test(
  'the packed tarball installs without dev dependencies and runs',
  { timeout: 900_000 },
  async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'terarelay-pack-'));
    try {
      // A copy of the checkout sharing its node_modules (the build tools), plus one asset of a
      // kind src/ does not have yet, to show every non-TypeScript file is shipped.
      const project = join(tmp, 'project');
      cpSync(ROOT, project, {
        recursive: true,
        filter: (src) => !NOT_COPIED.has(relative(ROOT, src).split(/[\\/]/)[0] ?? ''),
      });
      symlinkSync(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
      mkdirSync(join(project, 'src', 'asset-probe', 'nested'), { recursive: true });
      writeFileSync(join(project, 'src', 'asset-probe', 'nested', 'probe.lua'), 'return 1\n');

      const out = join(tmp, 'out');
      mkdirSync(out);
      mustSucceed(
        await run('npm', ['pack', '--pack-destination', out], project, 600_000),
        'npm pack',
      );
      const tarballs = readdirSync(out).filter((f) => f.endsWith('.tgz'));
      assert.deepEqual(tarballs, [`terarelay-${VERSION}.tgz`]);

      const app = join(tmp, 'app');
      mkdirSync(app);
      const tarball = `file:${relative(app, join(out, tarballs[0]!))}`;
      const registry = (await run('npm', ['config', 'get', 'registry'], app, 30_000)).stdout.trim();
      const manifest = { name: 'pack-probe', private: true, dependencies: { terarelay: tarball } };
      writeFileSync(join(app, 'package.json'), JSON.stringify(manifest));
      writeFileSync(
        join(app, 'package-lock.json'),
        JSON.stringify(pinnedLock(manifest, tarball, registry || 'https://registry.npmjs.org/')),
      );
      mustSucceed(
        await run(
          'npm',
          [
            'install',
            '--omit=dev',
            '--offline',
            '--no-audit',
            '--no-fund',
            '--ignore-scripts',
            tarball,
          ],
          app,
          180_000,
        ),
        'npm install of the tarball',
      );
      const installed = join(app, 'node_modules', 'terarelay');
      for (const dev of ['typescript', 'esbuild', 'tsx'])
        assert.ok(!existsSync(join(app, 'node_modules', dev)), `no dev dependency (${dev})`);
      const clientDir = join(installed, 'dist', 'client');
      for (const file of ['index.d.ts', 'index.js', 'terarelay-client.js'])
        assert.ok(existsSync(join(clientDir, file)), `dist/client/${file} is shipped`);
      const sourceFiles = [...filesUnder(join(project, 'src'))];
      for (const asset of sourceFiles.filter((f) => !f.endsWith('.ts'))) {
        const shipped = join(installed, 'dist', relative(join(project, 'src'), asset));
        assert.ok(existsSync(shipped), `${relative(project, asset)} is shipped as ${shipped}`);
      }
      assert.ok(
        existsSync(join(installed, 'dist', 'gen', 'opentera', 'protobuf', 'TeraMessage_pb.js')),
      );

      const sqlite = dirname(
        createRequire(join(installed, 'package.json')).resolve('better-sqlite3/package.json'),
      );
      const addon = join('build', 'Release', 'better_sqlite3.node');
      mkdirSync(dirname(join(sqlite, addon)), { recursive: true });
      copyFileSync(join(ROOT, 'node_modules', 'better-sqlite3', addon), join(sqlite, addon));

      const version = await run('npx', ['--offline', 'terarelay', '--version'], app, 60_000);
      mustSucceed(version, 'npx terarelay --version');
      assert.equal(version.stdout.trim(), VERSION);

      const bin = join(app, 'node_modules', '.bin', 'terarelay');
      const dataDir = join(tmp, 'data');
      const child = spawn(bin, ['serve', '--port', '0', '--dev', '--data-dir', dataDir], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        let output = '';
        const url = await new Promise<string>((resolve, reject) => {
          const onData = (d: Buffer): void => {
            output += d.toString();
            const m = /listening on (https:\/\/\S+)/.exec(output);
            if (m) resolve(m[1]!);
          };
          child.stdout.on('data', onData);
          child.stderr.on('data', onData);
          void exited.then((code) => reject(new Error(`serve exited ${code}:\n${output}`)));
        });
        assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/, '--dev listens on loopback only');
        assert.equal((await requestUrl(`${url}/healthz`)).status, 200);
        assert.ok(
          existsSync(join(dataDir, 'terarelay.db')),
          'the default database is in --data-dir',
        );

        // The SDK from the installed package, as an app imports it.
        writeFileSync(join(app, 'client-probe.mjs'), CLIENT_PROBE);
        const probe = await run('node', ['client-probe.mjs', url], app, 60_000);
        mustSucceed(probe, 'the client SDK probe');
        const seen = JSON.parse(probe.stdout.trim().split('\n').pop()!) as {
          exports: string[];
          methods: string[];
          kind: string;
          final: string;
          resolved: string;
        };
        assert.deepEqual(seen.exports, CLIENT_EXPORTS);
        for (const method of CLIENT_METHODS)
          assert.ok(seen.methods.includes(method), `TeraRelayClient has ${method}()`);
        assert.deepEqual([seen.kind, seen.final], ['user', 'closed']);
        assert.equal(fileURLToPath(seen.resolved), join(clientDir, 'index.js'));

        // The browser module the installed server serves is the shipped file, byte for byte.
        const bundle = await getBytes(`${url}/client/terarelay-client.js`);
        assert.equal(bundle.status, 200, bundle.body.toString());
        assert.match(bundle.type, /^(application|text)\/javascript\b/);
        assert.ok(
          bundle.body.equals(readFileSync(join(clientDir, 'terarelay-client.js'))),
          'GET /client/terarelay-client.js answers the shipped file',
        );
        assert.match(bundle.body.toString(), /\bexport\s*\{/, 'an ES module');
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
      } finally {
        child.kill('SIGKILL');
      }

      rmSync(sqlite, { recursive: true, force: true });
      const refused = await run(
        bin,
        ['serve', '--port', '0', '--dev', '--data-dir', join(tmp, 'data2')],
        app,
        60_000,
      );
      assert.equal(refused.code, 2, refused.stderr);
      const lines = refused.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, refused.stderr);
      assert.match(lines[0]!, /--db.*npm install better-sqlite3/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
