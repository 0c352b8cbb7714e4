/**
 * The websocket gateway: `/wss/user`, `/wss/participant` and `/wss/device` on the HTTPS
 * server, authorized by the one-time ticket of a login's `websocket_url` (`?id=<ticket>`).
 *
 * Connect sequence (OpenTera's order, made safe):
 * 1. redeem the ticket (atomic, single use, bound to the path's kind); load the principal,
 *    which must still exist and be enabled (a device must be onlineable); compute its access
 *    sets and session memberships. Any refusal answers HTTP 403 before the upgrade;
 * 2. upgrade; the subprotocol `opentera-protobuf` selects binary frames (./subprotocols.ts);
 * 3. subscribe through the hub: UserManager events, own server commands, own direct events,
 *    FileTransferService events (the DatabaseEvents that may change access are heard once per
 *    node, by ./access-refresh.ts);
 * 4. send the client its own CONNECTED event (always first), then what arrived meanwhile;
 * 5. join the connection's presence (LocalPresence, on this node: the node that owns a
 *    connection keeps its presence entry), which announces the principal to watchers only if
 *    it came online. When the connection ends, it leaves; a connection that ends before
 *    step 5 is never joined, so it leaves no ghost presence. An observer connection (a user's
 *    ticket issued with `observer`) skips this step: it gets the same events and the same
 *    disconnect commands, but never counts as online.
 *
 * It keeps only the sockets still handshaking (so close() can drop them); live connections are
 * registered in the hub. A plain GET on the paths answers 426. Every refused upgrade is counted
 * by reason (`terarelay_upgrade_refusals_total`) and audited (`upgrade_refused`), and so is each
 * connection that reaches step 5 (`ws_connect`; `ws_disconnect` when it ends, ./connection.ts).
 *
 * Draining (`drain`, on SIGINT/SIGTERM): from then on every upgrade is refused with 503, and the
 * live connections are closed with 1001 in batches spread evenly over the drain time, so their
 * clients do not all log in again elsewhere at the same moment.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Audit } from '../audit.js';
import { trustedProxies } from '../config.js';
import type { Deps } from '../deps.js';
import type { App } from '../http/app.js';
import type { UpgradeRefusal } from '../metrics.js';
import { AppError } from '../errors.js';
import type { AccessSets } from '../access/access.js';
import type { PrincipalRecord } from '../access/principals.js';
import { AccessScope } from '../access/scope.js';
import { isPrincipalKind, PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';
import { directTopic, FILE_TRANSFER_EVENTS, USER_MANAGER_EVENTS } from '../topics.js';
import { teraEvent } from '../protocol/messages.js';
import { presenceEvent } from '../presence/events.js';
import type { LocalPresence } from '../presence/local-presence.js';
import { settleWithin, WakeableSleep } from '../util/timers.js';
import type { AccessRefresher } from './access-refresh.js';
import { Connection, type WriteBatch } from './connection.js';
import type { Hub, TopicSpec } from './hub.js';
import { chooseSubprotocol, formatOf, isResumeProtocol } from './subprotocols.js';
import type { Resume } from './resume.js';

/** Longest ticket looked up; anything longer is refused without a lookup. */
const MAX_TICKET_LENGTH = 512;
/** How long close() waits for clients to answer the close frame before dropping them, ms. */
const SHUTDOWN_GRACE_MS = 1_000;
/** Shortest pause between two drain batches, ms: a short drain closes in fewer batches. */
const DRAIN_BATCH_MS = 100;
/** The HTTP status answering each refusal. */
const REFUSAL_STATUS: Readonly<Record<UpgradeRefusal, number>> = {
  not_found: 404,
  bad_request: 400,
  bad_ticket: 403,
  principal_disabled: 403,
  draining: 503,
  error: 503,
};

interface Grant {
  principal: PrincipalRecord;
  access: AccessSets;
  sessions: Set<string>;
  /** The refresher's generation before the sets were computed. */
  generation: number;
  /** An observer connection: events only, left out of presence (LocalPresence). */
  observer: boolean;
}

/**
 * The shared topics every connection listens to (none whose every message would be dropped),
 * one list for all of them. Each also gets its own principal's direct events and commands,
 * which the hub hears node-wide.
 */
export const SHARED_TOPICS: readonly TopicSpec[] = Object.freeze([
  { topic: USER_MANAGER_EVENTS, role: 'events' },
  { topic: FILE_TRANSFER_EVENTS, role: 'events' },
]);

/** Every topic whose events one connection gets (what a resume reads from the history). */
export function eventTopicsFor(kind: PrincipalKind, uuid: string): string[] {
  return [USER_MANAGER_EVENTS, directTopic(kind, uuid), FILE_TRANSFER_EVENTS];
}

