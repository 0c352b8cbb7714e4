/**
 * Fan-out: W watchers connected, events published on the server's bus at fixed rates and at
 * saturation, on the relay (superadmin watchers; then mixed: half of them users who see one
 * project of ten) and on the bare `ws` broadcast baseline (every socket gets every event; then,
 * after a mixed relay run, each socket only the events the relay's watcher of the same index
 * gets, its audience fixed when it connects).
 *
 * A fixed-rate run publishes `rate` events/s for `duration` s, then allows `drain` s for late
 * deliveries; each fixed rate runs `rate-runs` times in a row, every run kept. The saturation
 * run is a closed loop: a new event is published each time one has reached every socket that
 * should get it, `inflight` events at a time, for `duration` s.
 * Each delivery's latency is from the send stamp in the event to its receipt.
 */
import type WebSocket from 'ws';
import {
  BENCH_PASSWORD,
  BENCH_PROJECTS,
  benchProject,
  benchProjectName,
  benchUser,
  benchWatcher,
} from '../../src/store/seed/bench.js';
import type { ServerProcess } from '../child.js';
import { mib, phaseMeter, sleep, until, type Bench, type PhaseUse } from '../context.js';
import { benchEvent, nowMs, readMark } from '../load/events.js';
import { basic, get, keepAliveAgent } from '../load/http.js';
import type { Publisher } from '../load/publisher.js';
import { inParallel, openClient, sourceAddress, terminateAll } from '../load/sockets.js';
import { Tally } from '../load/tally.js';
import type { Access, Options } from '../options.js';
import { rssBytes } from '../proc.js';
import { round, summary } from '../stats.js';

/** How long the warm-up events may take to reach every watcher, ms. */
const WARM_UP_MS = 60_000;
/** Between runs: a run's late frames are over once none arrived for QUIET_MS (at most SETTLE_MS). */
const QUIET_MS = 500;
const SETTLE_MS = 15_000;
/** Logins and connections at once while watchers connect. */
const CONNECT_CONCURRENCY = 16;
/** At saturation, publish anyway when no event completed for this long (a socket lost), ms. */
const STALL_MS = 1000;
/** How long a login refused as "already logged in" is retried (a previous presence expiring), ms. */
const ALREADY_ONLINE_RETRY_MS = 40_000;

export interface FanoutRun {
  rate: number | 'saturation';
  /** 1 … --rate-runs for a fixed rate, 1 … --saturation-runs at saturation (runs follow each other). */
  round: number;
  publishedEvents: number;
  publishedPerSecond: number | null;
  expectedDeliveries: number;
  deliveries: number;
  /** Deliveries received within duration + drain, % of those expected. */
  deliveredPercent: number | null;
  /** Deliveries per second, from the first publish to the last delivery. */
  deliveriesPerSecond: number | null;
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  /** Sockets the server closed during the run (e.g. 4001, slow consumer). */
  closedByServer: number;
  use: PhaseUse;
}

export interface FanoutTarget {
  server: 'relay' | 'baseline';
  /** super: every watcher sees every event; mixed: half see one project of ten; all: no filter. */
  access: Access | 'all';
  watchers: number;
  /** Seconds to connect every watcher and reach each with the warm-up events. */
  connectSeconds: number | null;
  serverRssAfterConnectMiB: number | null;
  runs: FanoutRun[];
}

/**
 * Who watches: usernames, the one project each sees (null: every project), and how many of them
 * should get an event about project `p`.
 */
interface Audience {
  usernames: string[];
  projects: Array<number | null>;
  expected(project: number): number;
}

