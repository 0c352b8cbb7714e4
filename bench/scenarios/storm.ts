/**
 * Connect storm, on the relay and on the login floor (./servers/login-floor.ts):
 * - logins alone: `logins` device token logins (`/api/device/login?token=`) over keep-alive
 *   connections, `concurrency` at once, cycling through the devices;
 * - storm: `devices` devices each log in on a fresh TLS connection, then open their websocket
 *   and wait for its first frame (the relay sends a device its own CONNECTED), `concurrency`
 *   devices at once.
 * With `--repeat`, rounds alternate the relay and the floor, so that a busy spell of the machine
 * hits both; the ratios are those of the medians.
 */
import type WebSocket from 'ws';
import type { ServerProcess } from '../child.js';
import { phaseMeter, type Bench, type PhaseUse } from '../context.js';
import { deviceLogin, get, keepAliveAgent } from '../load/http.js';
import { inParallel, openClient, sourceAddress, terminateAll } from '../load/sockets.js';
import { round, sortNumbers, summary } from '../stats.js';

export interface LoginsResult {
  requests: number;
  concurrency: number;
  seconds: number | null;
  perSecond: number | null;
  /** Answers other than 200 (or failed requests), by status. */
  failures: Record<string, number>;
  latencyMs: ReturnType<typeof summary>;
  use: PhaseUse;
}

export interface StormResult {
  devices: number;
  concurrency: number;
  seconds: number | null;
  /** Devices logged in and connected per second. */
  perSecond: number | null;
  connected: number;
  failures: Record<string, number>;
  loginMs: ReturnType<typeof summary>;
  /** From the upgrade request to the first frame. */
  connectMs: ReturnType<typeof summary>;
  totalMs: ReturnType<typeof summary>;
  use: PhaseUse;
}

export interface StormTarget {
  server: 'relay' | 'floor';
  /** 1 … `--repeat`: rounds alternate the relay and the floor, so both see the same machine. */
  round: number;
  logins: LoginsResult;
  storm: StormResult;
}

export async function runStorm(bench: Bench): Promise<StormTarget[]> {
  const targets: StormTarget[] = [];
  for (let round = 1; round <= bench.options.repeat; round++) {
    targets.push(await runTarget(bench, 'relay', round));
    targets.push(await runTarget(bench, 'floor', round));
  }
  return targets;
}

const count = (failures: Record<string, number>, key: string): void => {
  failures[key] = (failures[key] ?? 0) + 1;
};

async function runTarget(
  bench: Bench,
  kind: 'relay' | 'floor',
  round: number,
): Promise<StormTarget> {
  const server = kind === 'relay' ? await bench.startRelay() : await bench.startFloor();
  // Profiles of the first round only.
  const name = round === 1 ? kind : null;
  try {
    const logins = await loginsAlone(bench, server, kind, name);
    const storm = await connectStorm(bench, server, kind, name);
    return { server: kind, round, logins, storm };
  } finally {
    await server.stop();
  }
}

async function loginsAlone(
  bench: Bench,
  server: ServerProcess,
  kind: string,
  profileName: string | null,
): Promise<LoginsResult> {
  const o = bench.options;
  const { deviceTokens } = await bench.dataset();
  const tokens = deviceTokens.slice(0, o.devices);
  const agent = keepAliveAgent(o.concurrency);
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  bench.progress.set(`storm ${kind}: logins alone`, () => `${latencies.length}/${o.logins}`);
  const profile =
    profileName === null ? null : await bench.profile(server, `storm-${profileName}-logins`);
  const meter = phaseMeter(server);
  const t0 = performance.now();
  await inParallel(o.logins, o.concurrency, async (i) => {
    const token = encodeURIComponent(tokens[i % tokens.length]!);
    const start = performance.now();
    try {
      const answer = await get(`https://127.0.0.1:${server.port}/api/device/login?token=${token}`, {
        agent,
      });
      if (answer.status !== 200) count(failures, String(answer.status));
    } catch (err) {
      count(failures, (err as NodeJS.ErrnoException).code ?? 'error');
    }
    latencies.push(performance.now() - start);
  });
  const seconds = (performance.now() - t0) / 1000;
  const use = meter.stop();
  await profile?.stop();
  agent.destroy();
  const result: LoginsResult = {
    requests: o.logins,
    concurrency: o.concurrency,
    seconds: round(seconds, 2),
    perSecond: round(o.logins / seconds, 0),
    failures,
    latencyMs: summary(sortNumbers(latencies)),
    use,
  };
  bench.progress.log(
    `storm ${kind} logins alone: ${result.perSecond}/s, p50 ${result.latencyMs.p50} ms, ` +
      `p99 ${result.latencyMs.p99} ms, server CPU ${use.serverCpuPercent ?? '-'}%`,
  );
  return result;
}

async function connectStorm(
  bench: Bench,
  server: ServerProcess,
  kind: string,
  profileName: string | null,
): Promise<StormResult> {
  const o = bench.options;
  const { deviceTokens } = await bench.dataset();
  const sockets: WebSocket[] = [];
  const login: number[] = [];
  const connect: number[] = [];
  const total: number[] = [];
  const failures: Record<string, number> = {};
  bench.progress.set(`storm ${kind}: devices connecting`, () => `${sockets.length}/${o.devices}`);
  const profile =
    profileName === null ? null : await bench.profile(server, `storm-${profileName}-connect`);
  const meter = phaseMeter(server);
  const t0 = performance.now();
  try {
    await inParallel(o.devices, o.concurrency, async (i) => {
      const start = performance.now();
      try {
        const url = await deviceLogin(server.port, deviceTokens[i]!, sourceAddress(i));
        const loggedIn = performance.now();
        sockets.push(
          await openClient(url, { localAddress: sourceAddress(i + 1), waitFirstFrame: true }),
        );
        const done = performance.now();
        login.push(loggedIn - start);
        connect.push(done - loggedIn);
        total.push(done - start);
      } catch (err) {
        count(failures, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    const use = meter.stop();
    await profile?.stop();
    const result: StormResult = {
      devices: o.devices,
      concurrency: o.concurrency,
      seconds: round(seconds, 2),
      perSecond: round(sockets.length / seconds, 0),
      connected: sockets.length,
      failures,
      loginMs: summary(sortNumbers(login)),
      connectMs: summary(sortNumbers(connect)),
      totalMs: summary(sortNumbers(total)),
      use,
    };
    bench.progress.log(
      `storm ${kind}: ${result.connected}/${o.devices} devices in ${result.seconds} s ` +
        `(${result.perSecond}/s), p50 ${result.totalMs.p50} ms, p99 ${result.totalMs.p99} ms, ` +
        `server CPU ${use.serverCpuPercent ?? '-'}%`,
    );
    return result;
  } finally {
    terminateAll(sockets);
  }
}
