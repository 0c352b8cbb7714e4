/**
 * The event filter of one connection, as pure rules over sets computed when
 * the connection opened: authorize once, filter on the way out, never a query per event.
 *
 * An AccessScope keeps what one connection's filter reads:
 * - `access`: the principal's access sets (src/access/access.ts), replaced when a
 *   DatabaseEvent says access may have changed;
 * - `dbSessions`: the non-deleted sessions the database lists it as a member of, replaced
 *   with `access`;
 * - `announced`: sessions named by the JoinSessionEvents this connection was shown. Session
 *   membership = dbSessions ∪ announced, and nothing is ever removed (as OpenTera never
 *   removes members).
 *
 * Decisions beyond OpenTera's rules:
 * - StopSessionEvent passes only on the connection's own direct channel;
 * - CONNECTED/DISCONNECTED about the connection's own principal never pass: a connection gets
 *   its own CONNECTED directly when it opens, and while it is open its principal is online;
 * - DatabaseEvent and every type outside the dictionary's nine are dropped.
 * Nothing here throws or touches the database, and nothing is allocated per connection asked.
 */
import type { PrincipalKind } from '../principal.js';
import type { ClientEvent } from '../protocol/messages.js';
import type { AccessSets } from './access.js';

/** Where an event arrived from: the principal's own `websocket.<kind>.<uuid>.events`, or any other topic. */
export type Channel = 'direct' | 'broadcast';

/** What the rules read. AccessScope is the live implementation; tests may pass plain objects. */
export interface ScopeView {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  readonly access: AccessSets;
  isMember(sessionUuid: string): boolean;
}

/** CONNECTED = 1 and DISCONNECTED = 2 in UserEvent, ParticipantEvent and DeviceEvent alike. */
const isPresenceType = (type: number): boolean => type === 1 || type === 2;

/** The event types about one principal's presence and records, each with its subject's uuid. */
export type PresenceType = 'UserEvent' | 'ParticipantEvent' | 'DeviceEvent';
export const PRESENCE_TYPES: readonly PresenceType[] = Object.freeze([
  'UserEvent',
  'ParticipantEvent',
  'DeviceEvent',
]);

/**
 * For an event of `type` about a principal other than the connection's own: the uuids whose
 * events of that type the connection sees (it sees the event when the set holds its subject),
 * or null when it sees none. A function of the connection's kind and sets alone (what lets
 * src/realtime/audience-index.ts group connections by the set).
 */
export function presenceSeen(
  type: PresenceType,
  kind: PrincipalKind,
  access: AccessSets,
): ReadonlySet<string> | null {
  switch (type) {
    case 'UserEvent':
      return kind === 'user' && access.kind === 'user' ? access.userUuids : null;
    case 'ParticipantEvent':
      return access.kind === 'participant' ? null : access.participantUuids;
    case 'DeviceEvent':
      return access.kind === 'device' ? null : access.deviceUuids;
  }
}

const seenAmong = (seen: ReadonlySet<string> | null, about: string): boolean =>
  seen !== null && seen.has(about);

/** True when the connection described by `view` may receive `e` arriving on `channel`. */
export function canSee(view: ScopeView, e: ClientEvent, channel: Channel): boolean {
  const { kind, uuid, access } = view;
  switch (e.type) {
    case 'UserEvent': {
      const about = e.event.userUuid;
      if (about !== uuid) return seenAmong(presenceSeen('UserEvent', kind, access), about);
      if (kind !== 'user' || access.kind !== 'user' || isPresenceType(e.event.type)) return false;
      return access.userUuids.has(about);
    }
    case 'ParticipantEvent': {
      const about = e.event.participantUuid;
      if (about !== uuid) return seenAmong(presenceSeen('ParticipantEvent', kind, access), about);
      if (kind === 'participant' && isPresenceType(e.event.type)) return false;
      if (access.kind === 'participant') return true;
      return access.participantUuids.has(about);
    }
    case 'DeviceEvent': {
      const about = e.event.deviceUuid;
      if (about !== uuid) return seenAmong(presenceSeen('DeviceEvent', kind, access), about);
      if (kind === 'device' && isPresenceType(e.event.type)) return false;
      if (access.kind === 'device') return true;
      return access.deviceUuids.has(about);
    }
    case 'JoinSessionEvent': {
      const named =
        kind === 'user'
          ? e.event.sessionUsers
          : kind === 'participant'
            ? e.event.sessionParticipants
            : e.event.sessionDevices;
      return named.includes(uuid);
    }
    case 'JoinSessionReplyEvent': {
      const replier =
        kind === 'user'
          ? e.event.userUuid
          : kind === 'participant'
            ? e.event.participantUuid
            : e.event.deviceUuid;
      return replier !== uuid && view.isMember(e.event.sessionUuid);
    }
    case 'LeaveSessionEvent':
      return view.isMember(e.event.sessionUuid);
    case 'StopSessionEvent':
      return channel === 'direct';
    case 'ArchiveEvent':
      return e.event.ownerUuid === uuid;
    case 'DatabaseEvent':
      return false;
    default:
      return false;
  }
}

