/**
 * CPU profiles of a server process over one phase (`--profile`): the server samples itself with
 * V8's profiler (./servers/ipc.ts) and writes `<name>.cpuprofile` (open it in Chrome DevTools or
 * speedscope); this side summarises it as `<name>.cpuprofile.md`: where the busy time went by
 * origin (TeraRelay's code, ws, Node.js, other packages, garbage collection) and the functions
 * with the most self time.
 */
import { readFileSync } from 'node:fs';
import { writeFormatted } from './report.js';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerProcess } from './child.js';
import { round } from './stats.js';

/** Sampling interval, µs (V8's default is 1000). */
const INTERVAL_US = 250;
/** Functions listed in the summary. */
const TOP = 30;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Paths of the profile and of its markdown summary. */
  files: string[];
  seconds: number;
  /** Time not idle, ms. */
  busyMs: number;
  /** Busy time by origin, % of the busy time. */
  origins: Record<string, number>;
  top: Array<{ function: string; location: string; selfMs: number; percentOfBusy: number }>;
}

/** A phase being profiled: `stop()` writes the profile and its summary. */
export interface RunningProfile {
  stop(): Promise<ProfileSummary | null>;
}

const ROOT = resolve(import.meta.dirname, '..');

/** Where a call frame's code comes from. */
function originOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8/native (program)';
  if (name === '(idle)') return 'idle';
  if (url === '') return 'native';
  if (url.startsWith('node:')) return 'Node.js';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.includes('/src/')) return 'TeraRelay';
  if (url.includes('/bench/')) return 'bench harness';
  return 'other';
}

function location(url: string, line: number): string {
  if (url === '') return '';
  let path = url;
  if (url.startsWith('file://')) path = relative(ROOT, fileURLToPath(url));
  return `${path}:${line + 1}`;
}

/** Starts profiling `server`; `stop()` writes `<base>.cpuprofile` and `<base>.cpuprofile.md`. */
export async function startProfile(
  server: ServerProcess,
  base: string,
  title: string,
): Promise<RunningProfile> {
  await server.request({ op: 'profile-start', intervalUs: INTERVAL_US });
  return {
    async stop() {
      const path = `${base}.cpuprofile`;
      await server.request({ op: 'profile-stop', path });
      const summary = summarise(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
      const md = `${base}.cpuprofile.md`;
      await writeFormatted(md, summaryMarkdown(title, path, summary));
      return { ...summary, files: [path, md] };
    },
  };
}

export function summarise(profile: CpuProfile): Omit<ProfileSummary, 'files'> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    // Each delta is the time since the previous sample: it belongs to this sample's frame.
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const functions = new Map<string, { name: string; location: string; us: number }>();
  const origins = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const origin = originOf(url, functionName);
    if (origin === 'idle') continue;
    busy += us;
    origins.set(origin, (origins.get(origin) ?? 0) + us);
    const name = functionName || '(anonymous)';
    const where = location(url, lineNumber);
    const key = `${name}@${where}`;
    const f = functions.get(key) ?? { name, location: where, us: 0 };
    f.us += us;
    functions.set(key, f);
  }
  const percent = (us: number): number => round((100 * us) / Math.max(1, busy), 1)!;
  return {
    seconds: round((profile.endTime - profile.startTime) / 1e6, 2)!,
    busyMs: round(busy / 1000, 0)!,
    origins: Object.fromEntries(
      [...origins].sort((a, b) => b[1] - a[1]).map(([k, us]) => [k, percent(us)]),
    ),
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, TOP)
      .map((f) => ({
        function: f.name,
        location: f.location,
        selfMs: round(f.us / 1000, 1)!,
        percentOfBusy: percent(f.us),
      })),
  };
}

function summaryMarkdown(title: string, path: string, s: Omit<ProfileSummary, 'files'>): string {
  const lines = [
    `# CPU profile: ${title}`,
    '',
    `\`${relative(ROOT, path)}\`: ${s.seconds} s sampled every ${INTERVAL_US} µs, ` +
      `${s.busyMs} ms busy (not idle). Self time: time spent in the function itself, not in ` +
      'what it calls.',
    '',
    '| origin | % of busy time |',
    '| --- | --- |',
    ...Object.entries(s.origins).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| function | where | self ms | % of busy time |',
    '| --- | --- | --- | --- |',
    ...s.top.map(
      (f) => `| \`${f.function}\` | ${f.location || '–'} | ${f.selfMs} | ${f.percentOfBusy} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
