/**
 * History: what `--history on` costs the fan-out, measured in one invocation on the same
 * dataset. The relay is started three times: history off; history on with OpenTera's clients;
 * history on with every watcher opted in to resume (`terarelay-resume.v1`, positioned frames).
 * Each time the `--watchers` superadmin watchers connect and events are published in a closed
 * loop at saturation (`--inflight` at a time) for `--duration` s, three times (the best round is
 * kept: other processes on the machine skew single runs), and the server's CPU time per
 * delivered frame is reported too, which contention skews less. With `--redis`, events are
 * published as OpenTera's services do (a plain PUBLISH, which the relay appends once), and
 * Redis's own CPU over each run is read from INFO CPU (used_cpu_user + used_cpu_sys).
 */
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { BENCH_PROJECTS, benchWatcher } from '../../src/store/seed/bench.js';
import { SUBPROTOCOL_RESUME_JSON } from '../../src/realtime/subprotocols.js';
import type { ServerProcess } from '../child.js';
import { phaseMeter, sleep, until, type Bench } from '../context.js';
import { benchEvent, nowMs, readMark } from '../load/events.js';
import { keepAliveAgent } from '../load/http.js';
import { inParallel, sourceAddress, terminateAll } from '../load/sockets.js';
import { Tally } from '../load/tally.js';
import { ratio, round, summary } from '../stats.js';
import { loginUrl } from './fanout.js';

export type HistoryMode = 'off' | 'on' | 'on+resume';
const MODES: readonly HistoryMode[] = ['off', 'on', 'on+resume'];
const ROUNDS = 3;
const CONNECT_CONCURRENCY = 16;
const WARM_UP_MS = 60_000;
/** Publish anyway when no event completed for this long (a socket lost), ms. */
const STALL_MS = 1000;

export interface HistoryRun {
  mode: HistoryMode;
  round: number;
  publishedEvents: number;
  eventsPerSecond: number | null;
  deliveriesPerSecond: number | null;
  deliveredPercent: number | null;
  latencyMs: { p50: number | null; p99: number | null; max: number | null };
  serverCpuPercent: number | null;
  /** Server CPU time per delivered frame, µs: the cost, less skewed by other processes. */
  serverCpuMicrosPerDelivery: number | null;
  /** Redis's CPU over the run, % of one core (with `--redis`). */
  redisCpuPercent: number | null;
  closedByServer: number;
}

export interface HistoryResults {
  watchers: number;
  runs: HistoryRun[];
  /** Best deliveries/s with history on ÷ with history off (goal ≥ 0.9). */
  ratios: { on: number | null; onResume: number | null };
  /** Least server CPU per delivery with history off ÷ with history on (≤ 1: on costs more). */
  cpuRatios: { on: number | null; onResume: number | null };
}

export async function runHistory(bench: Bench): Promise<HistoryResults> {
  const runs: HistoryRun[] = [];
  for (let n = 1; n <= ROUNDS; n++)
    for (const mode of MODES) runs.push(await runMode(bench, mode, n));
  const best = (mode: HistoryMode): number | null =>
    Math.max(...runs.filter((r) => r.mode === mode).map((r) => r.deliveriesPerSecond ?? 0)) || null;
  const cheapest = (mode: HistoryMode): number | null =>
    Math.min(
      ...runs.filter((r) => r.mode === mode).map((r) => r.serverCpuMicrosPerDelivery ?? Infinity),
    ) || null;
  return {
    watchers: bench.options.watchers,
    runs,
    ratios: { on: ratio(best('on'), best('off')), onResume: ratio(best('on+resume'), best('off')) },
    cpuRatios: {
      on: ratio(cheapest('off'), cheapest('on')),
      onResume: ratio(cheapest('off'), cheapest('on+resume')),
    },
  };
}

async function runMode(bench: Bench, mode: HistoryMode, roundNo: number): Promise<HistoryRun> {
  const o = bench.options;
  const label = `history ${mode} (round ${roundNo})`;
  const server = await bench.startRelay({ history: mode === 'off' ? 'off' : 'on' });
  const { participants } = await bench.dataset();
  const publisher = bench.publisher(server);
  const sockets: WebSocket[] = [];
  let tally: Tally | null = null;
  let closed = 0;
  let seq = 0;
  const onMessage = (data: Buffer): void => {
    const mark = readMark(data);
    if (mark) tally?.record(mark.seq, mark.sentMs, nowMs());
  };
  const publish = (): void =>
    publisher.publish(benchEvent(participants[seq % BENCH_PROJECTS]!, seq++));
  try {
    bench.progress.set(`${label}: connecting`, () => `${sockets.length}/${o.watchers}`);
    const agent = keepAliveAgent(CONNECT_CONCURRENCY);
    await inParallel(o.watchers, CONNECT_CONCURRENCY, async (i) => {
      const url = await loginUrl(`https://127.0.0.1:${server.port}`, benchWatcher(i + 1), agent);
      sockets.push(await watcher(url, i, mode === 'on+resume', onMessage, () => closed++));
    });
    agent.destroy();
    // Warm-up: one event per project reaches every watcher.
    const warm = new Tally(seq, BENCH_PROJECTS, () => o.watchers);
    tally = warm;
    for (let k = 0; k < BENCH_PROJECTS; k++) publish();
    bench.progress.set(`${label}: warming up`);
    if (
      !(await until(() => warm.delivered >= o.watchers * BENCH_PROJECTS, Date.now() + WARM_UP_MS))
    )
      throw new Error(`${label}: warm-up events did not reach every watcher`);
    return await saturate(
      bench,
      server,
      label,
      mode,
      roundNo,
      () => seq,
      publish,
      (t) => (tally = t),
      () => closed,
    );
  } finally {
    tally = null;
    terminateAll(sockets);
    await publisher.close();
    await server.stop();
  }
}

