/** Websocket clients of the load generator, and running many tasks with a concurrency limit. */
import WebSocket from 'ws';

/** The i-th source address: connections spread over 127.0.0.2 … 127.0.0.251. */
export const sourceAddress = (i: number): string => `127.0.0.${2 + (i % 250)}`;

export interface ClientOptions {
  localAddress: string;
  /** Resolve once the first frame arrived (the relay sends the client its own CONNECTED). */
  waitFirstFrame: boolean;
  onMessage?: (data: Buffer) => void;
  onClose?: (code: number) => void;
}

/** Opens a websocket (TLS, certificate not checked); rejects when it fails before opening. */
export function openClient(url: string, options: ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      rejectUnauthorized: false,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      localAddress: options.localAddress,
    });
    let first = true;
    ws.on('message', (data: Buffer) => {
      if (first) {
        first = false;
        if (options.waitFirstFrame) resolve(ws);
      }
      options.onMessage?.(data);
    });
    ws.once('open', () => {
      if (!options.waitFirstFrame) resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`upgrade refused with ${String(res.statusCode)}`));
    });
    ws.once('close', (code: number) => {
      options.onClose?.(code);
      reject(new Error(`closed with ${code} before it was ready`));
    });
    ws.on('error', (err) => reject(err));
  });
}

/** Runs task(0 … count-1), at most `concurrency` at once; resolves with every result, in order. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Closes every socket at once, without the closing handshake. */
export function terminateAll(sockets: Iterable<WebSocket>): void {
  for (const ws of sockets) ws.terminate();
}
