/**
 * A TeraRelay node as a real process (`terarelay serve`), for tests that kill nodes: started
 * with the CLI, its URL read from the line it prints once listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeProcess {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  /** Sends `signal` and returns at once. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process exited. */
  exited(): Promise<number | null>;
  /** SIGKILL: the node dies without closing anything. */
  kill(): Promise<number | null>;
  /** SIGTERM, then waits for the exit; resolves with the exit code. Idempotent. */
  stop(): Promise<number | null>;
}

export interface NodeOptions {
  db: string;
  /** Without it the node keeps every seam in process. */
  redis?: string;
  presenceTtl?: number;
  /** More `serve` flags. */
  args?: string[];
}

export async function startNode(options: NodeOptions): Promise<NodeProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'terarelay-node-'));
  const args = [
    '--import',
    'tsx',
    'src/cli.ts',
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--db',
    options.db,
    ...(options.redis ? ['--redis', options.redis] : []),
    '--seed',
    'test',
    ...(options.presenceTtl ? ['--presence-ttl', String(options.presenceTtl)] : []),
    '--log-level',
    process.env.TERARELAY_TEST_NODE_LOG ?? 'warn',
    '--data-dir',
    dataDir,
    ...(options.args ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: process.env.CI ?? '' },
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const m = /listening on (https?:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`node exited before listening:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  return {
    url,
    port: Number(new URL(url).port),
    output: () => output,
    signal: (signal) => void child.kill(signal),
    exited: () => exited,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
