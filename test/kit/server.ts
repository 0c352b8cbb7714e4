/**
 * Test kit: a real server on port 0 over real TLS, and small clients for HTTPS and WSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DEFAULTS, loadConfig, type ConfigKey } from '../../src/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.js';

export interface TestServer extends RunningServer {
  /** Same as stop(), and removes the temporary data directory. */
  close(): Promise<void>;
  request(path: string, options?: RequestOptions): Promise<TestResponse>;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | object;
  /** Source address to bind locally (e.g. 127.0.0.2) to appear as another client. */
  localAddress?: string;
}

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

/** Starts a server: sqlite::memory:, test dataset, 127.0.0.1:0, silent logs, self-signed TLS. */
export async function startTestServer(
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'terarelay-test-'));
  const config = loadConfig({
    env: {},
    flags: {
      db: 'sqlite::memory:',
      seed: 'test',
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      dev: true,
      dataDir,
      ...overrides,
    },
  });
  let server: RunningServer;
  try {
    server = await startServer(config, options);
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const base = server.url.replace('localhost', '127.0.0.1');
  return Object.assign(Object.create(null) as object, server, {
    stop: server.stop,
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    request: (path: string, opts: RequestOptions = {}) => requestUrl(base + path, opts),
  }) as TestServer;
}

export function requestUrl(url: string, options: RequestOptions = {}): Promise<TestResponse> {
  const u = new URL(url);
  const headers: Record<string, string | string[]> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
    else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: options.method ?? 'GET',
        headers,
        rejectUnauthorized: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export const basic = (username: string, password: string): string =>
  'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');

export const bearer = (token: string): string => `OpenTera ${token}`;

/** A websocket client that queues every message so tests can await them in order. */
export class TestSocket {
  readonly messages: Array<string | Buffer> = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.messages.push(isBinary ? data : data.toString('utf8'));
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString('utf8') };
      for (const w of [...this.waiters.splice(0), ...this.closeWaiters.splice(0)]) w();
    });
  }

  /** Resolves with the next unread message; rejects on close or after timeoutMs. */
  async next(timeoutMs = 5000): Promise<string | Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length === 0) {
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code}) while waiting for a message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.shift()!;
  }

  /** Next text frame parsed as JSON. */
  async nextJson<T = Record<string, unknown>>(timeoutMs = 5000): Promise<T> {
    const m = await this.next(timeoutMs);
    return JSON.parse(typeof m === 'string' ? m : m.toString('utf8')) as T;
  }

  /** Resolves with the close code and reason. */
  async waitClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return this.closed;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`socket not closed within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.closed!;
  }

  close(): void {
    this.ws.close();
  }
}

export interface OpenSocketResult {
  socket?: TestSocket;
  /** HTTP status when the upgrade was refused. */
  status?: number;
}

/** Opens a websocket to a full wss:// URL (e.g. a login's websocket_url, rewritten to the test port). */
export function openSocket(
  url: string,
  options: { protocols?: string[]; autoPong?: boolean } = {},
): Promise<OpenSocketResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], {
      rejectUnauthorized: false,
      autoPong: options.autoPong ?? true,
    });
    const socket = new TestSocket(ws);
    ws.once('open', () => resolve({ socket }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.OPEN) reject(err);
    });
  });
}

export { DEFAULTS };
