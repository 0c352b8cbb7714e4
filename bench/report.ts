/**
 * The results of one invocation: one JSON document (every figure, plus TeraRelay/baseline
 * ratios) and the same as markdown tables, both under the results folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { Machine } from './machine.js';
import type { Options, Scenario } from './options.js';
import type { ProfileSummary } from './profile.js';
import { runName, type FanoutRun, type FanoutTarget } from './scenarios/fanout.js';
import type { LoginsResult, StormTarget } from './scenarios/storm.js';
import type { IdleTarget } from './scenarios/idle.js';
import { historyMarkdown, type HistoryResults } from './scenarios/history.js';
import type { StalledResult } from './scenarios/stalled.js';
import { median, ratio } from './stats.js';

export interface Results {
  date: string;
  command: string;
  machine: Machine;
  setup: {
    db: string;
    redis: string | null;
    seed: string;
    /** How the load generator reaches the servers' bus. */
    publishedVia: string;
  };
  options: Options;
  /** Scenarios that failed, with the error. */
  errors: Partial<Record<Scenario, string>>;
  fanout?: { targets: FanoutTarget[]; ratios: FanoutRatio[] };
  storm?: { targets: StormTarget[]; ratios: StormRatios | null };
  idle?: { targets: IdleTarget[]; ratios: IdleRatio[] };
  history?: HistoryResults;
  stalled?: StalledResult;
  /** CPU profiles taken with `--profile`, by phase. */
  profiles?: Record<string, ProfileSummary>;
}

/** TeraRelay ÷ baseline for one access mode and rate (> 1: more msgs/s, more latency, …). */
export interface FanoutRatio {
  access: string;
  /**
   * The baseline compared with: `all` (every event to every socket), or the access mode's own
   * (each socket gets only what the relay's watcher of the same index gets).
   */
  baseline: string;
  rate: number | 'saturation';
  /** Runs of this rate on TeraRelay: each figure below is a ratio of medians over them. */
  runs: number;
  /** Events published per second (at saturation: how many events/s the server fans out). */
  eventsPerSecond: number | null;
  deliveriesPerSecond: number | null;
  deliveredPercent: number | null;
  p50: number | null;
  p99: number | null;
  serverCpu: number | null;
  serverRssPeak: number | null;
}

export interface StormRatios {
  loginsPerSecond: number | null;
  loginP50: number | null;
  loginP99: number | null;
  stormPerSecond: number | null;
  stormP50: number | null;
  stormP99: number | null;
  stormServerCpu: number | null;
}

export interface IdleRatio {
  connections: number;
  heapPerConnection: number | null;
  rssPerConnection: number | null;
  /** TeraRelay ÷ the login floor (whose clients log in first, as the relay's do). */
  heapPerConnectionVsFloor?: number | null;
  rssPerConnectionVsFloor?: number | null;
}

/**
 * TeraRelay ÷ baseline per access mode and rate, against the broadcast baseline (`all`) and,
 * when it ran, the baseline with the same audience. A fixed rate that ran several times
 * (`--rate-runs`, `--saturation-runs`) compares the medians of its runs, each figure on its own.
 */
export function fanoutRatios(targets: FanoutTarget[]): FanoutRatio[] {
  const out: FanoutRatio[] = [];
  for (const t of targets.filter((x) => x.server === 'relay')) {
    const baselines = targets.filter(
      (b) => b.server === 'baseline' && (b.access === 'all' || b.access === t.access),
    );
    for (const baseline of baselines)
      for (const rate of [...new Set(t.runs.map((r) => r.rate))]) {
        const relayRuns = t.runs.filter((r) => r.rate === rate);
        const baseRuns = baseline.runs.filter((r) => r.rate === rate);
        if (baseRuns.length === 0) continue;
        const of = (pick: (run: FanoutRun) => number | null) =>
          ratio(median(relayRuns.map(pick)), median(baseRuns.map(pick)));
        out.push({
          access: t.access,
          baseline: baseline.access,
          rate,
          runs: relayRuns.length,
          eventsPerSecond: of((r) => r.publishedPerSecond),
          deliveriesPerSecond: of((r) => r.deliveriesPerSecond),
          deliveredPercent: of((r) => r.deliveredPercent),
          p50: of((r) => r.latencyMs.p50),
          p99: of((r) => r.latencyMs.p99),
          serverCpu: of((r) => r.use.serverCpuPercent),
          serverRssPeak: of((r) => r.use.serverRssPeakMiB),
        });
      }
  }
  return out;
}

