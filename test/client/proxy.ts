/**
 * Network paths between the SDK and a test server:
 * - PausableProxy, a TCP relay whose server-to-client direction can be paused: while paused,
 *   the relay stops reading what the server sends, so the server's socket fills up exactly as
 *   it would for a client that stopped reading. TLS passes through untouched.
 * - ScriptedFront, an HTTPS front (a load balancer, a gateway) for the server's REST API that
 *   answers the next requests to a path itself with scripted statuses (429 with Retry-After,
 *   503, …) and forwards every other request to the server.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  createServer as createHttpsServer,
  request as httpsRequest,
  type Server as HttpsServer,
} from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';

export class PausableProxy {
  private readonly server: Server;
  private readonly upstreams = new Set<Socket>();
  private target = 0;
  port = 0;

  private constructor() {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.upstreams.add(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => client.write(chunk));
      const end = (): void => {
        this.upstreams.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }

  static async start(): Promise<PausableProxy> {
    const proxy = new PausableProxy();
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Where connections go from now on (the server's port). */
  forwardTo(port: number): void {
    this.target = port;
  }

  /** Stops reading from the server on every open connection. */
  pause(): void {
    for (const upstream of this.upstreams) upstream.pause();
  }

  resume(): void {
    for (const upstream of this.upstreams) upstream.resume();
  }

  async close(): Promise<void> {
    for (const upstream of this.upstreams) upstream.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An answer the front gives itself instead of forwarding. */
export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (default `{code, message}` naming the status). */
  readonly body?: unknown;
}

/**
 * An HTTPS front for a server's REST API, over real TLS (with the certificate and key given).
 * `answerNext(path, answers)` makes the next requests to `path` (the URL's pathname) get
 * `answers`, one each, in order, from the front itself; every other request is forwarded to
 * the server as it came, and the server's answer returned as it is. `seen(path)` counts every
 * request to a path, answered or forwarded. Websockets do not pass through it: the server's
 * websocket URLs name the server itself.
 */
export class ScriptedFront {
  private readonly server: HttpsServer;
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private readonly counts = new Map<string, number>();
  port = 0;

  private constructor(
    private readonly target: number,
    tls: { cert: string; key: string },
  ) {
    this.server = createHttpsServer(tls, (req, res) => this.handle(req, res));
  }

  static async start(target: number, tls: { cert: string; key: string }): Promise<ScriptedFront> {
    const front = new ScriptedFront(target, tls);
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    front.port = (front.server.address() as { port: number }).port;
    return front;
  }

  /** The next requests to `path` get `answers` (after any still scripted for it). */
  answerNext(path: string, answers: ScriptedAnswer[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...answers]);
  }

  /** Requests to `path` so far, answered here or forwarded. */
  seen(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://front').pathname;
    this.counts.set(path, this.seen(path) + 1);
    const scripted = this.scripts.get(path)?.shift();
    if (scripted) {
      req.resume();
      const body = JSON.stringify(
        scripted.body ?? {
          code: `HTTP_${scripted.status}`,
          message: `scripted ${scripted.status}`,
        },
      );
      res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
      res.end(body);
      return;
    }
    const upstream = httpsRequest(
      {
        host: '127.0.0.1',
        port: this.target,
        method: req.method,
        path: req.url,
        headers: req.headers,
        rejectUnauthorized: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(err.message);
    });
    req.pipe(upstream);
  }
}
