/**
 * Typed events from websocket frames. A frame is OpenTera's
 * `TeraMessage{message: Any(TeraEvent{header, events: [Any…]})}`: JSON text by default, binary
 * protobuf with the `opentera-protobuf` subprotocol (./frames.ts turns those into the same
 * JSON). Each event of a frame becomes one RelayEvent, discriminated by `type`, saying which
 * principal (`kind`, `uuid`) or session it is about.
 *
 * Decoding is total: an event of a type this SDK does not know, or a malformed one, becomes an
 * `UnknownEvent` holding the raw object; nothing here throws.
 */
import type { PrincipalKind } from './login.js';

/** What every event carries. */
interface EventBase {
  /** The TeraEvent header's topic (where the server got it from). */
  readonly topic: string;
  /** The TeraEvent header's time, seconds since the epoch (0 when absent). */
  readonly time: number;
  /** The event as OpenTera's protobuf-JSON (camelCase fields, `@type`). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export type PresenceChange =
  | 'connected'
  | 'disconnected'
  | 'joined_session'
  | 'left_session'
  | 'deleted'
  | 'added'
  | 'updated'
  | 'unknown';

/** A UserEvent, ParticipantEvent or DeviceEvent other than a status change. */
export interface PrincipalEvent extends EventBase {
  readonly type: PrincipalKind;
  readonly kind: PrincipalKind;
  readonly uuid: string;
  readonly change: PresenceChange;
  /** Full name of a user, name of a participant or device. */
  readonly name: string;
  /** A participant's project and site names (empty when the server sent none). */
  readonly projectName?: string;
  readonly siteName?: string;
}

/** A DeviceEvent DEVICE_STATUS_CHANGED. */
export interface DeviceStatusEvent extends EventBase {
  readonly type: 'device_status';
  readonly kind: 'device';
  readonly uuid: string;
  readonly name: string;
  /** The status object the device posted (its JSON parsed), or the text when it does not parse. */
  readonly status: unknown;
  /** The timestamp the device posted with it, or null. */
  readonly timestamp: number | null;
}

interface SessionMembers {
  readonly users: readonly string[];
  readonly participants: readonly string[];
  readonly devices: readonly string[];
}

/** An invitation to a session (JoinSessionEvent). `uuid` is the session's. */
export interface JoinSessionEvent extends EventBase, SessionMembers {
  readonly type: 'join_session';
  readonly kind: 'session';
  readonly uuid: string;
  readonly sessionUrl: string;
  readonly creatorName: string;
  readonly message: string;
  /** The session parameters, JSON text as the service sent them. */
  readonly parameters: string;
  readonly serviceUuid: string;
}

/** Members leaving a session (LeaveSessionEvent). `uuid` is the session's. */
export interface LeaveSessionEvent extends EventBase, SessionMembers {
  readonly type: 'leave_session';
  readonly kind: 'session';
  readonly uuid: string;
  readonly serviceUuid: string;
}

/** A session stopped (StopSessionEvent). `uuid` is the session's. */
export interface StopSessionEvent extends EventBase {
  readonly type: 'stop_session';
  readonly kind: 'session';
  readonly uuid: string;
  readonly serviceUuid: string;
}

/** The answer of one invitee (JoinSessionReplyEvent); `kind`/`uuid` name who answered. */
export interface JoinSessionReplyEvent extends EventBase {
  readonly type: 'join_session_reply';
  readonly kind: PrincipalKind;
  readonly uuid: string;
  readonly sessionUuid: string;
  readonly reply: 'accepted' | 'denied' | 'busy' | 'timeout' | 'unknown';
  readonly message: string;
}

/** Any other event (or one that did not decode): given as it came. */
export interface UnknownEvent extends EventBase {
  readonly type: 'unknown';
  /** The protobuf type name (after the last `/` of `@type`), or '' when there was none. */
  readonly typeName: string;
  readonly kind: null;
  readonly uuid: null;
}

export type RelayEvent =
  | PrincipalEvent
  | DeviceStatusEvent
  | JoinSessionEvent
  | LeaveSessionEvent
  | StopSessionEvent
  | JoinSessionReplyEvent
  | UnknownEvent;

type Json = Readonly<Record<string, unknown>>;

const PACKAGE = 'opentera.protobuf.';

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The first of `names` present in `o` as a string (JSON name, then the proto field name). */
function str(o: Json, ...names: string[]): string {
  for (const name of names) if (typeof o[name] === 'string') return o[name];
  return '';
}

function list(o: Json, ...names: string[]): string[] {
  for (const name of names) {
    const v = o[name];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  }
  return [];
}

/** The type name of an Any's `@type`. */
export const typeNameOf = (typeUrl: unknown): string =>
  typeof typeUrl === 'string' ? typeUrl.slice(typeUrl.lastIndexOf('/') + 1) : '';

/** An enum value as its lowercase name without `prefix`, or 'unknown'. */
function enumName(value: unknown, prefix: string): string {
  return typeof value === 'string' && value.startsWith(prefix)
    ? value.slice(prefix.length).toLowerCase()
    : 'unknown';
}

const CHANGES: ReadonlySet<string> = new Set<PresenceChange>([
  'connected',
  'disconnected',
  'joined_session',
  'left_session',
  'deleted',
  'added',
  'updated',
]);

function change(value: unknown, prefix: string): PresenceChange | 'status_changed' {
  const name = enumName(value, prefix);
  if (name === 'status_changed') return name;
  return CHANGES.has(name) ? (name as PresenceChange) : 'unknown';
}

/** A device_status field: `{"status": <JSON text>, "timestamp": n}` as JSON text. */
function deviceStatus(text: string): { status: unknown; timestamp: number | null } {
  const parse = (s: string): unknown => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  };
  const outer = parse(text);
  if (!isObject(outer)) return { status: outer, timestamp: null };
  const inner = outer.status;
  return {
    status: typeof inner === 'string' ? parse(inner) : inner,
    timestamp: typeof outer.timestamp === 'number' ? outer.timestamp : null,
  };
}

