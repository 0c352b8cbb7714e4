/**
 * `npm run bench`: TeraRelay's benchmark. It starts TeraRelay (seeded with `bench:N` on a fresh
 * SQLite file, or on `--db`/`--redis`) and the baselines each in its own process, drives them
 * from this process (the load generator), and writes the results as JSON and markdown under
 * bench/results/. Scenarios: fan-out (./scenarios/fanout.ts), connect storm (./storm.ts), idle
 * connections (./idle.ts), history (./history.ts), stalled sockets against the send budget
 * (./stalled.ts). `npm run bench -- --help` lists the options.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../src/config.js';
import { resolveTls } from '../src/tls.js';
import { pin, startServerProcess, type ServerProcess } from './child.js';
import type { Bench } from './context.js';
import { readDataset, type BenchDataset } from './load/dataset.js';
import { ipcPublisher, redisPublisher } from './load/publisher.js';
import { describeMachine, loadAverage, openFilesLimit, type Machine } from './machine.js';
import { parseOptions, seedSize, USAGE, type Options, type Scenario } from './options.js';
import { Progress } from './progress.js';
import { startProfile, type ProfileSummary } from './profile.js';
import {
  fanoutRatios,
  idleRatios,
  markdown,
  stormRatios,
  writeResults,
  type Results,
} from './report.js';
import { runFanout } from './scenarios/fanout.js';
import { runIdle } from './scenarios/idle.js';
import { runStorm } from './scenarios/storm.js';
import { runHistory } from './scenarios/history.js';
import { runStalled } from './scenarios/stalled.js';

/** Descriptors a process needs besides its sockets (files, pipes, Redis, database). */
const SPARE_FILES = 512;