/** TeraRelay ÷ floor, each figure the median of its rounds (`--repeat`). */
export function stormRatios(targets: StormTarget[]): StormRatios | null {
  const relay = targets.filter((t) => t.server === 'relay');
  const floor = targets.filter((t) => t.server === 'floor');
  if (relay.length === 0 || floor.length === 0) return null;
  const of = (pick: (t: StormTarget) => number | null | undefined) =>
    ratio(median(relay.map(pick)), median(floor.map(pick)));
  return {
    loginsPerSecond: of((t) => t.logins.perSecond),
    loginP50: of((t) => t.logins.latencyMs.p50),
    loginP99: of((t) => t.logins.latencyMs.p99),
    stormPerSecond: of((t) => t.storm.perSecond),
    stormP50: of((t) => t.storm.totalMs.p50),
    stormP99: of((t) => t.storm.totalMs.p99),
    stormServerCpu: of((t) => t.storm.use.serverCpuPercent),
  };
}

export function idleRatios(targets: IdleTarget[]): IdleRatio[] {
  const relay = targets.find((t) => t.server === 'relay');
  const baseline = targets.find((t) => t.server === 'baseline');
  if (!relay || !baseline) return [];
  const floor = targets.find((t) => t.server === 'floor');
  return relay.sizes.map((r) => {
    const b = baseline.sizes.find((x) => x.connections === r.connections);
    const f = floor?.sizes.find((x) => x.connections === r.connections);
    return {
      connections: r.connections,
      heapPerConnection: ratio(r.heapPerConnectionKiB, b?.heapPerConnectionKiB),
      rssPerConnection: ratio(r.rssPerConnectionKiB, b?.rssPerConnectionKiB),
      ...(floor
        ? {
            heapPerConnectionVsFloor: ratio(r.heapPerConnectionKiB, f?.heapPerConnectionKiB),
            rssPerConnectionVsFloor: ratio(r.rssPerConnectionKiB, f?.rssPerConnectionKiB),
          }
        : {}),
    };
  });
}

const cell = (v: unknown): string => (v === null || v === undefined ? '–' : String(v));
const times = (v: number | null): string => (v === null ? '–' : `×${v}`);

