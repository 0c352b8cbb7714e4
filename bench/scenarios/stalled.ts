/**
 * Stalled: sockets that stop reading, against the node's send budget. The relay runs with a
 * `--send-buffer-budget` of `--budget` MiB and its default per-socket `--send-buffer-limit`;
 * `--watchers` + STALLED_READERS superadmin watchers log in and connect, then `--stalled` of them
 * stop reading (their TCP receive window closes, so what the server writes to them piles up, in
 * the kernel's socket buffers first, then in its own) while the others keep reading. Events
 * padded by `--event-kib` KiB are published at the highest `--rate` for `--duration` s, then
 * `--drain` s are allowed for the readers.
 *
 * Figures: the stalled sockets the server closed, by its own counters (4001 closes, of them
 * those the budget made) and by the close code each client saw once it read again; whether the
 * readers got every event; the server's peak RSS; its own peak of unsent bytes
 * (`terarelay_send_unsent_bytes_max` on /metrics) against the budget. Unsent bytes are the
 * server's buffers only, not the kernel's socket buffers, which fill first.
 *
 * A stalled client reads the server's close frame only after the bytes queued before it, and the
 * server cuts a socket 10 s after its close frame (a client reading later sees 1006): the stalled
 * clients read again as soon as the server's 4001 closes number them (the readers keep being
 * measured until `--duration` ends), else when publishing ends. The heartbeat drops a client
 * silent for --pong-timeout (30 s by default).
 */
import type WebSocket from 'ws';
import { DEFAULTS } from '../../src/config.js';
import { CLOSE } from '../../src/errors.js';
import { BENCH_PROJECTS, benchWatcher } from '../../src/store/seed/bench.js';
import { mib, phaseMeter, sleep, until, type Bench, type PhaseUse } from '../context.js';
import { benchEvent, nowMs, readMark } from '../load/events.js';
import { keepAliveAgent } from '../load/http.js';
import { scrapeMetrics, type Scrape } from '../load/metrics.js';
import { inParallel, openClient, sourceAddress, terminateAll } from '../load/sockets.js';
import { Tally } from '../load/tally.js';
import { STALLED_READERS } from '../options.js';
import { rssBytes } from '../proc.js';
import { ratio, round, summary } from '../stats.js';
import { loginUrl } from './fanout.js';

/** Logins and connections at once while watchers connect. */
const CONNECT_CONCURRENCY = 16;
/** How long the warm-up events may take to reach every watcher, ms. */
const WARM_UP_MS = 60_000;
/** How often the server's close counter is read while publishing, ms. */
const POLL_MS = 250;
/** How long the stalled clients may take, once reading again, to see their close, ms. */
const CLOSE_WAIT_MS = 15_000;

export interface StalledResult {
  budgetMiB: number;
  sendBufferLimitMiB: number;
  stalled: number;
  readers: number;
  /** Events per second asked, and the size of one event on the bus, bytes. */
  rate: number;
  eventBytes: number;
  publishedEvents: number;
  publishedPerSecond: number | null;
  connectSeconds: number | null;
  serverRssAfterConnectMiB: number | null;
  /** The server's own counters after the run (it started for this scenario). */
  server: {
    /** Sockets it closed with 4001 (budget or per-socket limit), readers included. */
    closed4001: number | null;
    /** Of those, the ones the node-wide budget closed. */
    budgetCloses: number | null;
    /**
     * Seconds from the first publish until its 4001 closes numbered the stalled sockets (null:
     * not within duration + drain); readers it closed count too.
     */
    closesReachedStalledSeconds: number | null;
    unsentPeakBytes: number | null;
    unsentAtEndBytes: number | null;
  };
  /** Close codes the stalled clients saw once reading again; `open` for none within the wait. */
  stalledCloseCodes: Record<string, number>;
  /** Close codes of the readers the server closed (none expected). */
  readerCloseCodes: Record<string, number>;
  readerDeliveries: { expected: number; delivered: number; deliveredPercent: number | null };
  readerLatencyMs: { p50: number | null; p99: number | null; max: number | null };
  /** Unsent bytes peak ÷ budget. */
  unsentPeakOverBudget: number | null;
  use: PhaseUse;
}

