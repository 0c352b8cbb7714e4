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
 * Nothing here throws, touches the database or allocates per call.
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

/** True when the connection described by `view` may receive `e` arriving on `channel`. */
export function canSee(view: ScopeView, e: ClientEvent, channel: Channel): boolean {
  const { kind, uuid, access } = view;
  switch (e.type) {
    case 'UserEvent': {
      const about = e.event.userUuid;
      if (kind !== 'user' || access.kind !== 'user') return false;
      if (about === uuid && isPresenceType(e.event.type)) return false;
      return access.userUuids.has(about);
    }
    case 'ParticipantEvent': {
      const about = e.event.participantUuid;
      if (about === uuid && kind === 'participant' && isPresenceType(e.event.type)) return false;
      if (access.kind === 'user') return access.participantUuids.has(about);
      if (access.kind === 'participant') return about === uuid;
      return access.participantUuids.has(about);
    }
    case 'DeviceEvent': {
      const about = e.event.deviceUuid;
      if (about === uuid && kind === 'device' && isPresenceType(e.event.type)) return false;
      if (access.kind === 'device') return about === uuid;
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
 * One event's answer, shared across the connections of one fan-out. For a UserEvent,
 * ParticipantEvent or DeviceEvent, `canSee` reads the connection's uuid only to compare it with
 * the event's subject; for every other connection the answer is a function of its kind and its
 * AccessSets object alone. Connections that share that object (superadmins, while the rows are
 * unchanged) then share the answer: it is computed for the first of a run of them and reused.
 */
export class SharedAnswer {
  access: AccessSets | null = null;
  kind: PrincipalKind | null = null;
  answer = false;
  private constructor(readonly subject: string) {}

  /** A fresh answer slot for `e`, or undefined when its answer may depend on more than kind and sets. */
  static for(e: ClientEvent): SharedAnswer | undefined {
    switch (e.type) {
      case 'UserEvent':
        return new SharedAnswer(e.event.userUuid);
      case 'ParticipantEvent':
        return new SharedAnswer(e.event.participantUuid);
      case 'DeviceEvent':
        return new SharedAnswer(e.event.deviceUuid);
      default:
        return undefined;
    }
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

  constructor(
    readonly kind: PrincipalKind,
    readonly uuid: string,
    public access: AccessSets,
    dbSessions: ReadonlySet<string>,
  ) {
    this.dbSessions = dbSessions.size === 0 ? NO_SESSIONS : dbSessions;
  }

  isMember(sessionUuid: string): boolean {
    return this.dbSessions.has(sessionUuid) || (this.announced?.has(sessionUuid) ?? false);
  }

  /**
   * Applies the rules and, when a JoinSessionEvent passes, records its session as announced.
   * Never throws: anything unexpected drops the event. `shared` is the event's SharedAnswer
   * (made once per fan-out, for the events it covers): reused when this connection has the same
   * kind and AccessSets object as the last one asked and is not the event's subject.
   */
  accepts(e: ClientEvent, channel: Channel, shared?: SharedAnswer): boolean {
    if (shared !== undefined && this.uuid !== shared.subject) {
      if (shared.access === this.access && shared.kind === this.kind) return shared.answer;
      const ok = this.decide(e, channel);
      shared.access = this.access;
      shared.kind = this.kind;
      shared.answer = ok;
      return ok;
    }
    return this.decide(e, channel);
  }

  private decide(e: ClientEvent, channel: Channel): boolean {
    try {
      const ok = canSee(this, e, channel);
      if (ok && e.type === 'JoinSessionEvent')
        (this.announced ??= new Set()).add(e.event.sessionUuid);
      return ok;
    } catch {
      return false;
    }
  }

  /** Replaces the database-derived state (access refresh); announcements are kept. */
  update(access: AccessSets, dbSessions: ReadonlySet<string>): void {
    this.access = access;
    this.dbSessions = dbSessions.size === 0 ? NO_SESSIONS : dbSessions;
  }
}