function audience(access: Access | 'all', watchers: number): Audience {
  if (access !== 'mixed') {
    return {
      usernames: Array.from({ length: watchers }, (_, i) => benchWatcher(i + 1)),
      projects: new Array<null>(watchers).fill(null),
      expected: () => watchers,
    };
  }
  const supers = Math.ceil(watchers / 2);
  const limited = watchers - supers;
  const perProject = new Array<number>(BENCH_PROJECTS + 1).fill(0);
  for (let i = 1; i <= limited; i++) perProject[benchProject(i)]!++;
  return {
    usernames: [
      ...Array.from({ length: supers }, (_, i) => benchWatcher(i + 1)),
      ...Array.from({ length: limited }, (_, i) => benchUser(i + 1)),
    ],
    projects: [
      ...new Array<null>(supers).fill(null),
      ...Array.from({ length: limited }, (_, i) => benchProject(i + 1)),
    ],
    expected: (project) => supers + perProject[project]!,
  };
}

/**
 * A run's rate, with its round when its rate runs several times (`--rate-runs`,
 * `--saturation-runs`): `100/s (2/5)`, `saturation (1/3)`.
 */
export function runName(
  run: Pick<FanoutRun, 'rate' | 'round'>,
  o: Pick<Options, 'rateRuns' | 'saturationRuns'>,
): string {
  const saturation = run.rate === 'saturation';
  const runs = saturation ? o.saturationRuns : o.rateRuns;
  const name = saturation ? 'saturation' : `${run.rate}/s`;
  return runs > 1 ? `${name} (${run.round}/${runs})` : name;
}

/** The project (1 … BENCH_PROJECTS) event `seq` is about: events cycle through the projects. */
const projectOf = (seq: number): number => (seq % BENCH_PROJECTS) + 1;

/** The relay's websocket URL for `username`, by its password login. */
export async function loginUrl(
  base: string,
  username: string,
  agent: ReturnType<typeof keepAliveAgent>,
): Promise<string> {
  const deadline = Date.now() + ALREADY_ONLINE_RETRY_MS;
  for (;;) {
    const answer = await get(`${base}/api/user/login?with_websocket=true`, {
      agent,
      headers: { authorization: basic(username, BENCH_PASSWORD) },
    });
    if (answer.status === 200)
      return (JSON.parse(answer.body) as { websocket_url: string }).websocket_url;
    if (answer.status !== 403 || Date.now() > deadline)
      throw new Error(`login of ${username}: ${answer.status} ${answer.body.slice(0, 200)}`);
    await sleep(500);
  }
}

export async function runFanout(bench: Bench): Promise<FanoutTarget[]> {
  const o = bench.options;
  const targets: FanoutTarget[] = [];
  for (const access of o.access) targets.push(await runTarget(bench, 'relay', access));
  targets.push(await runTarget(bench, 'baseline', 'all'));
  // The same deliveries as the relay's mixed run, without login or access filter.
  if (o.access.includes('mixed')) targets.push(await runTarget(bench, 'baseline', 'mixed'));
  return targets;
}

