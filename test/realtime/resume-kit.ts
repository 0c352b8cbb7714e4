/**
 * Helpers of the resume tests: a websocket client speaking the resume protocol
 * (`terarelay-resume.v1`, src/realtime/resume-frames.ts) that keeps its position and the
 * events it received, and a TCP relay whose connections can be cut without the server noticing
 * (a socket that died without a close).
 */
import { randomUUID } from 'node:crypto';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import type { PrincipalKind } from '../../src/principal.js';
import { ArchiveEventSchema, type Any } from '../../src/protocol/messages.js';
import { comparePositions } from '../../src/seams/history/positions.js';
import {
  SUBPROTOCOL_RESUME_BINARY,
  SUBPROTOCOL_RESUME_JSON,
} from '../../src/realtime/subprotocols.js';
import { openSocket, type TestSocket } from '../kit/server.js';
import { pack, parseFrame, type ParsedFrame } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';

export interface Welcome {
  type: 'welcome';
  token: string;
  epoch: string;
  position: string;
  recovered?: boolean;
  reason?: string;
}

/** Where a resuming client stands: what it presents when it comes back. */
export interface Standing {
  token: string;
  epoch: string;
  position: string;
}

export interface ReceivedEvent {
  frame: ParsedFrame;
  position: string | null;
}

/** An ArchiveEvent its owner may always see, tagged (archiveUrl) for the tests to follow. */
export const tagged = (owner: string, tag: string): Any =>
  pack(ArchiveEventSchema, { ownerUuid: owner, archiveUrl: tag });

/** The tag of an event frame (its archiveUrl), or undefined. */
export const tagOf = (e: ReceivedEvent): string | undefined =>
  typeof e.frame.fields.archiveUrl === 'string' ? e.frame.fields.archiveUrl : undefined;

/** One websocket of a resume-protocol client. */
export class ResumeSocket {
  welcome: Welcome | null = null;
  readonly events: ReceivedEvent[] = [];
  /** Control frames after the welcome (`{"type":"position"}`), in order. */
  readonly controls: Array<Record<string, unknown>> = [];
  position: string | null = null;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly socket: TestSocket,
    readonly format: 'json' | 'binary',
  ) {
    socket.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.take(isBinary ? data : data.toString('utf8'));
      for (const w of [...this.waiters]) w();
    });
    socket.ws.on('close', () => {
      for (const w of [...this.waiters]) w();
    });
    socket.messages.length = 0;
  }

  get standing(): Standing {
    if (!this.welcome || !this.position) throw new Error('no welcome yet');
    return { token: this.welcome.token, epoch: this.welcome.epoch, position: this.position };
  }

  /** The tags received, in order. */
  tags(prefix = ''): string[] {
    return this.events.map(tagOf).filter((t): t is string => !!t && t.startsWith(prefix));
  }

  /** Resolves once `check` holds; rejects when the socket closes first. */
  async until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), timeoutMs);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        if (err) reject(err);
        else resolve();
      };
      const wake = (): void => {
        if (check()) done();
        else if (this.socket.closed)
          done(new Error(`socket closed (${this.socket.closed.code}) waiting for ${what}`));
      };
      this.waiters.add(wake);
    });
  }

  /** Waits for the event tagged `tag`, and returns the tags received before it. */
  async untilTag(tag: string): Promise<string[]> {
    await this.until(() => this.tags().includes(tag), `event ${tag}`);
    const tags = this.tags();
    return tags.slice(0, tags.indexOf(tag));
  }

  close(): void {
    this.socket.close();
  }

  private take(frame: string | Buffer): void {
    if (typeof frame === 'string') {
      const value = JSON.parse(frame) as Record<string, unknown>;
      if (value.type === 'welcome') {
        this.welcome = value as unknown as Welcome;
        this.position = this.welcome.position;
        return;
      }
      if (typeof value.type === 'string') {
        this.controls.push(value);
        if (value.type === 'position') this.advance(String(value.position));
        return;
      }
      if (!('message' in value)) return; // e.g. the reply to a client frame
      const position = typeof value.position === 'string' ? value.position : null;
      this.events.push({ frame: parseFrame(frame), position });
      if (position) this.advance(position);
      return;
    }
    const position = binaryPosition(frame);
    this.events.push({ frame: parseFrame(frame), position });
    if (position) this.advance(position);
  }

  private advance(position: string): void {
    if (this.position === null || comparePositions(position, this.position) > 0)
      this.position = position;
  }
}

