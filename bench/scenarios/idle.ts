/**
 * Idle connections: the relay holding `idle` device connections (each logged in with its token,
 * first frame received), the bare `ws` baseline holding as many idle TLS sockets, and the login
 * floor holding as many connections made as the relay's are (a token login on its own TLS
 * connection, then the websocket): what the login pattern alone leaves in the process. At each
 * size, after two full garbage collections in the server, its heap and resident memory are read;
 * per connection = (reading − reading before any connection) / connections.
 */
import type WebSocket from 'ws';
import type { ServerProcess } from '../child.js';
import { mib, sleep, type Bench } from '../context.js';
import { loadAverage } from '../machine.js';
import { deviceLogin } from '../load/http.js';
import { inParallel, openClient, sourceAddress, terminateAll } from '../load/sockets.js';
import { rssBytes } from '../proc.js';
import { round } from '../stats.js';
import type { HeapKinds } from '../ipc.js';

/** Quiet time before reading memory once every connection is open, ms. */
const SETTLE_MS = 2000;
/** Longest wait for the server to see every connection closed, ms. */
const CLOSE_WAIT_MS = 60_000;

export interface IdleSize {
  connections: number;
  /** Connections the server counts itself. */
  serverConnections: number | null;
  heapUsedMiB: number | null;
  rssMiB: number | null;
  heapPerConnectionKiB: number | null;
  rssPerConnectionKiB: number | null;
  /** Memory outside the JS heap that V8 knows of (Buffers, TLS/zlib objects), per connection. */
  externalPerConnectionKiB: number | null;
  /** The machine's 1-minute load average at the reading. */
  loadAverage: number;
}

/** What the heap holds per connection of one kind of object (`--heap-kinds`). */
export interface HeapKindPerConnection {
  kind: string;
  count: number;
  bytes: number;
}

export interface IdleTarget {
  /** baseline: bare `ws`; floor: the login floor, whose clients log in first as the relay's do. */
  server: 'relay' | 'floor' | 'baseline';
  before: { heapUsedMiB: number | null; rssMiB: number | null };
  sizes: IdleSize[];
  /** With `--heap-kinds`: the heap per connection at the last size, by kind, largest first. */
  heapKinds?: HeapKindPerConnection[];
}

/** Kinds listed per connection. */
const HEAP_KINDS_LISTED = 25;

/** (after − before) / connections, by kind, largest first. */
function perConnection(before: HeapKinds, after: HeapKinds, connections: number) {
  const out: HeapKindPerConnection[] = [];
  for (const [kind, a] of Object.entries(after)) {
    const b = before[kind] ?? { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / connections;
    if (bytes >= 1)
      out.push({ kind, count: round((a.count - b.count) / connections, 2)!, bytes: round(bytes)! });
  }
  return out.sort((x, y) => y.bytes - x.bytes).slice(0, HEAP_KINDS_LISTED);
}

export async function runIdle(bench: Bench): Promise<IdleTarget[]> {
  return [
    await runTarget(bench, 'relay'),
    await runTarget(bench, 'floor'),
    await runTarget(bench, 'baseline'),
  ];
}

/**
 * After the last reading: what the heap holds per connection, by kind: a heap snapshot with
 * every connection open, then one after they all closed (the same warm process without them).
 * Each snapshot is about twice the heap in memory: use it at a size that fits.
 */
async function kindsPerConnection(
  server: ServerProcess,
  sockets: WebSocket[],
): Promise<HeapKindPerConnection[]> {
  const open = await server.request<HeapKinds>({ op: 'heap-kinds' });
  const count = sockets.length;
  terminateAll(sockets.splice(0));
  const gone = async () => (await server.request<number>({ op: 'connections' })) === 0;
  const deadline = Date.now() + CLOSE_WAIT_MS;
  while (!(await gone())) {
    if (Date.now() > deadline) throw new Error('connections did not close');
    await sleep(100);
  }
  await sleep(SETTLE_MS);
  return perConnection(await server.request<HeapKinds>({ op: 'heap-kinds' }), open, count);
}

async function memory(
  server: ServerProcess,
): Promise<{ heap: number; external: number; rss: number | null }> {
  await server.request({ op: 'gc' });
  const usage = await server.request<NodeJS.MemoryUsage>({ op: 'memory' });
  return { heap: usage.heapUsed, external: usage.external, rss: rssBytes(server.pid) };
}

async function runTarget(bench: Bench, kind: IdleTarget['server']): Promise<IdleTarget> {
  const o = bench.options;
  const server =
    kind === 'relay'
      ? await bench.startRelay()
      : kind === 'floor'
        ? await bench.startFloor()
        : await bench.startBroadcast();
  const logsIn = kind !== 'baseline';
  const { deviceTokens } = await bench.dataset();
  const sockets: WebSocket[] = [];
  const failures: string[] = [];
  try {
    await sleep(SETTLE_MS);
    const before = await memory(server);
    const sizes: IdleSize[] = [];
    for (const size of o.idle) {
      const from = sockets.length;
      bench.progress.set(`idle ${kind}: connecting`, () => `${sockets.length}/${size}`);
      await inParallel(size - from, o.concurrency, async (k) => {
        const i = from + k;
        try {
          let url = `wss://127.0.0.1:${server.port}/`;
          if (logsIn) url = await deviceLogin(server.port, deviceTokens[i]!, sourceAddress(i));
          sockets.push(
            await openClient(url, { localAddress: sourceAddress(i + 1), waitFirstFrame: logsIn }),
          );
        } catch (err) {
          failures.push((err as Error).message);
        }
      });
      if (failures.length > 0)
        throw new Error(`idle ${kind}: ${failures.length} connections failed: ${failures[0]}`);
      await sleep(SETTLE_MS);
      const now = await memory(server);
      const heapDelta = now.heap - before.heap;
      const rssDelta = now.rss !== null && before.rss !== null ? now.rss - before.rss : null;
      const entry: IdleSize = {
        connections: size,
        serverConnections: await server.request<number>({ op: 'connections' }),
        heapUsedMiB: mib(now.heap),
        rssMiB: mib(now.rss),
        heapPerConnectionKiB: round(heapDelta / size / 1024),
        rssPerConnectionKiB: rssDelta === null ? null : round(rssDelta / size / 1024),
        externalPerConnectionKiB: round((now.external - before.external) / size / 1024),
        loadAverage: loadAverage(),
      };
      sizes.push(entry);
      bench.progress.log(
        `idle ${kind} ${size}: heap ${entry.heapPerConnectionKiB} KiB/conn, ` +
          `RSS ${entry.rssPerConnectionKiB} KiB/conn (RSS ${entry.rssMiB} MiB)`,
      );
    }
    const heapKinds = o.heapKinds ? await kindsPerConnection(server, sockets) : undefined;
    return {
      server: kind,
      before: { heapUsedMiB: mib(before.heap), rssMiB: mib(before.rss) },
      sizes,
      ...(heapKinds ? { heapKinds } : {}),
    };
  } finally {
    terminateAll(sockets);
    await server.stop();
  }
}
