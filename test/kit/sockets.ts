/**
 * Helpers for the websocket tests: the seeded principals, connecting with a ticket issued
 * directly, publishing TeraEvents on the bus, reading frames of either wire format, and a
 * barrier for "nothing more arrives" checks.
 */
import { randomUUID } from 'node:crypto';
import { toJson, type DescMessage } from '@bufbuild/protobuf';
import type { PrincipalKind } from '../../src/principal.js';
import {
  anyUnpack,
  ArchiveEventSchema,
  create,
  fromBinary,
  packEvent,
  registry,
  teraEvent,
  TeraEventSchema,
  TeraMessageSchema,
  type Any,
  type MessageShape,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { openSocket, type TestServer, type TestSocket } from './server.js';

export interface Seeded {
  /** username → uuid */
  users: Record<string, string>;
  /** participant_name → uuid */
  participants: Record<string, string>;
  /** device_name → uuid */
  devices: Record<string, string>;
}

export async function seeded(server: TestServer): Promise<Seeded> {
  const k = server.deps.db.kysely;
  const users = await k.selectFrom('t_users').select(['user_username', 'user_uuid']).execute();
  const participants = await k
    .selectFrom('t_participants')
    .select(['participant_name', 'participant_uuid'])
    .execute();
  const devices = await k.selectFrom('t_devices').select(['device_name', 'device_uuid']).execute();
  return {
    users: Object.fromEntries(users.map((u) => [u.user_username, u.user_uuid])),
    participants: Object.fromEntries(
      participants.map((p) => [p.participant_name, p.participant_uuid]),
    ),
    devices: Object.fromEntries(devices.map((d) => [d.device_name, d.device_uuid])),
  };
}

export const wsUrl = (server: TestServer, kind: PrincipalKind, ticket: string): string =>
  `wss://127.0.0.1:${server.port}/wss/${kind}?id=${encodeURIComponent(ticket)}`;

export interface ConnectOptions {
  protocols?: string[];
  autoPong?: boolean;
  /** Leave the own CONNECTED frame unread (default: read and check it). */
  keepFirst?: boolean;
}

/** Opens a connection for the principal (ticket issued directly); reads its own CONNECTED. */
export async function connect(
  server: TestServer,
  kind: PrincipalKind,
  uuid: string,
  options: ConnectOptions = {},
): Promise<TestSocket> {
  const ticket = await server.deps.tickets.issue(kind, uuid, 60_000);
  const result = await openSocket(wsUrl(server, kind, ticket), options);
  if (!result.socket) throw new Error(`upgrade refused with ${result.status}`);
  if (!options.keepFirst) {
    const first = parseFrame(await result.socket.next());
    const own = first.fields[`${kind}Uuid`];
    if (
      !first.type.endsWith('Event') ||
      own !== uuid ||
      !String(first.fields.type).endsWith('_CONNECTED')
    )
      throw new Error(`first frame is not the own CONNECTED: ${JSON.stringify(first)}`);
  }
  return result.socket;
}

export interface ParsedFrame {
  /** header.topic of the TeraEvent. */
  topic: string;
  /** Short type name, e.g. `UserEvent`. */
  type: string;
  /** The event's JSON fields (camelCase, enum names), without `@type`. */
  fields: Record<string, unknown>;
  /** Number of events in the frame's TeraEvent. */
  count: number;
  format: 'json' | 'binary';
}

/** Reads a frame of either format as the event it carries (one per frame). */
export function parseFrame(frame: string | Buffer): ParsedFrame {
  if (typeof frame === 'string') {
    const json = JSON.parse(frame) as {
      message: { header: { topic: string }; events: Array<Record<string, unknown>> };
    };
    const { events, header } = json.message;
    const { '@type': typeUrl, ...fields } = events[0] ?? {};
    return {
      topic: header.topic,
      type: shortName(String(typeUrl)),
      fields,
      count: events.length,
      format: 'json',
    };
  }
  const message = fromBinary(TeraMessageSchema, frame);
  const event = message.message ? anyUnpack(message.message, TeraEventSchema) : undefined;
  if (!event) throw new Error('binary frame without a TeraEvent');
  const any = event.events[0];
  if (!any) throw new Error('binary frame without events');
  const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1);
  const schema = registry.getMessage(typeName);
  if (!schema) throw new Error(`unknown type ${typeName}`);
  const inner = fromBinary(schema, any.value);
  const fields = toJson(schema, inner, { registry, alwaysEmitImplicit: true }) as Record<
    string,
    unknown
  >;
  return {
    topic: event.header?.topic ?? '',
    type: shortName(typeName),
    fields,
    count: event.events.length,
    format: 'binary',
  };
}

const shortName = (typeUrl: string): string => typeUrl.slice(typeUrl.lastIndexOf('.') + 1);

/** Next frame matching `match`, skipping others; rejects on close or timeout. */
export async function nextMatching(
  socket: TestSocket,
  match: (f: ParsedFrame) => boolean,
  timeoutMs = 5000,
): Promise<ParsedFrame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('no matching frame in time');
    const frame = parseFrame(await socket.next(left));
    if (match(frame)) return frame;
  }
}

/** Builds an Any as OpenTera packs it. */
export function pack<Desc extends DescMessage>(
  schema: Desc,
  init: Partial<MessageShape<Desc>>,
): Any {
  return packEvent(schema, create(schema, init as never) as MessageShape<Desc>);
}

/** Publishes a binary TeraEvent carrying `events` on `topic` (header.topic = topic). */
export async function publish(server: TestServer, topic: string, events: Any[]): Promise<void> {
  await server.deps.bus.publish(topic, server.deps.codec.encodeEvent(teraEvent(topic, events)));
}

/** The field a test writes its own marker into, whichever event type the frame carries. */
export const frameTag = (f: ParsedFrame): unknown =>
  f.fields.userFullname ??
  f.fields.participantName ??
  f.fields.deviceName ??
  f.fields.joinMsg ??
  f.fields.replyMsg ??
  f.fields.serviceUuid ??
  f.fields.archiveUrl ??
  f.fields.objectType;

/** Publishes TeraEvents from outside a node, as OpenTera's services do (OpenTeraService). */
export interface EventPublisher {
  publishEvent(topic: string, events: Any[]): Promise<unknown>;
}

/**
 * Barrier for "nothing more arrives" checks: publishes on `topic` an ArchiveEvent owned by
 * `owner` (the socket's own principal, whom every filter lets see it), reads `socket` until it
 * arrives, and returns the frames read before it. The events topic keeps one publisher's order,
 * so whatever reached that topic before the sentinel has reached the socket by then, or never
 * will.
 */
export async function untilSentinel(
  socket: TestSocket,
  owner: string,
  via: TestServer | EventPublisher,
  topic = USER_MANAGER_EVENTS,
): Promise<ParsedFrame[]> {
  const tag = `sentinel:${randomUUID()}`;
  const events = [pack(ArchiveEventSchema, { ownerUuid: owner, archiveUrl: tag })];
  if ('publishEvent' in via) await via.publishEvent(topic, events);
  else await publish(via, topic, events);
  const before: ParsedFrame[] = [];
  for (;;) {
    const frame = parseFrame(await socket.next());
    if (frame.fields.archiveUrl === tag) return before;
    before.push(frame);
  }
}