async function saturate(
  bench: Bench,
  server: ServerProcess,
  label: string,
  mode: HistoryMode,
  roundNo: number,
  nextSeq: () => number,
  publish: () => void,
  setTally: (t: Tally) => void,
  closes: () => number,
): Promise<HistoryRun> {
  const o = bench.options;
  const first = nextSeq();
  let published = 0;
  let endAt = 0;
  let lastProgress: number;
  const publishNext = (): void => {
    if (nowMs() >= endAt) return;
    published++;
    publish();
  };
  const tally = new Tally(
    first,
    2_000_000,
    () => o.watchers,
    () => {
      lastProgress = nowMs();
      publishNext();
    },
  );
  setTally(tally);
  bench.progress.set(
    `${label} saturation:`,
    () => `published ${published}, delivered ${tally.delivered}`,
  );
  const closedBefore = closes();
  const redis = o.redis ? new Redis(o.redis) : null;
  const redisBefore = redis ? await redisCpuSeconds(redis) : null;
  const profile = await bench.profile(server, `history-${mode.replace('+', '-')}-${roundNo}`);
  const meter = phaseMeter(server);
  const t0 = nowMs();
  endAt = t0 + o.duration * 1000;
  lastProgress = t0;
  for (let k = 0; k < o.inflight; k++) publishNext();
  while (nowMs() < endAt) {
    await sleep(50);
    if (nowMs() - lastProgress > STALL_MS) {
      lastProgress = nowMs();
      publishNext();
    }
  }
  const publishedAt = nowMs();
  await until(() => tally.delivered >= published * o.watchers, Date.now() + o.drain * 1000);
  tally.close();
  const use = meter.stop();
  await profile?.stop();
  const redisAfter = redis ? await redisCpuSeconds(redis) : null;
  const wall = (nowMs() - t0) / 1000;
  await redis?.quit();
  const expected = published * o.watchers;
  const run: HistoryRun = {
    mode,
    round: roundNo,
    publishedEvents: published,
    eventsPerSecond: round1(published / ((publishedAt - t0) / 1000)),
    deliveriesPerSecond: tally.lastAt
      ? round(tally.delivered / ((tally.lastAt - t0) / 1000), 0)
      : null,
    deliveredPercent: expected ? round((100 * tally.delivered) / expected, 2) : null,
    latencyMs: summary(tally.sortedLatencies()),
    serverCpuPercent: use.serverCpuPercent,
    serverCpuMicrosPerDelivery:
      use.serverCpuPercent !== null && tally.delivered > 0
        ? round1(((use.serverCpuPercent / 100) * wall * 1e6) / tally.delivered)
        : null,
    redisCpuPercent:
      redisBefore !== null && redisAfter !== null
        ? round1((100 * (redisAfter - redisBefore)) / wall)
        : null,
    closedByServer: closes() - closedBefore,
  };
  bench.progress.log(
    `${label}: ${run.deliveriesPerSecond ?? '-'} msgs/s, ${run.deliveredPercent ?? '-'}% delivered, ` +
      `p50 ${run.latencyMs.p50 ?? '-'} ms, server CPU ${run.serverCpuPercent ?? '-'}%` +
      (run.redisCpuPercent !== null ? `, Redis CPU ${run.redisCpuPercent}%` : ''),
  );
  return run;
}

const round1 = (x: number): number | null => round(x, 1);

/** Redis's own CPU time so far (INFO CPU), seconds. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** A watcher; `resume`: opted in (it sends its start frame and waits for its welcome). */
function watcher(
  url: string,
  i: number,
  resume: boolean,
  onMessage: (data: Buffer) => void,
  onClose: () => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, resume ? [SUBPROTOCOL_RESUME_JSON] : [], {
      rejectUnauthorized: false,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress: sourceAddress(i),
    });
    let first = true;
    ws.on('message', (data: Buffer) => {
      if (first) {
        first = false;
        resolve(ws);
      }
      onMessage(data);
    });
    ws.once('open', () => {
      if (resume) ws.send('{"type":"start"}');
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`upgrade refused with ${String(res.statusCode)}`));
    });
    ws.once('close', () => {
      onClose();
      reject(new Error('closed before it was ready'));
    });
    ws.on('error', reject);
  });
}

/** The markdown section of the results. */
export function historyMarkdown(h: HistoryResults): string {
  const rows = h.runs.map(
    (r) =>
      `| ${r.mode} | ${r.round} | ${r.eventsPerSecond ?? '-'} | ${r.deliveriesPerSecond ?? '-'} | ` +
      `${r.deliveredPercent ?? '-'} | ${r.latencyMs.p50 ?? '-'} | ${r.latencyMs.p99 ?? '-'} | ` +
      `${r.serverCpuPercent ?? '-'} | ${r.serverCpuMicrosPerDelivery ?? '-'} | ` +
      `${r.redisCpuPercent ?? '-'} | ${r.closedByServer} |`,
  );
  return [
    `## History: fan-out with --history off and on (${h.watchers} watchers, saturation)`,
    '',
    '| history | round | events/s | msgs/s | delivered % | p50 ms | p99 ms | server CPU % | server CPU µs/msg | Redis CPU % | closed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Best msgs/s, on ÷ off: ${h.ratios.on ?? '-'} (OpenTera clients), ` +
      `${h.ratios.onResume ?? '-'} (every watcher opted in to resume); goal ≥ 0.9. ` +
      `Least server CPU per msg, off ÷ on: ${h.cpuRatios.on ?? '-'} (OpenTera clients), ` +
      `${h.cpuRatios.onResume ?? '-'} (opted in).`,
  ].join('\n');
}