/** The position field (100) of a binary frame, read from the raw protobuf. */
export function binaryPosition(frame: Buffer): string | null {
  let i = 0;
  while (i < frame.length) {
    let tag = 0;
    let shift = 0;
    for (;;) {
      const b = frame[i++]!;
      tag |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    let length = 0;
    shift = 0;
    for (;;) {
      const b = frame[i++]!;
      length |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (tag >> 3 === 100) return frame.toString('latin1', i, i + length);
    i += length;
  }
  return null;
}

export interface ResumeConnectOptions {
  format?: 'json' | 'binary';
  /** Present this standing (a resume); a start otherwise. */
  resume?: Standing;
}

/** Opens `url` under the resume protocol, sends the start or resume frame, reads the welcome. */
export async function openResume(
  url: string,
  options: ResumeConnectOptions = {},
): Promise<ResumeSocket> {
  const format = options.format ?? 'json';
  const protocol = format === 'json' ? SUBPROTOCOL_RESUME_JSON : SUBPROTOCOL_RESUME_BINARY;
  const result = await openSocket(url, { protocols: [protocol, 'opentera-json'] });
  if (!result.socket) throw new Error(`upgrade refused with ${result.status}`);
  if (result.socket.ws.protocol !== protocol)
    throw new Error(`server chose ${result.socket.ws.protocol || 'no subprotocol'}`);
  const client = new ResumeSocket(result.socket, format);
  const hello = options.resume ? { type: 'resume', ...options.resume } : { type: 'start' };
  result.socket.ws.send(JSON.stringify(hello));
  await client.until(() => client.welcome !== null, 'the welcome');
  return client;
}

export const wssUrl = (port: number, kind: PrincipalKind, ticket: string): string =>
  `wss://127.0.0.1:${port}/wss/${kind}?id=${encodeURIComponent(ticket)}`;

/**
 * A TCP relay to a server. `cut()` drops the client side of every connection and stops relaying,
 * but leaves the server side open and silent: the server sees a socket that died without a close
 * (it would notice only at its pong timeout).
 */
export class CuttableProxy {
  port = 0;
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; cut: boolean }>();
  /** Server-side sockets left open by `cut`. */
  private readonly orphans: Socket[] = [];

  private target = 0;

  private constructor() {
    this.server = createServer((client) => {
      const upstream = tcpConnect(this.target, '127.0.0.1');
      const pair = { client, upstream, cut: false };
      this.pairs.add(pair);
      client.on('data', (chunk) => pair.cut || upstream.write(chunk));
      upstream.on('data', (chunk) => pair.cut || client.write(chunk));
      const end = (): void => {
        if (pair.cut) return;
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) {
        s.on('close', end);
        s.on('error', end);
      }
    });
  }

  /** A relay to `target` (or to the port given later to `forwardTo`). */
  static async start(target = 0): Promise<CuttableProxy> {
    const proxy = new CuttableProxy();
    proxy.target = target;
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** Where connections go from now on (the server's port). */
  forwardTo(port: number): void {
    this.target = port;
  }

  cut(): void {
    for (const pair of this.pairs) {
      pair.cut = true;
      pair.client.destroy();
      pair.upstream.pause();
      this.orphans.push(pair.upstream);
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    for (const s of this.orphans) s.destroy();
    for (const pair of this.pairs) pair.upstream.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A tag prefix unique to one test. */
export const tagPrefix = (): string => `t${randomUUID().slice(0, 8)}:`;

export { waitFor };