/** One event of a TeraEvent, as the typed RelayEvent it is. */
export function decodeEvent(raw: unknown, topic: string, time: number): RelayEvent {
  const base = { topic, time, raw: isObject(raw) ? raw : { value: raw } };
  const typeName = isObject(raw) ? typeNameOf(raw['@type']) : '';
  const unknown: UnknownEvent = { ...base, type: 'unknown', typeName, kind: null, uuid: null };
  if (!isObject(raw) || !typeName.startsWith(PACKAGE)) return unknown;
  const o = raw;
  switch (typeName.slice(PACKAGE.length)) {
    case 'UserEvent':
      return principal('user', str(o, 'userUuid', 'user_uuid'));
    case 'ParticipantEvent':
      return principal('participant', str(o, 'participantUuid', 'participant_uuid'), {
        projectName: str(o, 'participantProjectName', 'participant_project_name'),
        siteName: str(o, 'participantSiteName', 'participant_site_name'),
      });
    case 'DeviceEvent': {
      const uuid = str(o, 'deviceUuid', 'device_uuid');
      if (!uuid) return unknown;
      if (change(o.type, 'DEVICE_') !== 'status_changed') return principal('device', uuid);
      const { status, timestamp } = deviceStatus(str(o, 'deviceStatus', 'device_status'));
      const name = str(o, 'deviceName', 'device_name');
      return { ...base, type: 'device_status', kind: 'device', uuid, name, status, timestamp };
    }
    case 'JoinSessionEvent':
      return {
        ...base,
        type: 'join_session',
        kind: 'session',
        uuid: str(o, 'sessionUuid', 'session_uuid'),
        sessionUrl: str(o, 'sessionUrl', 'session_url'),
        creatorName: str(o, 'sessionCreatorName', 'session_creator_name'),
        users: list(o, 'sessionUsers', 'session_users'),
        participants: list(o, 'sessionParticipants', 'session_participants'),
        devices: list(o, 'sessionDevices', 'session_devices'),
        message: str(o, 'joinMsg', 'join_msg'),
        parameters: str(o, 'sessionParameters', 'session_parameters'),
        serviceUuid: str(o, 'serviceUuid', 'service_uuid'),
      };
    case 'LeaveSessionEvent':
      return {
        ...base,
        type: 'leave_session',
        kind: 'session',
        uuid: str(o, 'sessionUuid', 'session_uuid'),
        serviceUuid: str(o, 'serviceUuid', 'service_uuid'),
        users: list(o, 'leavingUsers', 'leaving_users'),
        participants: list(o, 'leavingParticipants', 'leaving_participants'),
        devices: list(o, 'leavingDevices', 'leaving_devices'),
      };
    case 'StopSessionEvent':
      return {
        ...base,
        type: 'stop_session',
        kind: 'session',
        uuid: str(o, 'sessionUuid', 'session_uuid'),
        serviceUuid: str(o, 'serviceUuid', 'service_uuid'),
      };
    case 'JoinSessionReplyEvent': {
      const who = (
        [
          ['user', str(o, 'userUuid', 'user_uuid')],
          ['participant', str(o, 'participantUuid', 'participant_uuid')],
          ['device', str(o, 'deviceUuid', 'device_uuid')],
        ] as const
      ).find(([, uuid]) => uuid !== '');
      if (!who) return unknown;
      const reply = enumName(o.joinReply ?? o.join_reply, 'REPLY_');
      return {
        ...base,
        type: 'join_session_reply',
        kind: who[0],
        uuid: who[1],
        sessionUuid: str(o, 'sessionUuid', 'session_uuid'),
        reply:
          (['accepted', 'denied', 'busy', 'timeout'] as const).find((r) => r === reply) ??
          'unknown',
        message: str(o, 'replyMsg', 'reply_msg'),
      };
    }
    default:
      return unknown;
  }

  function principal(
    kind: PrincipalKind,
    uuid: string,
    extra: { projectName?: string; siteName?: string } = {},
  ): RelayEvent {
    if (!uuid) return unknown;
    const prefix = `${kind.toUpperCase()}_`;
    const c = change(o.type, prefix);
    const name = str(o, ...NAME_FIELDS[kind]);
    return {
      ...base,
      type: kind,
      kind,
      uuid,
      change: c === 'status_changed' ? 'unknown' : c,
      name,
      ...extra,
    };
  }
}

const NAME_FIELDS: Readonly<Record<PrincipalKind, [string, string]>> = {
  user: ['userFullname', 'user_fullname'],
  participant: ['participantName', 'participant_name'],
  device: ['deviceName', 'device_name'],
};

/**
 * The events of one JSON frame (OpenTera's text form). A frame that is not a TeraMessage
 * holding a TeraEvent gives one UnknownEvent with the parsed frame.
 */
export function decodeJsonFrame(message: unknown): RelayEvent[] {
  const inner = isObject(message) ? message.message : undefined;
  if (
    !isObject(inner) ||
    typeNameOf(inner['@type']) !== `${PACKAGE}TeraEvent` ||
    !Array.isArray(inner.events)
  )
    return [decodeEvent(message, '', 0)];
  const header = isObject(inner.header) ? inner.header : {};
  const topic = typeof header.topic === 'string' ? header.topic : '';
  const time = typeof header.time === 'number' ? header.time : 0;
  return inner.events.map((event) => decodeEvent(event, topic, time));
}

/** The events of one text frame. */
export function decodeTextFrame(text: string): RelayEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return [decodeEvent({ text }, '', 0)];
  }
  return decodeJsonFrame(parsed);
}
