/**
 * One open websocket of one principal: sends frames, bounds what it buffers, answers client
 * messages, and closes exactly once.
 *
 * State it keeps, and why:
 * - `pending`: frames the hub delivered while the connection was still opening (subscribed but
 *   its own CONNECTED not yet sent). They go out right after that first frame, so the client's
 *   own CONNECTED is always first and nothing published after the subscription is lost;
 * - `lastSeen`: when the client last proved it is alive (pong or any frame), for the heartbeat;
 * - the close state, so a close asked twice (slow consumer, then a disconnect command) sends
 *   one close frame;
 * - for a client that opted in to resume (`resumable`): its first client frame (which is not
 *   answered), its position (the last one it was sent or moved to) and a floor: positioned
 *   frames at or before it are dropped (what a replay or the welcome already covered), until the
 *   first one after it.
 *
 * `send` never throws and never waits: when the bytes the socket has not yet written would pass
 * `sendBufferLimit`, the connection is closed as a slow consumer (CLOSE.SLOW_CONSUMER) and the
 * frame is dropped, so one stalled client never holds back the others.
 */
import type WebSocket from 'ws';
import type { Audit } from '../audit.js';
import { CLOSE, type CloseKind } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { PrincipalRecord } from '../access/principals.js';
import type { AccessScope } from '../access/scope.js';
import type { WireFormat } from '../protocol/codec.js';
import { comparePositions } from '../seams/history/positions.js';

/**
 * A frame's payload. The fan-out hands every socket the same bytes: a JSON-format connection
 * sends them as a text frame, a binary-format one as a binary frame. A string is always text.
 */
export type Frame = string | Uint8Array;

/** What a connection's writes are batched by (./send-budget.ts); absent: write at once. */
export interface WriteBatch {
  /** Called once per batch, at this connection's first write in it, with its unsent bytes then. */
  joined(connection: Connection, unsent: number): void;
  /** The connection is gone; its unsent bytes no longer count. */
  left(connection: Connection): void;
}

/**
 * The transport under the websocket: corked while a batch of writes is being made, and written
 * whole websocket frames (./wire.ts) directly while the websocket is open.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array): boolean;
}

/** WebSocket.OPEN: frames may be written. */
const OPEN = 1;
const TEXT = { binary: false } as const;
const BINARY = { binary: true } as const;

/** Where a websocket names the Connection that owns it (read by the shared listeners). */
const OWNER = Symbol('terarelay.connection');
type OwnedSocket = WebSocket & { [OWNER]?: Connection };
/** The first client frame of every connection that did not opt in to resume. */
const NO_HELLO: Promise<string | null> = Promise.resolve(null);

/** The queued positions once a connection opened or closed (nothing is queued then). */
const NO_POSITIONS: Array<string | undefined> = [];

/** The reply to any client data frame. */
export const CLIENT_MESSAGE_REPLY = 'Not allowed to send message';

/** How long a server-initiated close may take before the socket is destroyed, ms. */
const CLOSE_GRACE_MS = 10_000;

export interface ConnectionOptions {
  id: string;
  principal: PrincipalRecord;
  format: WireFormat;
  scope: AccessScope;
  sendBufferLimit: number;
  metrics?: Metrics;
  /** Where the end of an announced connection is recorded, with its close code. */
  audit?: Audit;
  /** The raw socket the websocket runs on; corked during a batch of writes. */
  transport?: Corkable;
  /** Batches writes and accounts unsent bytes across the node. */
  batch?: WriteBatch;
  /** The client opted in to positions and resume: its first frame is its start or resume. */
  resumable?: boolean;
  /**
   * Called once, as soon as the connection stops being live: when the server decides to close
   * it (close/terminate) or when the socket closes, whichever comes first. The socket itself
   * may linger a little longer to finish its close handshake.
   */
  onGone: (connection: Connection) => void;
}

export class Connection {
  readonly id: string;
  readonly principal: PrincipalRecord;
  readonly format: WireFormat;
  readonly scope: AccessScope;
  /** Milliseconds timestamp of the last pong or client frame. */
  lastSeen = Date.now();
  /** Set once the connection was counted in presence (LocalPresence.connected). */
  announced = false;

