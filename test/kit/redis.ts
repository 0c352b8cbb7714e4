/**
 * A private redis-server on a free port, for tests that restart, kill or flush Redis (and for
 * contract suites, so fixed OpenTera key names never collide between test files).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import { createServer, createConnection } from 'node:net';
import { unavailable } from './services.js';
import { waitFor } from './waiting.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`), keeping the port for `start()`. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.end();
      resolve(true);
    });
    sock.once('error', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** Starts a private redis-server, or returns a skip reason when redis-server is missing locally. */
export async function startPrivateRedis(): Promise<PrivateRedis | { skip: string }> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) => child!.once('error', reject));
    const open = waitFor(() => accepts(port), {
      what: `redis-server to open port ${port}`,
      timeoutMs: 5000,
    });
    open.catch(() => undefined); // the race reports it; no unhandled rejection once `failed` won
    await Promise.race([open, failed]);
  };
  const stop = async (hard = false): Promise<void> => {
    const c = child as ChildProcess | null;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  try {
    await start();
  } catch (e) {
    await stop(true);
    return { skip: unavailable('redis-server', (e as Error).message) };
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop, start, close: () => stop(true) };
}

/** Channels (`sub`) and patterns (`psub`) held by each client whose CLIENT name matches `name`. */
export async function subscriptionsOf(
  r: Pick<Redis, 'client'>,
  name: RegExp,
): Promise<Array<{ sub: number; psub: number }>> {
  return String(await r.client('LIST'))
    .split('\n')
    .filter((line) => name.test(/ name=(\S*)/.exec(line)?.[1] ?? ''))
    .map((line) => ({
      sub: Number(/ sub=(\d+)/.exec(line)?.[1]),
      psub: Number(/ psub=(\d+)/.exec(line)?.[1]),
    }));
}
