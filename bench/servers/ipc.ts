/**
 * The server side of the IPC channel: answers the load generator's requests, reports `Ready`,
 * and stops cleanly on SIGTERM or when the load generator goes away.
 */
import type { Op, Reply, Request } from '../ipc.js';

type Handler = (request: Request) => unknown;

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  collect();
  collect();
};

/** Serves `handlers` (plus gc and memory) until SIGTERM/disconnect, then runs `stop` and exits. */
export function serveIpc(handlers: Partial<Record<Op, Handler>>, stop: () => Promise<void>): void {
  const all: Partial<Record<Op, Handler>> = {
    gc,
    memory: () => process.memoryUsage(),
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