  /** Unsent bytes as last measured by the write batch (its bookkeeping, not a live value). */
  unsent = 0;

  /** The client opted in to positions (the hub sends it positioned frames). */
  readonly resumable: boolean;
  /** Resumable: the last position it was sent or moved to; null before its welcome. */
  position: string | null = null;
  /** Resumable: positioned frames at or before this are dropped (see the module comment). */
  private floor: string | null = null;
  private hello: ((text: string | null) => void) | null = null;
  private readonly helloText: Promise<string | null>;

  private pending: Frame[] | null = [];
  private pendingPositions: Array<string | undefined> = [];
  private inBatch = false;
  private readonly bytesOptions: typeof TEXT | typeof BINARY;
  private readonly transport: Corkable | undefined;
  private readonly batch: WriteBatch | undefined;
  private pendingBytes = 0;
  private closing = false;
  private closed = false;
  private closeTimer: NodeJS.Timeout | null = null;
  private readonly limit: number;
  private readonly metrics: Metrics | undefined;
  private readonly audit: Audit | undefined;
  /** The close code the server sent (1006: it dropped the connection), null until it does. */
  private sentCode: number | null = null;
  private onGone: ((connection: Connection) => void) | null;
  /** Who waits for the close (whenClosed); made only when someone asks. */
  private closeWaiters: Array<() => void> | null = null;

  constructor(
    private readonly ws: WebSocket,
    options: ConnectionOptions,
  ) {
    this.id = options.id;
    this.principal = options.principal;
    this.format = options.format;
    this.scope = options.scope;
    this.limit = options.sendBufferLimit;
    this.bytesOptions = options.format === 'json' ? TEXT : BINARY;
    this.transport = options.transport;
    this.batch = options.batch;
    this.metrics = options.metrics;
    this.audit = options.audit;
    this.onGone = options.onGone;
    this.resumable = options.resumable ?? false;
    this.helloText = this.resumable ? new Promise((resolve) => (this.hello = resolve)) : NO_HELLO;
    // The listeners are shared by every connection (none is made per socket): they find their
    // connection on the socket.
    (ws as OwnedSocket)[OWNER] = this;
    ws.on('message', Connection.onMessage);
    ws.on('pong', Connection.onPong);
    ws.on('error', Connection.onError);
    ws.on('close', Connection.onClose);
  }

  private static onMessage(this: OwnedSocket, data: Buffer, isBinary: boolean): void {
    const c = this[OWNER];
    if (!c) return;
    c.lastSeen = Date.now();
    const hello = c.hello;
    c.hello = null;
    if (hello) return hello(isBinary ? null : data.toString('utf8'));
    c.send(CLIENT_MESSAGE_REPLY);
  }

  private static onPong(this: OwnedSocket): void {
    const c = this[OWNER];
    if (c) c.lastSeen = Date.now();
  }

  private static onError(): void {
    // ws closes the socket itself after an error (e.g. 1009 for an oversized frame).
  }

  private static onClose(this: OwnedSocket, code: number): void {
    const c = this[OWNER];
    if (!c || c.closed) return;
    if (c.announced) {
      const { kind, uuid } = c.principal;
      const by = c.sentCode === null ? 'client' : 'server';
      c.audit?.disconnected({
        kind,
        uuid,
        connection: c.id,
        code: c.sentCode ?? code,
        by,
      });
    }
    c.hello?.(null);
    c.hello = null;
    c.closed = true;
    c.closing = true;
    c.pending = null;
    if (c.closeTimer) clearTimeout(c.closeTimer);
    const waiters = c.closeWaiters;
    c.closeWaiters = null;
    for (const resolve of waiters ?? []) resolve();
    c.gone();
  }

  /** True once the connection is closing or closed: nothing more will be sent. */
  get isClosed(): boolean {
    return this.closing;
  }

  /** Bytes written to the socket that it has not sent yet. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Resolves once the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.closeWaiters ??= []).push(resolve));
  }

  /** Resumable: the text of the client's first frame (null: binary, or closed before it). */
  firstClientFrame(): Promise<string | null> {
    return this.helloText;
  }