async function runTarget(
  bench: Bench,
  kind: 'relay' | 'baseline',
  access: Access | 'all',
): Promise<FanoutTarget> {
  const o = bench.options;
  const label = `fanout ${kind}${access === 'all' ? '' : ` ${access}`}`;
  const server = kind === 'relay' ? await bench.startRelay() : await bench.startBroadcast();
  const { participants } = await bench.dataset();
  const who = audience(access, o.watchers);
  let tally: Tally | null = null;
  let closed = 0;
  let lastMarkAt = 0;
  const onMessage = (data: Buffer): void => {
    const mark = readMark(data);
    if (!mark) return;
    lastMarkAt = nowMs();
    tally?.record(mark.seq, mark.sentMs, lastMarkAt);
  };
  /** Watcher i's socket, null until it connected and after the server closed it. */
  const sockets = new Array<WebSocket | null>(o.watchers).fill(null);
  const connected = (): number => sockets.filter((ws) => ws !== null).length;
  const publisher: Publisher = bench.publisher(server);
  let nextSeq = 0;
  const publish = (seq: number): void =>
    publisher.publish(benchEvent(participants[projectOf(seq) - 1]!, seq));
  const expected = (seq: number): number => who.expected(projectOf(seq));
  /** The baseline's URL for watcher i: with its one project, if it sees one. */
  const baselineUrl = (i: number): string => {
    const project = who.projects[i];
    const only = project == null ? '' : `?project=${encodeURIComponent(benchProjectName(project))}`;
    return `wss://127.0.0.1:${server.port}/${only}`;
  };

  /** Connects every watcher not connected (logging in on the relay). */
  async function connectMissing(): Promise<void> {
    const missing = sockets.flatMap((ws, i) => (ws === null ? [i] : []));
    const agent = keepAliveAgent(CONNECT_CONCURRENCY);
    bench.progress.set(`${label}: connecting`, () => `${connected()}/${o.watchers}`);
    await inParallel(missing.length, CONNECT_CONCURRENCY, async (k) => {
      const i = missing[k]!;
      const url =
        kind === 'relay'
          ? await loginUrl(`https://127.0.0.1:${server.port}`, who.usernames[i]!, agent)
          : baselineUrl(i);
      const ws = await openClient(url, {
        localAddress: sourceAddress(i),
        waitFirstFrame: kind === 'relay',
        onMessage,
        onClose: () => {
          if (sockets[i] === ws) sockets[i] = null;
          closed++;
        },
      });
      sockets[i] = ws;
    });
    agent.destroy();
  }

  /** Closes every watcher's socket: the server drops what it still had to send them. */
  function dropAll(): void {
    const open = sockets.filter((ws) => ws !== null);
    sockets.fill(null);
    terminateAll(open);
  }

  /**
   * Makes every watcher ready for a run: waits until the last run's late frames stop (when they
   * do not within SETTLE_MS, the server is far behind: every watcher reconnects), connects the
   * watchers the server closed, then waits until one event per project reached everyone.
   */
  async function prepare(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      bench.progress.set(`${label}: waiting for quiet`);
      const quiet = (): boolean => nowMs() - lastMarkAt > QUIET_MS;
      if (!(await until(quiet, Date.now() + SETTLE_MS))) {
        dropAll();
        await until(quiet, Date.now() + SETTLE_MS);
      }
      if (connected() < o.watchers) await connectMissing();
      const warm = new Tally(nextSeq, BENCH_PROJECTS, expected);
      tally = warm;
      for (let k = 0; k < BENCH_PROJECTS; k++) publish(nextSeq++);
      bench.progress.set(
        `${label}: warming up`,
        () => `${warm.delivered}/${warm.expectedFor(BENCH_PROJECTS)}`,
      );
      const all = (): boolean => warm.delivered >= warm.expectedFor(BENCH_PROJECTS);
      if (await until(all, Date.now() + WARM_UP_MS)) return;
      if (attempt === 2)
        throw new Error(`${label}: warm-up events did not reach every watcher, twice`);
      dropAll();
    }
  }

  try {
    const t0 = performance.now();
    await prepare();
    const connectSeconds = round((performance.now() - t0) / 1000, 2);
    const rssAfterConnect = mib(rssBytes(server.pid));
    const runs: FanoutRun[] = [];
    const steps: Array<Pick<FanoutRun, 'rate' | 'round'>> = [
      ...o.rates.flatMap((rate) =>
        Array.from({ length: o.rateRuns }, (_, k) => ({ rate, round: k + 1 })),
      ),
      ...(o.saturation
        ? Array.from({ length: o.saturationRuns }, (_, k) => ({
            rate: 'saturation' as const,
            round: k + 1,
          }))
        : []),
    ];
    for (const [k, step] of steps.entries()) {
      if (k > 0) await prepare();
      const run = await measureRun(
        bench,
        server,
        label,
        step,
        nextSeq,
        expected,
        publish,
        (t) => (tally = t),
        () => closed,
      );
      nextSeq += run.publishedEvents;
      runs.push(run);
      bench.progress.log(
        `${label} ${runName(run, o)}: ` +
          `${run.deliveriesPerSecond ?? '-'} msgs/s, ${run.deliveredPercent ?? '-'}% delivered, ` +
          `p50 ${run.latencyMs.p50 ?? '-'} ms, p99 ${run.latencyMs.p99 ?? '-'} ms, ` +
          `server CPU ${run.use.serverCpuPercent ?? '-'}%, ` +
          `load generator CPU ${run.use.loadGeneratorCpuPercent ?? '-'}%, closed ${run.closedByServer}`,
      );
    }
    return {
      server: kind,
      access,
      watchers: o.watchers,
      connectSeconds,
      serverRssAfterConnectMiB: rssAfterConnect,
      runs,
    };
  } finally {
    tally = null;
    terminateAll(sockets.filter((ws) => ws !== null));
    await publisher.close();
    await server.stop();
  }
}