function table(head: string[], rows: unknown[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const rateName = (r: FanoutRun['rate']): string => (r === 'saturation' ? 'saturation' : `${r}/s`);
const failures = (f: Record<string, number>): string =>
  Object.entries(f)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ') || '0';

/** The server of a storm row, with its round when there are several. */
const serverRound = (t: StormTarget, rounds: number): string =>
  rounds > 1 ? `${t.server} (round ${t.round})` : t.server;

/** One row of the storm table: a phase of one server. */
function stormRow(
  server: string,
  phase: string,
  count: number,
  p: Pick<LoginsResult, 'seconds' | 'perSecond' | 'latencyMs' | 'failures' | 'use'>,
): unknown[] {
  return [
    server,
    phase,
    count,
    p.seconds,
    p.perSecond,
    p.latencyMs.p50,
    p.latencyMs.p99,
    failures(p.failures),
    p.use.serverCpuPercent,
    p.use.serverRssPeakMiB,
    p.use.loadGeneratorCpuPercent,
    p.use.loadAverage,
  ];
}

export function markdown(r: Results): string {
  const m = r.machine;
  const parts: string[] = [
    `# TeraRelay benchmark, ${r.date}`,
    '',
    `\`${r.command}\``,
    '',
    table(
      [
        'CPU',
        'cores',
        'memory',
        'OS',
        'Node.js',
        'pinned (taskset)',
        'open files',
        'load average (start → end)',
      ],
      [
        [
          m.cpuModel,
          m.cores,
          `${m.memoryGiB} GiB`,
          m.os,
          m.node,
          m.pinned
            ? `servers CPU ${m.pinned.servers}, load generator CPU ${m.pinned.loadGenerator}`
            : 'no',
          m.openFilesLimit,
          `${m.loadAverageAtStart} → ${cell(m.loadAverageAtEnd)}`,
        ],
      ],
    ),
    '',
    `Database: ${r.setup.db}; Redis: ${r.setup.redis ? `${r.setup.redis} (${m.redisVersion ?? '?'})` : 'none'}; ` +
      `seed: ${r.setup.seed}; events published via ${r.setup.publishedVia}; commit ${m.commit ?? '?'}.`,
  ];
  if (r.fanout) {
    const o = r.options;
    parts.push(
      '',
      `## Fan-out: ${o.watchers} watchers, ${o.duration} s per rate (+${o.drain} s drain), ` +
        `${o.inflight} events in flight at saturation`,
      '',
      table(
        [
          'server',
          'access',
          'rate',
          'published ev/s',
          'msgs/s',
          'delivered %',
          'p50 ms',
          'p99 ms',
          'server CPU %',
          'server RSS peak MiB',
          'load gen CPU %',
          'closed',
          'load avg',
        ],
        r.fanout.targets.flatMap((t) =>
          t.runs.map((run) => [
            t.server,
            t.access,
            runName(run, o),
            run.publishedPerSecond,
            run.deliveriesPerSecond,
            run.deliveredPercent,
            run.latencyMs.p50,
            run.latencyMs.p99,
            run.use.serverCpuPercent,
            run.use.serverRssPeakMiB,
            run.use.loadGeneratorCpuPercent,
            run.closedByServer,
            run.use.loadAverage,
          ]),
        ),
      ),
      '',
      'TeraRelay ÷ baseline (baseline `all` sends every event to every socket, so in `mixed` TeraRelay sends each event to fewer; ' +
        'baseline `mixed` sends each socket what the relay sends the mixed watcher of the same index)' +
        `; each rate's figures are the median of its runs (ratios of medians): ${o.rateRuns} per fixed rate` +
        (o.saturation ? `, ${o.saturationRuns} at saturation:` : ':'),
      '',
      table(
        [
          'access',
          'baseline',
          'rate',
          'events/s',
          'msgs/s',
          'delivered %',
          'p50',
          'p99',
          'server CPU',
          'server RSS peak',
        ],
        r.fanout.ratios.map((x) => [
          x.access,
          x.baseline,
          rateName(x.rate),
          times(x.eventsPerSecond),
          times(x.deliveriesPerSecond),
          times(x.deliveredPercent),
          times(x.p50),
          times(x.p99),
          times(x.serverCpu),
          times(x.serverRssPeak),
        ]),
      ),
      '',
      table(
        ['server', 'access', 'connect + warm-up s', 'server RSS after connect MiB'],
        r.fanout.targets.map((t) => [
          t.server,
          t.access,
          t.connectSeconds,
          t.serverRssAfterConnectMiB,
        ]),
      ),
    );
  }
  if (r.storm) {
    parts.push(
      '',
      `## Connect storm: ${r.options.devices} devices, ${r.options.logins} logins alone, concurrency ${r.options.concurrency}`,
      '',
      table(
        [
          'server',
          'phase',
          'count',
          'seconds',
          'per s',
          'p50 ms',
          'p99 ms',
          'failures',
          'server CPU %',
          'server RSS peak MiB',
          'load gen CPU %',
          'load avg',
        ],
        r.storm.targets.flatMap((t) => [
          stormRow(
            serverRound(t, r.options.repeat),
            'logins alone (keep-alive)',
            t.logins.requests,
            t.logins,
          ),
          stormRow(serverRound(t, r.options.repeat), 'login + connect', t.storm.connected, {
            ...t.storm,
            latencyMs: t.storm.totalMs,
          }),
        ]),
      ),
    );
    const x = r.storm.ratios;
    if (x)
      parts.push(
        '',
        r.options.repeat > 1 ? 'TeraRelay ÷ floor (medians of the rounds):' : 'TeraRelay ÷ floor:',
        '',
        table(
          ['phase', 'per s', 'p50', 'p99', 'server CPU'],
          [
            ['logins alone', times(x.loginsPerSecond), times(x.loginP50), times(x.loginP99), '–'],
            [
              'login + connect',
              times(x.stormPerSecond),
              times(x.stormP50),
              times(x.stormP99),
              times(x.stormServerCpu),
            ],
          ],
        ),
      );
  }
  if (r.idle) {
    parts.push(
      '',
      '## Idle connections (server memory after two full GCs)',
      '',
      table(
        [
          'server',
          'connections',
          'counted by server',
          'heap KiB/conn',
          'RSS KiB/conn',
          'external KiB/conn',
          'heap MiB',
          'RSS MiB',
          'load avg',
        ],
        r.idle.targets.flatMap((t) =>
          t.sizes.map((s) => [
            t.server,
            s.connections,
            s.serverConnections,
            s.heapPerConnectionKiB,
            s.rssPerConnectionKiB,
            s.externalPerConnectionKiB,
            s.heapUsedMiB,
            s.rssMiB,
            s.loadAverage,
          ]),
        ),
      ),
      '',
      'TeraRelay ÷ baseline (bare `ws`), and ÷ the login floor (clients log in first, as on TeraRelay):',
      '',
      table(
        ['connections', 'heap/conn', 'RSS/conn', 'heap/conn ÷ floor', 'RSS/conn ÷ floor'],
        r.idle.ratios.map((x) => [
          x.connections,
          times(x.heapPerConnection),
          times(x.rssPerConnection),
          times(x.heapPerConnectionVsFloor ?? null),
          times(x.rssPerConnectionVsFloor ?? null),
        ]),
      ),
    );
    for (const t of r.idle.targets.filter((x) => x.heapKinds)) {
      parts.push(
        '',
        `Heap per connection by kind, ${t.server}, at ${t.sizes.at(-1)?.connections} connections (heap snapshots with them open and after they closed, self sizes):`,
        '',
        table(
          ['kind', 'objects/conn', 'bytes/conn'],
          t.heapKinds!.map((k) => [`\`${k.kind}\``, k.count, k.bytes]),
        ),
      );
    }
  }
  if (r.profiles) {
    parts.push(
      '',
      '## CPU profiles (the server process, sampled during the phase)',
      '',
      table(
        ['phase', 'profile', 'busy ms', 'busy time by origin', 'top self time'],
        Object.entries(r.profiles).map(([phase, p]) => [
          phase,
          p.files.map((f) => `\`${basename(f)}\``).join(', '),
          p.busyMs,
          Object.entries(p.origins)
            .slice(0, 5)
            .map(([k, v]) => `${k} ${v}%`)
            .join(', '),
          p.top
            .slice(0, 3)
            .map((f) => `\`${f.function}\` ${f.percentOfBusy}%`)
            .join(', '),
        ]),
      ),
    );
  }
  if (r.history) parts.push('', historyMarkdown(r.history));
  if (r.stalled) parts.push('', stalledMarkdown(r.stalled));
  for (const [scenario, error] of Object.entries(r.errors))
    parts.push('', `## ${scenario}: failed`, '', '```', error, '```');
  return parts.join('\n') + '\n';
}

function stalledMarkdown(s: StalledResult): string {
  const codes = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ') || 'none';
  const mibOf = (bytes: number | null): string =>
    bytes === null ? '–' : String(Math.round((bytes / 2 ** 20) * 100) / 100);
  return [
    `## Stalled sockets: ${s.stalled} stop reading, ${s.readers} keep reading, ` +
      `${s.rate} events/s of ${s.eventBytes} bytes for ${s.publishedEvents / s.rate} s`,
    '',
    table(
      ['figure', 'value'],
      [
        [
          'send buffer budget MiB (per-socket limit MiB)',
          `${s.budgetMiB} (${s.sendBufferLimitMiB})`,
        ],
        [
          `close codes the ${s.stalled} stalled clients saw, reading again`,
          codes(s.stalledCloseCodes),
        ],
        ['close codes of the readers (none expected)', codes(s.readerCloseCodes)],
        [
          'sockets the server closed with 4001 (of them by the budget)',
          `${cell(s.server.closed4001)} (${cell(s.server.budgetCloses)})`,
        ],
        [
          'seconds until the server had closed as many with 4001 as stalled',
          s.server.closesReachedStalledSeconds,
        ],
        ['readers: delivered %', s.readerDeliveries.deliveredPercent],
        [
          'readers: p50 / p99 ms',
          `${cell(s.readerLatencyMs.p50)} / ${cell(s.readerLatencyMs.p99)}`,
        ],
        [
          'server unsent bytes peak MiB (at the end)',
          `${mibOf(s.server.unsentPeakBytes)} (${mibOf(s.server.unsentAtEndBytes)})`,
        ],
        [
          'server RSS after connect → peak MiB',
          `${cell(s.serverRssAfterConnectMiB)} → ${cell(s.use.serverRssPeakMiB)}`,
        ],
        [
          'server CPU % / load gen CPU %',
          `${cell(s.use.serverCpuPercent)} / ${cell(s.use.loadGeneratorCpuPercent)}`,
        ],
      ],
    ),
    '',
    `Unsent bytes peak ÷ budget: ${times(s.unsentPeakOverBudget)} (the server's own figure: the most its ` +
      'sockets held at the end of a write batch, once the budget acted; within one synchronous fan-out ' +
      "pass they may hold that pass's writes more; the kernel socket buffers, which fill first, are not counted).",
  ].join('\n');
}

/**
 * Writes `<out>/<name>.json` and `<out>/<name>.md`, formatted as the repository's Prettier
 * configuration wants them; returns their paths.
 */
export async function writeResults(out: string, name: string, results: Results): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const files: Array<[string, string]> = [
    [join(out, `${name}.json`), JSON.stringify(results, null, 2)],
    [join(out, `${name}.md`), markdown(results)],
  ];
  for (const [path, text] of files) await writeFormatted(path, text);
  return files.map(([path]) => path);
}

/** Writes `text` to `path` as the repository's Prettier formats it (results are committed). */
export async function writeFormatted(path: string, text: string): Promise<void> {
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(text, { ...options, filepath: path }));
}
