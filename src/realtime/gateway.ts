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
 *    FileTransferService events, and the DatabaseEvent topics that may change access;
 * 4. send the client its own CONNECTED event (always first), then what arrived meanwhile;
 * 5. join the connection's presence (LocalPresence, on this node: the node that owns a
 *    connection keeps its presence entry), which announces the principal to watchers only if
 *    it came online. When the connection ends, it leaves; a connection that ends before
 *    step 5 is never joined, so it leaves no ghost presence.
 *
 * It keeps only the sockets still handshaking (so close() can drop them); live connections are
 * registered in the hub. A plain GET on the paths answers 426.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Deps } from '../deps.js';
import type { App } from '../http/app.js';
import { AppError } from '../errors.js';
import type { AccessSets } from '../access/access.js';
import type { PrincipalRecord } from '../access/principals.js';
import { AccessScope } from '../access/scope.js';
import { isPrincipalKind, PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';
import {
  ACCESS_MODELS,
  databaseEventsTopic,
  directTopic,
  FILE_TRANSFER_EVENTS,
  twistedCommandsTopic,
  USER_MANAGER_EVENTS,
} from '../topics.js';
import { teraEvent } from '../protocol/messages.js';
import { presenceEvent } from '../presence/events.js';
import type { LocalPresence } from '../presence/local-presence.js';
import { settleWithin } from '../util/timers.js';
import type { AccessRefresher } from './access-refresh.js';
import { Connection } from './connection.js';
import type { Hub, TopicSpec } from './hub.js';
import { chooseSubprotocol, formatOf } from './subprotocols.js';

/** Longest ticket looked up; anything longer is refused without a lookup. */
const MAX_TICKET_LENGTH = 512;
/** How long close() waits for clients to answer the close frame before dropping them, ms. */
const SHUTDOWN_GRACE_MS = 1_000;

interface Grant {
  principal: PrincipalRecord;
  access: AccessSets;
  sessions: Set<string>;
  /** The refresher's generation before the sets were computed. */
  generation: number;
}

/** The topics one connection listens to (none whose every message would be dropped). */
export function topicsFor(kind: PrincipalKind, uuid: string): TopicSpec[] {
  return [
    { topic: USER_MANAGER_EVENTS, role: 'events' },
    { topic: twistedCommandsTopic(uuid), role: 'commands' },
    { topic: directTopic(kind, uuid), role: 'events' },
    { topic: FILE_TRANSFER_EVENTS, role: 'events' },
    ...ACCESS_MODELS.map((model): TopicSpec => ({
      topic: databaseEventsTopic(model),
      role: 'access',
    })),
  ];
}

export interface GatewayParts {
  /** The registry of live connections and the fan-out. */
  hub: Hub<Connection>;
  refresher: AccessRefresher;
  presence: LocalPresence;
}

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly handshakes = new Set<Duplex>();
  private server: App['server'] | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly parts: GatewayParts,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: deps.config.maxClientFrame,
      handleProtocols: (offered) => chooseSubprotocol(offered),
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
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    void this.upgrade(request, socket, head);
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const onError = (): void => void socket.destroy();
    socket.on('error', onError);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const kind = /^\/wss\/([a-z]+)\/?$/.exec(url.pathname)?.[1];
    if (!isPrincipalKind(kind)) return refuse(socket, 404);
    if (this.closing) return refuse(socket, 503);
    if (!isWebsocketRequest(request)) return refuse(socket, 400);
    const ticket = url.searchParams.get('id');
    this.handshakes.add(socket);
    try {
      const grant =
        ticket && ticket.length <= MAX_TICKET_LENGTH ? await this.authorize(kind, ticket) : null;
      if (!grant) return refuse(socket, 403, 'Websocket authentication failed');
      if (socket.destroyed || this.closing) return void socket.destroy();
      socket.removeListener('error', onError);
      this.wss.handleUpgrade(request, socket, head, (ws) => void this.open(ws, grant));
    } catch (err) {
      this.deps.log.error({ err, kind }, 'websocket handshake failed');
      refuse(socket, 503);
    } finally {
      this.handshakes.delete(socket);
    }
  }

  private async authorize(kind: PrincipalKind, ticket: string): Promise<Grant | null> {
    const { tickets, principals, access } = this.deps;
    const uuid = await tickets.redeem(ticket, kind);
    if (!uuid) return null;
    const principal = await principals.find(kind, uuid);
    if (!principal?.enabled) return null;
    if (kind === 'device' && principal.onlineable === false) return null;
    const generation = this.parts.refresher.generation;
    const [sets, sessions] = await Promise.all([
      access.accessFor(kind, uuid),
      access.sessionMemberships(kind, uuid),
    ]);
    return sets ? { principal, access: sets, sessions, generation } : null;
  }

  private async open(ws: WebSocket, grant: Grant): Promise<void> {
    const { principal } = grant;
    const { hub, refresher, presence } = this.parts;
    const connection = new Connection(ws, {
      id: randomUUID(),
      principal,
      format: formatOf(ws.protocol),
      scope: new AccessScope(principal.kind, principal.uuid, grant.access, grant.sessions),
      sendBufferLimit: this.deps.config.sendBufferLimit,
      metrics: this.deps.metrics,
      onGone: (c) => this.gone(c),
    });
    if (this.closing) return connection.close('GOING_AWAY');
    const subscribed = hub.add(connection, topicsFor(principal.kind, principal.uuid));
    this.deps.metrics.connections.inc({ kind: principal.kind });
    try {
      await subscribed;
    } catch (err) {
      this.deps.log.error({ err }, 'websocket subscription failed');
      return connection.close('INTERNAL_ERROR');
    }
    if (connection.isClosed) return;
    if (refresher.generation !== grant.generation) refresher.request();
    const own = teraEvent(USER_MANAGER_EVENTS, [presenceEvent(principal, 'connected')]);
    connection.open(this.deps.codec.encodeFrame(own, connection.format));
    connection.announced = true;
    presence.connected(principal, connection.id);
  }

  /** The connection stopped being live (closing or closed): undo everything open() did. */
  private gone(connection: Connection): void {
    const { hub, presence } = this.parts;
    if (!hub.has(connection)) return;
    hub.remove(connection);
    this.deps.metrics.connections.dec({ kind: connection.principal.kind });
    if (connection.announced) presence.disconnected(connection.principal, connection.id);
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

/**
 * Whose access a DatabaseEvent topic may change. Participants and devices see only each other
 * through their links and their sessions; users see through groups, roles, sites and projects.
 */
export function affectedKinds(topic: string): PrincipalKind[] {
  const model = topic.slice(topic.lastIndexOf('.') + 1);
  return ['participant', 'device', 'session'].includes(model) ? [...PRINCIPAL_KINDS] : ['user'];
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
