/** The machine and software a benchmark ran on, as recorded with its results. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { Redis } from 'ioredis';

export interface Machine {
  cpuModel: string;
  /** CPUs of the machine (not only those this process may use). */
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started and ended (other work skews the figures). */
  loadAverageAtStart: number;
  loadAverageAtEnd: number | null;
  /** Soft limit of open files per process (each side of a connection holds one). */
  openFilesLimit: number | null;
  /** CPUs given to the servers and to the load generator with taskset, or null (not pinned). */
  pinned: { servers: string; loadGenerator: string } | null;
  redisVersion: string | null;
  commit: string | null;
}

/** The soft `Max open files` of this process (raised by `npm run bench` to the hard limit). */
export function openFilesLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(
      readFileSync('/proc/self/limits', 'utf8'),
    );
    if (!line) return null;
    return line[1] === 'unlimited' ? Infinity : Number(line[1]);
  } catch {
    return null;
  }
}

/** The 1-minute load average. */
export const loadAverage = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

function commit(): string | null {
  try {
    const run = (args: string[]): string =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = run(['rev-parse', '--short', 'HEAD']);
    return run(['status', '--porcelain', '--untracked-files=no']) ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

async function redisVersion(url: string | null): Promise<string | null> {
  if (!url) return null;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

export async function describeMachine(
  redis: string | null,
  pinned: Machine['pinned'],
): Promise<Machine> {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadAverage(),
    loadAverageAtEnd: null,
    openFilesLimit: openFilesLimit(),
    pinned,
    redisVersion: await redisVersion(redis),
    commit: commit(),
  };
}
