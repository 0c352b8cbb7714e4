/**
 * Starting a server process (the relay or a baseline) apart from the load generator, optionally
 * pinned to CPUs with taskset, and talking to it over IPC (./ipc.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { compiledEntry } from './build.js';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reply, Request } from './ipc.js';

/** Longest a server may take to start (seeding a large dataset included), ms. */
const START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 20_000;

type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Sends a request and resolves with the reply's value. */
  request<T = unknown>(body: RequestBody): Promise<T>;
  /** Sends a request without waiting for (or getting) a reply. */
  post(body: RequestBody): void;
  /** SIGTERM, then SIGKILL after STOP_TIMEOUT_MS; resolves once the process is gone. */
  stop(): Promise<void>;
}

/** Pins every thread of `pid` to `cpus` (a taskset list such as `0`); false when that failed. */
export function pin(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `node --expose-gc <entry compiled> ...args` from the repository root (./build.ts: the
 * servers run compiled, as in production), its output appended to `<logDir>/<name>.log`, and
 * resolves once it reports Ready.
 */
export async function startServerProcess(
  name: string,
  entry: string,
  args: string[],
  options: { logDir: string; cpus: string | null },
): Promise<ServerProcess> {
  const logFile = join(options.logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--enable-source-maps', '--expose-gc', compiledEntry(entry), ...args],
    {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', log, log, 'ipc'],
      serialization: 'advanced',
    },
  );
  closeSync(log);
  if (options.cpus !== null && child.pid !== undefined) pin(child.pid, options.cpus);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail = (): string => readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${tail()}`));
    }, START_TIMEOUT_MS);
    child.on('message', (m: { ready?: boolean; port?: number }) => {
      if (m.ready && typeof m.port === 'number') {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} while starting:\n${tail()}`));
    });
  });

  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: Reply | { ready: true }) => {
    if (!('id' in m)) return;
    const waiter = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) waiter?.resolve(m.value);
    else waiter?.reject(new Error(`${name}: ${m.error}`));
  });
  child.once('exit', () => {
    for (const w of pending.values()) w.reject(new Error(`${name} exited`));
    pending.clear();
  });

  return {
    name,
    pid: child.pid!,
    port,
    request<T>(body: RequestBody): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...body, id });
      });
    },
    post(body: RequestBody): void {
      child.send({ ...body, id: 0 });
    },
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