export interface GatewayParts {
  /** The registry of live connections and the fan-out. */
  hub: Hub<Connection>;
  /** Batches every connection's writes and bounds the node's unsent bytes. */
  batch: WriteBatch;
  refresher: AccessRefresher;
  presence: LocalPresence;
  /** Where refused upgrades, connects and disconnects are recorded. */
  audit: Audit;
  /** With history on: positions and resume for the clients that opt in. */
  resume?: Resume;
}

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly handshakes = new Set<Duplex>();
  private server: App['server'] | null = null;
  private closing: Promise<void> | null = null;
  private draining: Promise<void> | null = null;
  private readonly drainPauses = new WakeableSleep();
  private readonly trusted: (address: string | undefined) => boolean;

  constructor(
    private readonly deps: Deps,
    private readonly parts: GatewayParts,
  ) {
    this.trusted = trustedProxies(deps.config);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.config.maxClientFrame,
      handleProtocols: (offered) => chooseSubprotocol(offered, { resume: !!parts.resume }),
    });
  }

  /** Adds the 426 routes and starts handling upgrades on the app's server. */
  register(app: App): void {
    for (const kind of PRINCIPAL_KINDS) {
      app.get(`/wss/${kind}`, { schema: { hide: true } }, async (_request, reply) => {
        reply.header('Upgrade', 'websocket');
        throw new AppError('UPGRADE_REQUIRED', 'This endpoint accepts websocket upgrades only');
      });
    }
    this.server = app.server;
    app.server.on('upgrade', this.onUpgrade);
  }

  /** Closes every connection (1001), stops handshakes and subscriptions. Idempotent. */
  close(): Promise<void> {
    this.drainPauses.wakeAll();
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Refuses upgrades from now on (503) and closes every connection with 1001, in batches
   * spread over `spreadMs` (at once for 0): the first batch now, the last one before `spreadMs`
   * has passed. Resolves once they closed (or after a grace); close() ends the wait and closes
   * the rest at once. Idempotent.
   */
  drain(spreadMs: number): Promise<void> {
    this.draining ??= this.closeInBatches(spreadMs);
    return this.draining;
  }

  /** Every connection's onGone (one function, not one per connection). */
  private readonly onGone = (connection: Connection): void => this.gone(connection);

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.upgrade(request, socket, head);
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const kind = /^\/wss\/([a-z]+)\/?$/.exec(url.pathname)?.[1];
    const address = this.clientAddress(request);
    if (!isPrincipalKind(kind)) return this.refuse(socket, 'not_found', address);
    if (this.closing || this.draining) return this.refuse(socket, 'draining', address, kind);
    if (!isWebsocketRequest(request)) return this.refuse(socket, 'bad_request', address, kind);
    const ticket = url.searchParams.get('id');
    this.handshakes.add(socket);
    try {
      const grant =
        ticket && ticket.length <= MAX_TICKET_LENGTH
          ? await this.authorize(kind, ticket)
          : 'bad_ticket';
      if (typeof grant === 'string') return this.refuse(socket, grant, address, kind);
      if (socket.destroyed || this.closing) return void socket.destroy();
      if (this.draining) return this.refuse(socket, 'draining', address, kind);
      socket.removeListener('error', onError);
      this.wss.handleUpgrade(
        request,
        socket,
        head,
        (ws) => void this.open(ws, socket, grant, address),
      );
    } catch (err) {
      this.deps.log.error({ err, kind }, 'websocket handshake failed');
      this.refuse(socket, 'error', address, kind);
    } finally {
      this.handshakes.delete(socket);
    }
  }

  /** Answers a refused upgrade with its status; counted and audited. */
  private refuse(
    socket: Duplex,
    reason: UpgradeRefusal,
    address: string,
    kind?: PrincipalKind,
  ): void {
    const status = REFUSAL_STATUS[reason];
    this.deps.metrics.upgradeRefusals.inc({ reason });
    this.parts.audit.upgradeRefused({ reason, status, address, kind });
    if (status === 403) refuse(socket, status, 'Websocket authentication failed');
    else refuse(socket, status);
  }

  /**
   * The client's address, as Fastify finds it for HTTP requests: from the TCP peer, each
   * trusted proxy hands over to the X-Forwarded-For entry before it.
   */
  private clientAddress(request: IncomingMessage): string {
    const header = request.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    let address = request.socket.remoteAddress ?? '';
    while (this.trusted(address) && forwarded.length > 0) address = forwarded.pop() ?? '';
    return address;
  }

  /** The grant, or why the ticket or its principal is refused. */
  private async authorize(
    kind: PrincipalKind,
    ticket: string,
  ): Promise<Grant | 'bad_ticket' | 'principal_disabled'> {
    const { tickets, principals, access } = this.deps;
    const claimed = await tickets.claim(ticket, kind);
    if (!claimed) return 'bad_ticket';
    const { uuid, observer } = claimed;
    const generation = this.parts.refresher.generation;
    // One round: the principal is read with its sets (wasted only when it is refused).
    const [principal, sets, sessions] = await Promise.all([
      principals.find(kind, uuid),
      access.accessFor(kind, uuid),
      access.sessionMemberships(kind, uuid),
    ]);
    if (!principal?.enabled) return 'principal_disabled';
    if (kind === 'device' && principal.onlineable === false) return 'principal_disabled';
    return sets
      ? { principal, access: sets, sessions, generation, observer }
      : 'principal_disabled';
  }

  private async open(
    ws: WebSocket,
    transport: Duplex,
    grant: Grant,
    address: string,
  ): Promise<void> {
    const { principal } = grant;
    const { hub, refresher, presence, resume } = this.parts;
    const resumable = resume !== undefined && isResumeProtocol(ws.protocol);
    const connection = new Connection(ws, {
      id: randomUUID(),
      principal,
      format: formatOf(ws.protocol),
      scope: new AccessScope(principal.kind, principal.uuid, grant.access, grant.sessions),
      sendBufferLimit: this.deps.config.sendBufferLimit,
      metrics: this.deps.metrics,
      transport,
      batch: this.parts.batch,
      audit: this.parts.audit,
      resumable,
      onGone: this.onGone,
    });
    if (this.closing || this.draining) return connection.close('GOING_AWAY');
    const subscribed = hub.add(connection, SHARED_TOPICS);
    this.deps.metrics.connections.inc({ kind: principal.kind });
    try {
      await subscribed;
    } catch (err) {
      this.deps.log.error({ err }, 'websocket subscription failed');
      return connection.close('INTERNAL_ERROR');
    }
    if (connection.isClosed) return;
    if (refresher.generation !== grant.generation) refresher.request([principal.kind]);
    const own = teraEvent(USER_MANAGER_EVENTS, [presenceEvent(principal, 'connected')]);
    const ownFrame = this.deps.codec.encodeFrame(own, connection.format);
    // A resumable client first gets its welcome (and its replay): ./resume.ts.
    const events = resumable ? eventTopicsFor(principal.kind, principal.uuid) : [];
    const opening = resumable ? await resume.opening(connection, events, ownFrame) : null;
    if (resumable && (!opening || connection.isClosed)) return;
    if (opening) connection.open(opening.first, opening.then, opening.position);
    else connection.open(ownFrame);
    connection.announced = true;
    const joined = presence.connected(principal, connection.id, { observer: grant.observer });
    if (opening) resume?.opened(connection, opening, joined);
    const { kind, uuid } = principal;
    this.parts.audit.connected({ kind, uuid, connection: connection.id, address });
  }

  /** The connection stopped being live (closing or closed): undo everything open() did. */
  private gone(connection: Connection): void {
    const { hub, presence } = this.parts;
    if (!hub.has(connection)) return;
    // Before the hub drops its topics: a resumable client's stay subscribed a while.
    this.parts.resume?.gone(connection);
    hub.remove(connection);
    this.deps.metrics.connections.dec({ kind: connection.principal.kind });
    if (connection.announced) presence.disconnected(connection.principal, connection.id);
  }

  private async closeInBatches(spreadMs: number): Promise<void> {
    const connections = [...this.parts.hub.members()];
    const closed = Promise.all(connections.map((c) => c.whenClosed()));
    const batches = Math.max(
      1,
      Math.min(connections.length, Math.floor(spreadMs / DRAIN_BATCH_MS)),
    );
    const size = Math.ceil(connections.length / batches);
    for (let first = 0; first < connections.length && !this.closing; first += size) {
      if (first > 0) await this.drainPauses.sleep(spreadMs / batches);
      for (const c of connections.slice(first, first + size)) c.close('GOING_AWAY');
    }
    await settleWithin(closed, SHUTDOWN_GRACE_MS);
  }

  private async shutdown(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    for (const socket of this.handshakes) socket.destroy();
    const connections = [...this.parts.hub.members()];
    const closed = Promise.all(connections.map((c) => c.whenClosed()));
    for (const c of connections) c.close('GOING_AWAY');
    await settleWithin(closed, SHUTDOWN_GRACE_MS);
    for (const c of connections) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

function isWebsocketRequest(request: IncomingMessage): boolean {
  return (
    request.method === 'GET' &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    typeof request.headers['sec-websocket-key'] === 'string'
  );
}

/** Answers a refused upgrade with a plain HTTP response, then closes the socket. */
function refuse(socket: Duplex, status: number, body = STATUS_CODES[status] ?? 'Error'): void {
  if (!socket.writable) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