/** How many sockets saw each close code; those still open count under `open` (null: not at all). */
function countCodes(codes: Array<number | null>, open: string | null): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of codes) {
    const key = c === null ? open : String(c);
    if (key !== null) counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export async function runStalled(bench: Bench): Promise<StalledResult> {
  const o = bench.options;
  const budget = o.budget * 2 ** 20;
  const total = o.watchers + STALLED_READERS;
  const readers = total - o.stalled;
  const rate = Math.max(...o.rates);
  const label = 'stalled';
  const server = await bench.startRelay({ sendBufferBudget: budget });
  const { participants } = await bench.dataset();
  const publisher = bench.publisher(server);
  const agent = keepAliveAgent(CONNECT_CONCURRENCY);
  const pad = 'x'.repeat(o.eventKiB * 1024);
  /** Watchers 0 … stalled-1 stop reading; the others read. */
  const isStalled = (i: number): boolean => i < o.stalled;
  const sockets = new Array<WebSocket | null>(total).fill(null);
  const codes = new Array<number | null>(total).fill(null);
  let tally: Tally | null = null;
  /** While warming up, every socket's deliveries count; then only the readers'. */
  let warming = true;
  let nextSeq = 0;
  /** Event `seq`, padded or not (the warm-up's burst must not trip the budget). */
  const publish = (seq: number, padding = pad): void =>
    publisher.publish(benchEvent(participants[seq % BENCH_PROJECTS]!, seq, padding));
  const onMessage =
    (i: number) =>
    (data: Buffer): void => {
      if (!warming && isStalled(i)) return;
      const mark = readMark(data);
      if (mark) tally?.record(mark.seq, mark.sentMs, nowMs());
    };
  const scrape = (): Promise<Scrape> => scrapeMetrics(server.port, agent);
  const closes4001 = (metrics: Scrape): number | null =>
    metrics.value('terarelay_connection_closes_total', { code: String(CLOSE.SLOW_CONSUMER.code) });

  try {
    const t0 = performance.now();
    bench.progress.set(`${label}: connecting`, () => `${sockets.filter(Boolean).length}/${total}`);
    await inParallel(total, CONNECT_CONCURRENCY, async (i) => {
      const url = await loginUrl(`https://127.0.0.1:${server.port}`, benchWatcher(i + 1), agent);
      const ws = await openClient(url, {
        localAddress: sourceAddress(i),
        waitFirstFrame: true,
        onMessage: onMessage(i),
        onClose: (code) => (codes[i] = code),
      });
      sockets[i] = ws;
    });
    // Every socket, stalled ones included, gets one event per project before any stops reading.
    const warm = new Tally(nextSeq, BENCH_PROJECTS, () => total);
    tally = warm;
    for (let k = 0; k < BENCH_PROJECTS; k++) publish(nextSeq++, '');
    bench.progress.set(
      `${label}: warming up`,
      () => `${warm.delivered}/${warm.expectedFor(BENCH_PROJECTS)}`,
    );
    if (!(await until(() => warm.delivered >= total * BENCH_PROJECTS, Date.now() + WARM_UP_MS)))
      throw new Error(`${label}: warm-up events did not reach every watcher`);
    const connectSeconds = round((performance.now() - t0) / 1000, 2);
    const rssAfterConnect = mib(rssBytes(server.pid));

    warming = false;
    for (let i = 0; i < o.stalled; i++) sockets[i]!.pause();
    const run = new Tally(nextSeq, rate * o.duration, () => readers);
    tally = run;
    const meter = phaseMeter(server);
    const start = nowMs();
    let published = 0;
    let closedByServer = 0;
    let allClosedAt: number | null = null;
    let polling = true;
    let reading = false;
    /** The stalled clients read again: they get what was queued for them, then their close. */
    const readAgain = (): void => {
      if (reading) return;
      reading = true;
      for (let i = 0; i < o.stalled; i++) sockets[i]!.resume();
    };
    // Resolves with the error that ended polling, if any (rethrown once publishing is over).
    const poller = (async () => {
      while (polling) {
        closedByServer = closes4001(await scrape()) ?? 0;
        if (allClosedAt === null && closedByServer >= o.stalled) {
          allClosedAt = nowMs();
          readAgain();
        }
        await sleep(POLL_MS);
      }
    })().then(
      () => null,
      (err: unknown) => err,
    );
    bench.progress.set(
      `${label} ${rate}/s:`,
      () =>
        `published ${published}, readers ${run.delivered}/${run.expectedFor(published)}, ` +
        `closed ${closedByServer}/${o.stalled}`,
    );
    const interval = 1000 / rate;
    const events = rate * o.duration;
    while (published < events) {
      const due = Math.min(events, Math.floor((nowMs() - start) / interval) + 1);
      while (published < due) publish(nextSeq + published++);
      await sleep(Math.max(0, start + published * interval - nowMs()));
    }
    const publishedAt = nowMs();
    readAgain();
    await until(() => run.delivered >= run.expectedFor(published), Date.now() + o.drain * 1000);
    run.close();
    polling = false;
    const failure = await poller;
    if (failure) throw failure;

    bench.progress.set(
      `${label}: stalled sockets reading again`,
      () => `${codes.slice(0, o.stalled).filter((c) => c !== null).length}/${o.stalled} closed`,
    );
    await until(
      () => codes.slice(0, o.stalled).every((c) => c !== null),
      Date.now() + CLOSE_WAIT_MS,
    );
    const use = meter.stop();
    const end = await scrape();
    const unsentPeak = end.value('terarelay_send_unsent_bytes_max');
    const expected = run.expectedFor(published);
    const result: StalledResult = {
      budgetMiB: o.budget,
      sendBufferLimitMiB: round(DEFAULTS.sendBufferLimit / 2 ** 20, 2)!,
      stalled: o.stalled,
      readers,
      rate,
      eventBytes: benchEvent(participants[0]!, nextSeq, pad).byteLength,
      publishedEvents: published,
      publishedPerSecond: round(published / ((publishedAt - start) / 1000)),
      connectSeconds,
      serverRssAfterConnectMiB: rssAfterConnect,
      server: {
        closed4001: closes4001(end),
        budgetCloses: end.value('terarelay_send_budget_closes_total'),
        closesReachedStalledSeconds:
          allClosedAt === null ? null : round((allClosedAt - start) / 1000, 2),
        unsentPeakBytes: unsentPeak,
        unsentAtEndBytes: end.value('terarelay_send_unsent_bytes'),
      },
      stalledCloseCodes: countCodes(codes.slice(0, o.stalled), 'open'),
      readerCloseCodes: countCodes(codes.slice(o.stalled), null),
      readerDeliveries: {
        expected,
        delivered: run.delivered,
        deliveredPercent: expected ? round((100 * run.delivered) / expected, 2) : null,
      },
      readerLatencyMs: summary(run.sortedLatencies()),
      unsentPeakOverBudget: ratio(unsentPeak, budget),
      use,
    };
    bench.progress.log(
      `${label}: ${result.stalledCloseCodes[CLOSE.SLOW_CONSUMER.code] ?? 0} of ${o.stalled} ` +
        `stalled saw 4001; the server closed ${result.server.closed4001 ?? '-'} with 4001 ` +
        `(${result.server.budgetCloses ?? '-'} by the budget); readers ` +
        `${result.readerDeliveries.deliveredPercent ?? '-'}% delivered, unsent peak ` +
        `${mib(unsentPeak) ?? '-'} MiB (×${result.unsentPeakOverBudget ?? '-'} of the budget), ` +
        `server RSS peak ${use.serverRssPeakMiB ?? '-'} MiB`,
    );
    return result;
  } finally {
    tally = null;
    agent.destroy();
    terminateAll(sockets.filter((ws) => ws !== null));
    await publisher.close();
    await server.stop();
  }
}
