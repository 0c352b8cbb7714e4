/**
 * A private redis-server on a free port, for tests that restart, kill or flush Redis (and for
 * contract suites, so fixed OpenTera key names never collide between test files).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, createConnection } from 'node:net';
import { unavailable } from './services.js';

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

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const sock = createConnection({ port, host: '127.0.0.1' });
      sock.once('connect', () => {
        sock.end();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not open port ${port}`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
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
    await Promise.race([waitForPort(port, 5000), failed]);
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
