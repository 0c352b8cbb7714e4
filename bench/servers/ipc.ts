/**
 * The server side of the IPC channel: answers the load generator's requests, reports `Ready`,
 * and stops cleanly on SIGTERM or when the load generator goes away.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { getHeapSnapshot } from 'node:v8';
import type { HeapKinds, Op, Reply, Request } from '../ipc.js';

type Handler = (request: Request) => unknown;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
};

/** The V8 CPU profiler of this process, driven by the load generator around one phase. */
const profiler = {
  session: null as Session | null,
  async start(request: Request): Promise<void> {
    if (request.op !== 'profile-start') return;
    if (this.session) throw new Error('a profile is already running');
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: request.intervalUs });
    await session.post('Profiler.start');
    this.session = session;
  },
  async stop(request: Request): Promise<void> {
    if (request.op !== 'profile-stop') return;
    const session = this.session;
    if (!session) throw new Error('no profile is running');
    this.session = null;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(request.path, JSON.stringify(profile));
  },
};

/**
 * The live objects of a heap snapshot (after a full GC) by kind: objects and native objects by
 * constructor, closures by function name, everything else by V8's node type. Self sizes only.
 */
async function heapKinds(): Promise<HeapKinds> {
  gc();
  const chunks: string[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk));
  const snapshot = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  chunks.length = 0;
  const {
    node_fields: fields,
    node_types: [types],
  } = snapshot.snapshot.meta;
  const width = fields.length;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds: HeapKinds = {};
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const t = types[nodes[i + type!]!]!;
    const key = ['object', 'closure', 'native'].includes(t)
      ? `${t}:${strings[nodes[i + name!]!]}`
      : t;
    const k = (kinds[key] ??= { count: 0, bytes: 0 });
    k.count++;
    k.bytes += nodes[i + size!]!;
  }
  return kinds;
}

/** Serves `handlers` (plus gc, memory, heap kinds and the CPU profiler) until SIGTERM/disconnect, then runs `stop` and exits. */
export function serveIpc(handlers: Partial<Record<Op, Handler>>, stop: () => Promise<void>): void {
  const all: Partial<Record<Op, Handler>> = {
    gc,
    memory: () => process.memoryUsage(),
    'heap-kinds': heapKinds,
    'profile-start': (request) => profiler.start(request),
    'profile-stop': (request) => profiler.stop(request),
    ...handlers,
  };
  process.on('message', (message: Request) => {
    void (async () => {
      let reply: Reply;
      try {
        const handler = all[message.op];
        if (!handler) throw new Error(`unknown op ${message.op}`);
        reply = { id: message.id, ok: true, value: await handler(message) };
      } catch (err) {
        reply = { id: message.id, ok: false, error: (err as Error).message };
      }
      if (message.id !== 0) process.send?.(reply);
    })();
  });
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('disconnect', shutdown);
}

/** Tells the load generator the server listens on `port`. */
export function ready(port: number): void {
  process.send?.({ ready: true, port });
}

/** The value of `--name value` in this process's arguments, or undefined. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
