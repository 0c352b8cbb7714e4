/**
 * What every scenario is given: the options, the servers it may start (each in its own
 * process, on the same database, certificate and Redis), the publisher reaching a server's bus,
 * the bench dataset, and measurements of a server process over a phase.
 */
import type { Options } from './options.js';
import type { Progress } from './progress.js';
import type { ServerProcess } from './child.js';
import type { Publisher } from './load/publisher.js';
import type { BenchDataset } from './load/dataset.js';
import type { RunningProfile } from './profile.js';
import { loadAverage } from './machine.js';
import { cpuMeter, ownCpuMeter, peakRssBytes, resetPeak } from './proc.js';
import { round } from './stats.js';

export interface Bench {
  readonly options: Options;
  readonly progress: Progress;
  /** The relay, seeded with bench:N on its first start; `flags` add to or override its own. */
  startRelay(flags?: Record<string, unknown>): Promise<ServerProcess>;
  /** The bare `ws` broadcast baseline (fan-out, idle). */
  startBroadcast(): Promise<ServerProcess>;
  /** The plain https + ws login baseline (connect storm). */
  startFloor(): Promise<ServerProcess>;
  /** Reaches `server`'s bus: Redis when the run has one, else its IPC channel. */
  publisher(server: ServerProcess): Publisher;
  /** The bench dataset (read once, after the relay's first start seeded it). */
  dataset(): Promise<BenchDataset>;
  /**
   * With `--profile`, starts CPU-profiling `server` for the phase named `phase` (a file-name
   * part, e.g. `storm-relay-logins`); null without it.
   */
  profile(server: ServerProcess, phase: string): Promise<RunningProfile | null>;
}

export interface PhaseUse {
  /** CPU of the server process over the phase, % of one core. */
  serverCpuPercent: number | null;
  /** Peak resident memory of the server process during the phase (since start when the peak
   * could not be reset), MiB. */
  serverRssPeakMiB: number | null;
  /** CPU of the load generator over the phase, % of one core: near 100, it was the limit. */
  loadGeneratorCpuPercent: number | null;
  /** The machine's 1-minute load average when the phase ended (other work skews figures). */
  loadAverage: number;
}

/** Starts measuring `server` (CPU, peak RSS) and this process (CPU) until `stop()`. */
export function phaseMeter(server: ServerProcess): { stop(): PhaseUse } {
  resetPeak(server.pid);
  const cpu = cpuMeter(server.pid);
  const own = ownCpuMeter();
  return {
    stop: () => ({
      serverCpuPercent: round(cpu.stop()),
      serverRssPeakMiB: mib(peakRssBytes(server.pid)),
      loadGeneratorCpuPercent: round(own.stop()),
      loadAverage: loadAverage(),
    }),
  };
}

export const mib = (bytes: number | null): number | null =>
  bytes === null ? null : round(bytes / 2 ** 20);

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 20 ms until it is true or `deadline` (epoch ms) passed; true when done. */
export async function until(done: () => boolean, deadline: number): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}
