/**
 * Readings of another process from /proc (Linux): CPU time, resident memory and its peak.
 * Every reading of a process that is gone (or a system without /proc) is null.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 when unknown). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time of `pid`, in seconds. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

/** A field of /proc/<pid>/status in KiB (`VmRSS`, `VmHWM`). */
function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resident memory of `pid`, bytes. */
export const rssBytes = (pid: number): number | null => mul(statusKiB(pid, 'VmRSS'));
/** Peak resident memory of `pid` since it started or since `resetPeak`, bytes. */
export const peakRssBytes = (pid: number): number | null => mul(statusKiB(pid, 'VmHWM'));
const mul = (kib: number | null): number | null => (kib === null ? null : kib * 1024);

/** Starts a new peak (`VmHWM` = current RSS); false when the kernel refused. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU use of `pid` between `start()` and `stop()`, in % of one core. */
export function cpuMeter(pid: number): { stop(): number | null } {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpu1 = cpuSeconds(pid);
      if (cpu0 === null || cpu1 === null) return null;
      return ((cpu1 - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    },
  };
}

/** CPU use of this process between the call and `stop()`, in % of one core. */
export function ownCpuMeter(): { stop(): number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop() {
      const d = process.cpuUsage(cpu0);
      return ((d.user + d.system) / 1000 / (performance.now() - t0)) * 100;
    },
  };
}