async function measureRun(
  bench: Bench,
  server: ServerProcess,
  label: string,
  step: Pick<FanoutRun, 'rate' | 'round'>,
  first: number,
  expected: (seq: number) => number,
  publish: (seq: number) => void,
  setTally: (t: Tally) => void,
  closes: () => number,
): Promise<FanoutRun> {
  const o = bench.options;
  const { rate } = step;
  const durationMs = o.duration * 1000;
  const saturation = rate === 'saturation';
  let published = 0;
  let endAt = 0;
  let lastProgress: number;
  const publishNext = (): void => {
    if (nowMs() >= endAt) return;
    publish(first + published++);
  };
  const capacity = saturation ? 2_000_000 : rate * o.duration;
  const tally = new Tally(first, capacity, expected, () => {
    lastProgress = nowMs();
    if (saturation) publishNext();
  });
  setTally(tally);
  bench.progress.set(
    `${label} ${runName(step, o)}:`,
    () => `published ${published}, delivered ${tally.delivered}/${tally.expectedFor(published)}`,
  );
  const closedBefore = closes();
  // One profile per server: of its first saturation run.
  const profile =
    saturation && step.round === 1
      ? await bench.profile(
          server,
          `fanout-${label.replace(/^fanout /, '').replace(' ', '-')}-saturation`,
        )
      : null;
  const meter = phaseMeter(server);
  const t0 = nowMs();
  endAt = t0 + durationMs;
  lastProgress = t0;
  if (saturation) {
    for (let k = 0; k < o.inflight; k++) publishNext();
    while (nowMs() < endAt) {
      await sleep(50);
      if (nowMs() - lastProgress > STALL_MS) {
        lastProgress = nowMs();
        publishNext();
      }
    }
  } else {
    const interval = 1000 / rate;
    const total = rate * o.duration;
    while (published < total) {
      const due = Math.min(total, Math.floor((nowMs() - t0) / interval) + 1);
      while (published < due) publish(first + published++);
      await sleep(Math.max(0, t0 + published * interval - nowMs()));
    }
  }
  const publishedAt = nowMs();
  await until(() => tally.delivered >= tally.expectedFor(published), Date.now() + o.drain * 1000);
  tally.close();
  const use = meter.stop();
  await profile?.stop();
  const expectedDeliveries = tally.expectedFor(published);
  const latencies = tally.sortedLatencies();
  return {
    ...step,
    publishedEvents: published,
    publishedPerSecond: round(published / ((publishedAt - t0) / 1000)),
    expectedDeliveries,
    deliveries: tally.delivered,
    deliveredPercent: expectedDeliveries
      ? round((100 * tally.delivered) / expectedDeliveries, 2)
      : null,
    deliveriesPerSecond: tally.lastAt
      ? round(tally.delivered / ((tally.lastAt - t0) / 1000), 0)
      : null,
    latencyMs: summary(latencies),
    closedByServer: closes() - closedBefore,
    use,
  };
}