/** Which connections of one kind may see an event: all (each is asked), none, or those of these uuids. */
export type KindAudience = 'all' | 'none' | readonly string[];
/** Per principal kind, which connections `canSee` may keep an event for. */
export type Audience = Readonly<Record<PrincipalKind, KindAudience>>;

const EVERYONE: Audience = { user: 'all', participant: 'all', device: 'all' };
const NO_ONE: Audience = { user: 'none', participant: 'none', device: 'none' };
const USERS: Audience = { user: 'all', participant: 'none', device: 'none' };

/**
 * Who may see `e` arriving on `channel`, by kind: a superset of the connections `canSee` keeps
 * it for (every rule above reads only the connection's kind, uuid and sets), so that a fan-out
 * need ask only these. A DeviceEvent reaches users, the participants that may be linked to the
 * device and the device itself, not every other device; a UserEvent reaches users only.
 */
export function audienceOf(e: ClientEvent, channel: Channel): Audience {
  switch (e.type) {
    case 'UserEvent':
      return USERS;
    case 'ParticipantEvent':
      return { user: 'all', participant: [e.event.participantUuid], device: 'all' };
    case 'DeviceEvent':
      return { user: 'all', participant: 'all', device: [e.event.deviceUuid] };
    case 'JoinSessionEvent':
      return {
        user: e.event.sessionUsers,
        participant: e.event.sessionParticipants,
        device: e.event.sessionDevices,
      };
    case 'JoinSessionReplyEvent':
    case 'LeaveSessionEvent':
      return EVERYONE;
    case 'StopSessionEvent':
      return channel === 'direct' ? EVERYONE : NO_ONE;
    case 'ArchiveEvent': {
      const owner = [e.event.ownerUuid];
      return { user: owner, participant: owner, device: owner };
    }
    default:
      return NO_ONE;
  }
}

/**
 * The uuid a UserEvent, ParticipantEvent or DeviceEvent is about, with its type; null for the
 * other types, or when the event cannot be read.
 */
export function presenceSubject(e: ClientEvent): { type: PresenceType; subject: string } | null {
  try {
    switch (e.type) {
      case 'UserEvent':
        return { type: e.type, subject: e.event.userUuid };
      case 'ParticipantEvent':
        return { type: e.type, subject: e.event.participantUuid };
      case 'DeviceEvent':
        return { type: e.type, subject: e.event.deviceUuid };
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** The one empty set every scope without sessions shares (most connections have none). */
const NO_SESSIONS: ReadonlySet<string> = new Set();

/**
 * The mutable filter state of one connection. Kept small, as every idle connection holds one:
 * no set is made for a connection that has no sessions or was never shown a JoinSessionEvent.
 */
export class AccessScope implements ScopeView {
  private announced: Set<string> | null = null;
  private dbSessions: ReadonlySet<string>;
  private current: AccessSets;

  constructor(
    readonly kind: PrincipalKind,
    readonly uuid: string,
    access: AccessSets,
    dbSessions: ReadonlySet<string>,
  ) {
    this.current = access;
    this.dbSessions = dbSessions.size === 0 ? NO_SESSIONS : dbSessions;
  }

  /** The principal's access sets, as of the last `update`. */
  get access(): AccessSets {
    return this.current;
  }

  isMember(sessionUuid: string): boolean {
    return this.dbSessions.has(sessionUuid) || (this.announced?.has(sessionUuid) ?? false);
  }

  /**
   * Applies the rules and, when a JoinSessionEvent passes, records its session as announced.
   * Never throws: anything unexpected drops the event.
   */
  accepts(e: ClientEvent, channel: Channel): boolean {
    try {
      const ok = canSee(this, e, channel);
      if (ok && e.type === 'JoinSessionEvent')
        (this.announced ??= new Set()).add(e.event.sessionUuid);
      return ok;
    } catch {
      return false;
    }
  }

  /**
   * Replaces the database-derived state (access refresh); announcements are kept. A scope in a
   * hub is updated through the hub's `rescope`, which keeps its audience index in step.
   */
  update(access: AccessSets, dbSessions: ReadonlySet<string>): void {
    this.current = access;
    this.dbSessions = dbSessions.size === 0 ? NO_SESSIONS : dbSessions;
  }
}