function options(): Options {
  try {
    const o = parseOptions(process.argv.slice(2));
    if (o) return o;
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const o = options();
const size = seedSize(o);
const files = openFilesLimit();
if (files !== null && files < size + SPARE_FILES) {
  process.stderr.write(
    `bench: ${size} connections need an open-files limit of at least ${size + SPARE_FILES} ` +
      `per process (now ${files}): raise it with \`ulimit -n\` (npm run bench raises the soft ` +
      'limit to the hard one) or ask for smaller sizes\n',
  );
  process.exit(2);
}
const cores = cpus().length;
const pinning = o.pin === 'on' || (o.pin === 'auto' && cores >= 2 && hasTaskset());
const pinned: Machine['pinned'] = pinning ? { servers: '0', loadGenerator: '1' } : null;
if (pinned && !pin(process.pid, pinned.loadGenerator)) {
  process.stderr.write('bench: taskset could not pin the load generator\n');
  process.exit(2);
}

const workDir = mkdtempSync(join(tmpdir(), 'terarelay-bench-'));
await resolveTls(loadConfig({ env: {}, flags: { dataDir: workDir, dev: true } }));
const certFile = join(workDir, 'tls', 'dev-cert.pem');
const keyFile = join(workDir, 'tls', 'dev-key.pem');
const dbUrl = o.db ?? `sqlite:${join(workDir, 'bench.db')}`;
const seed = `bench:${size}`;
const tlsArgs = ['--cert', certFile, '--key', keyFile];
const redisArgs = o.redis ? ['--redis', o.redis] : [];
const progress = new Progress();
const serverOptions = { logDir: workDir, cpus: pinned?.servers ?? null };
let dataset: Promise<BenchDataset> | null = null;
let started = 0;
const date = new Date().toISOString();
const baseName =
  `${date.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}-` +
  `${o.db?.startsWith('postgres') ? 'postgres' : 'sqlite'}${o.redis ? '-redis' : ''}`;
const profiles: Record<string, ProfileSummary> = {};

const bench: Bench = {
  options: o,
  progress,
  async startRelay(extra: Record<string, unknown> = {}): Promise<ServerProcess> {
    progress.set(started === 0 ? `starting TeraRelay (seeding ${seed})` : 'starting TeraRelay');
    const flags = {
      db: dbUrl,
      seed,
      host: '127.0.0.1',
      port: 0,
      dataDir: workDir,
      tlsCert: certFile,
      tlsKey: keyFile,
      logLevel: 'warn',
      ...(o.redis ? { redis: o.redis } : {}),
      ...extra,
    };
    const server = await startServerProcess(
      `relay-${++started}`,
      'bench/servers/relay.ts',
      [JSON.stringify(flags)],
      serverOptions,
    );
    dataset ??= readDataset(dbUrl, size);
    return server;
  },
  startBroadcast: () =>
    startServerProcess(
      `broadcast-${++started}`,
      'bench/servers/broadcast.ts',
      [...tlsArgs, ...redisArgs],
      serverOptions,
    ),
  startFloor: () =>
    startServerProcess(
      `floor-${++started}`,
      'bench/servers/login-floor.ts',
      [...tlsArgs, '--db', dbUrl, ...redisArgs],
      serverOptions,
    ),
  publisher: (server) => (o.redis ? redisPublisher(o.redis) : ipcPublisher(server)),
  async dataset(): Promise<BenchDataset> {
    if (!dataset) {
      // The relay seeds the database: start it once when a baseline runs first.
      const relay = await this.startRelay();
      await relay.stop();
    }
    return dataset!;
  },
  async profile(server, phase) {
    if (!o.profile) return null;
    mkdirSync(resolve(o.out), { recursive: true });
    const running = await startProfile(
      server,
      join(resolve(o.out), `${baseName}-${phase}`),
      `${phase} (${server.name}), ${baseName}`,
    );
    return {
      async stop() {
        const summary = await running.stop();
        if (summary) profiles[phase] = summary;
        return summary;
      },
    };
  },
};

const results: Results = {
  date,
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  machine: await describeMachine(o.redis, pinned),
  setup: {
    db: o.db ? o.db.replace(/:[^:@/]*@/, ':***@') : 'a fresh SQLite file',
    redis: o.redis,
    seed,
    publishedVia: o.redis
      ? 'Redis PUBLISH on module.TeraServer.UserManagerModule.events (binary TeraEvent)'
      : "the server process's IPC channel, handed to its in-process bus",
  },
  options: o,
  errors: {},
};
/** Runs one scenario; a failure is recorded and the next scenario still runs. */
async function scenario(name: Scenario, run: () => Promise<void>): Promise<void> {
  if (!o.scenarios.includes(name)) return;
  try {
    await run();
  } catch (err) {
    results.errors[name] = (err as Error).message;
    progress.log(`${name} failed: ${(err as Error).stack ?? String(err)}`);
  }
}

try {
  await scenario('fanout', async () => {
    const targets = await runFanout(bench);
    results.fanout = { targets, ratios: fanoutRatios(targets) };
  });
  await scenario('storm', async () => {
    const targets = await runStorm(bench);
    results.storm = { targets, ratios: stormRatios(targets) };
  });
  await scenario('history', async () => {
    results.history = await runHistory(bench);
  });
  await scenario('stalled', async () => {
    results.stalled = await runStalled(bench);
  });
  await scenario('idle', async () => {
    const targets = await runIdle(bench);
    results.idle = { targets, ratios: idleRatios(targets) };
  });
} finally {
  progress.stop();
  results.machine.loadAverageAtEnd = loadAverage();
  if (Object.keys(profiles).length > 0) results.profiles = profiles;
}

const failed = Object.keys(results.errors).length > 0;
const name = baseName + (failed ? '-incomplete' : '');
const paths = await writeResults(resolve(o.out), name, results);
process.stdout.write(`${markdown(results)}\nResults: ${paths.join(', ')}\n`);
if (failed || o.keep) process.stdout.write(`Work folder (server logs) kept: ${workDir}\n`);
else rmSync(workDir, { recursive: true, force: true });
if (failed) process.exitCode = 1;