  /**
   * Queues or sends one frame; `position` is the event's, for a resumable connection (its
   * frames at or before the floor are dropped). `wire`, when given, is the whole websocket frame
   * carrying `frame` in this connection's format (./wire.ts), made once for every socket: it is
   * written to the transport as it is while the websocket is open. Never throws, never waits.
   */
  send(frame: Frame, position?: string, wire?: Uint8Array): void {
    if (this.closing) return;
    const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    if (this.pending) {
      this.pendingBytes += size;
      if (this.pendingBytes > this.limit) return this.close('SLOW_CONSUMER');
      this.pending.push(frame);
      this.pendingPositions.push(position);
      return;
    }
    if (position !== undefined && this.resumable) {
      if (this.floor !== null) {
        if (comparePositions(position, this.floor) <= 0) return;
        this.floor = null;
      }
      if (this.position === null || comparePositions(position, this.position) > 0)
        this.position = position;
    }
    const unsent = this.ws.bufferedAmount;
    if (unsent + size > this.limit) return this.close('SLOW_CONSUMER');
    if (!this.inBatch && this.batch) {
      this.inBatch = true;
      this.transport?.cork();
      this.batch.joined(this, unsent);
    }
    if (wire !== undefined && this.transport !== undefined && this.ws.readyState === OPEN)
      this.writeWire(wire);
    else this.write(frame);
  }

  /** Ends this connection's part in the current write batch: what it wrote goes out now. */
  flush(): void {
    if (!this.inBatch) return;
    this.inBatch = false;
    this.transport?.uncork();
  }

  /**
   * Sends `first`, then `then`, then whatever arrived while opening; from now on frames go
   * straight out. Resumable: `position` is where the client now is (the welcome's, or the end of
   * its replay), and the floor: queued or later positioned frames at or before it are dropped.
   */
  open(first: Frame, then: readonly Frame[] = [], position: string | null = null): void {
    const queued = this.pending ?? [];
    const positions = this.pendingPositions;
    this.pending = null;
    this.pendingPositions = NO_POSITIONS;
    this.pendingBytes = 0;
    if (this.closing) return;
    if (position !== null) this.position = this.floor = position;
    this.write(first);
    for (const frame of then) this.send(frame);
    queued.forEach((frame, i) => this.send(frame, positions[i]));
  }

  /** Closes with a code from the CLOSE table. Idempotent; the first reason wins. */
  close(kind: CloseKind): void {
    if (this.closing) return;
    this.closing = true;
    this.pending = null;
    this.pendingPositions = NO_POSITIONS;
    const { code, reason } = CLOSE[kind];
    this.sentCode = code;
    this.metrics?.closes.inc({ code: String(code) });
    try {
      this.ws.close(code, reason);
      // A client that never answers the close frame (or never reads) is cut off.
      this.closeTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
      this.closeTimer.unref();
    } catch {
      this.ws.terminate();
    }
    this.gone();
  }

  /** Drops the TCP connection without a close handshake (dead peer). Idempotent. */
  terminate(): void {
    if (this.closed) return;
    if (!this.closing) {
      this.sentCode = 1006;
      this.metrics?.closes.inc({ code: '1006' });
    }
    this.closing = true;
    this.pending = null;
    this.ws.terminate();
    this.gone();
  }

  /** Sends a heartbeat ping; ignored once closing. */
  ping(): void {
    if (this.closing) return;
    try {
      this.ws.ping();
    } catch {
      // The socket is closing; its close event will follow.
    }
  }

  private gone(): void {
    this.flush();
    const notify = this.onGone;
    if (notify) this.batch?.left(this);
    this.onGone = null;
    notify?.(this);
  }

  private writeWire(wire: Uint8Array): void {
    try {
      this.transport?.write(wire);
    } catch {
      // A destroyed socket: its close event will follow.
    }
  }

  private write(frame: Frame): void {
    try {
      this.ws.send(frame, typeof frame === 'string' ? TEXT : this.bytesOptions);
    } catch {
      // Not open any more: the close event will follow.
    }
  }
}
