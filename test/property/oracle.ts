/**
 * The independent oracle of the fan-out property test: what a connection may receive, from
 * plain SQL over the database file and the spec's rules (§5.2, §5.4, §5.5) with DESIGN.md's
 * decisions. It imports nothing from src/: its event shapes, topic names and rules are its own.
 */
import Database from 'better-sqlite3';

export type Kind = 'user' | 'participant' | 'device';

/** An event as the test generates it, before any protobuf encoding. */
export type PlainEvent =
  | {
      type: 'UserEvent' | 'ParticipantEvent' | 'DeviceEvent';
      uuid: string;
      eventType: number;
      tag: string;
    }
  | {
      type: 'JoinSessionEvent';
      session: string;
      users: string[];
      participants: string[];
      devices: string[];
      tag: string;
    }
  | {
      type: 'JoinSessionReplyEvent';
      session: string;
      user: string;
      participant: string;
      device: string;
      tag: string;
    }
  | { type: 'LeaveSessionEvent' | 'StopSessionEvent'; session: string; tag: string }
  | { type: 'ArchiveEvent'; owner: string; tag: string }
  | { type: 'DatabaseEvent' | 'LogEvent'; tag: string };

export interface Published {
  topic: string;
  events: PlainEvent[];
}

/** OpenTera's topic names, spelled out here on purpose (spec §4.3, §6.1). */
export const TOPIC = {
  userManagerEvents: 'module.TeraServer.UserManagerModule.events',
  fileTransferEvents: 'service.FileTransferService.events',
  direct: (kind: Kind, uuid: string) => `websocket.${kind}.${uuid}.events`,
};

const ALIVE_USERS = `SELECT user_uuid AS uuid FROM t_users WHERE deleted_at IS NULL`;
const ALIVE_PARTICIPANTS = `SELECT participant_uuid AS uuid FROM t_participants WHERE deleted_at IS NULL`;
const ALIVE_DEVICES = `SELECT device_uuid AS uuid FROM t_devices WHERE deleted_at IS NULL`;

/** Roles granted to the user's live groups (any service). */
const GRANTS = `
  SELECT r.id_service, r.id_site, r.id_project, r.service_role_name
  FROM t_users u
  JOIN t_users_users_groups uug ON uug.id_user = u.id_user
  JOIN t_users_groups g ON g.id_user_group = uug.id_user_group AND g.deleted_at IS NULL
  JOIN t_services_access a ON a.id_user_group = g.id_user_group
  JOIN t_services_roles r ON r.id_service_role = a.id_service_role
  JOIN t_services s ON s.id_service = r.id_service AND s.deleted_at IS NULL
  WHERE u.user_uuid = :me`;

/** §5.4: projects with a project role, plus every project of a site where a role is `admin`. */
const PROJECTS = `
  SELECT p.id_project, p.id_site FROM t_projects p
  JOIN t_sites st ON st.id_site = p.id_site AND st.deleted_at IS NULL
  WHERE p.deleted_at IS NULL AND (
    p.id_project IN (SELECT id_project FROM (${GRANTS}) WHERE id_project IS NOT NULL)
    OR p.id_site IN (SELECT id_site FROM (${GRANTS}) WHERE id_site IS NOT NULL AND service_role_name = 'admin'))`;

/** §5.4: sites with a site role, plus the sites of accessible projects. */
const SITES = `
  SELECT st.id_site FROM t_sites st WHERE st.deleted_at IS NULL AND (
    st.id_site IN (SELECT id_site FROM (${GRANTS}) WHERE id_site IS NOT NULL)
    OR st.id_site IN (SELECT id_site FROM (${PROJECTS})))`;

const VISIBLE = {
  participants: `SELECT participant_uuid AS uuid FROM t_participants
    WHERE deleted_at IS NULL AND id_project IN (SELECT id_project FROM (${PROJECTS}))`,
  devices: `SELECT d.device_uuid AS uuid FROM t_devices d JOIN t_devices_sites ds ON ds.id_device = d.id_device
    WHERE d.deleted_at IS NULL AND ds.id_site IN (SELECT id_site FROM (${SITES}))`,
  /** Members of groups holding an OpenTeraServer role on an accessible project, plus oneself. */
  users: `SELECT u.user_uuid AS uuid FROM t_users u
    JOIN t_users_users_groups uug ON uug.id_user = u.id_user
    JOIN t_users_groups g ON g.id_user_group = uug.id_user_group AND g.deleted_at IS NULL
    JOIN t_services_access a ON a.id_user_group = g.id_user_group
    JOIN t_services_roles r ON r.id_service_role = a.id_service_role
    JOIN t_services s ON s.id_service = r.id_service AND s.service_key = 'OpenTeraServer' AND s.deleted_at IS NULL
    WHERE u.deleted_at IS NULL AND r.id_project IN (SELECT id_project FROM (${PROJECTS}))
    UNION SELECT user_uuid FROM t_users WHERE user_uuid = :me AND deleted_at IS NULL`,
};

const LINKED_DEVICES = `SELECT d.device_uuid AS uuid FROM t_participants p
  JOIN t_devices_participants dp ON dp.id_participant = p.id_participant
  JOIN t_devices d ON d.id_device = dp.id_device AND d.deleted_at IS NULL
  WHERE p.participant_uuid = :me`;
const LINKED_PARTICIPANTS = `SELECT p.participant_uuid AS uuid FROM t_devices d
  JOIN t_devices_participants dp ON dp.id_device = d.id_device
  JOIN t_participants p ON p.id_participant = dp.id_participant AND p.deleted_at IS NULL
  WHERE d.device_uuid = :me`;
const SESSIONS: Record<Kind, string> = {
  user: `SELECT s.session_uuid AS uuid FROM t_sessions s JOIN t_sessions_users m ON m.id_session = s.id_session
    JOIN t_users x ON x.id_user = m.id_user WHERE x.user_uuid = :me AND s.deleted_at IS NULL`,
  participant: `SELECT s.session_uuid AS uuid FROM t_sessions s JOIN t_sessions_participants m ON m.id_session = s.id_session
    JOIN t_participants x ON x.id_participant = m.id_participant WHERE x.participant_uuid = :me AND s.deleted_at IS NULL`,
  device: `SELECT s.session_uuid AS uuid FROM t_sessions s JOIN t_sessions_devices m ON m.id_session = s.id_session
    JOIN t_devices x ON x.id_device = m.id_device WHERE x.device_uuid = :me AND s.deleted_at IS NULL`,
};

interface Sets {
  users: Set<string>;
  participants: Set<string>;
  devices: Set<string>;
  sessions: Set<string>;
}

export class Oracle {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  close(): void {
    this.db.close();
  }

  /** Principals that may open a connection: alive, enabled, and (devices) onlineable. */
  connectable(): Array<{ kind: Kind; uuid: string }> {
    const rows = (sql: string, kind: Kind) =>
      (this.db.prepare(sql).all() as Array<{ uuid: string }>).map((r) => ({ kind, uuid: r.uuid }));
    return [
      ...rows(
        `SELECT user_uuid AS uuid FROM t_users WHERE deleted_at IS NULL AND user_enabled = 1`,
        'user',
      ),
      ...rows(
        `SELECT participant_uuid AS uuid FROM t_participants WHERE deleted_at IS NULL AND participant_enabled = 1`,
        'participant',
      ),
      ...rows(
        `SELECT device_uuid AS uuid FROM t_devices WHERE deleted_at IS NULL AND device_enabled = 1 AND device_onlineable = 1`,
        'device',
      ),
    ];
  }

  /**
   * The tags one connection of (kind, uuid) must receive, per topic, in order, when `stream`
   * is published in that order.
   */
  expected(kind: Kind, uuid: string, stream: readonly Published[]): Map<string, string[]> {
    const sets = this.sets(kind, uuid);
    const announced = new Set<string>();
    const direct = TOPIC.direct(kind, uuid);
    const listens = new Set([TOPIC.userManagerEvents, TOPIC.fileTransferEvents, direct]);
    const out = new Map<string, string[]>();
    for (const { topic, events } of stream) {
      if (!listens.has(topic)) continue;
      for (const e of events) {
        if (!this.keeps(kind, uuid, sets, announced, e, topic === direct)) continue;
        if (e.type === 'JoinSessionEvent') announced.add(e.session);
        out.set(topic, [...(out.get(topic) ?? []), e.tag]);
      }
    }
    return out;
  }

  private keeps(
    kind: Kind,
    me: string,
    sets: Sets,
    announced: Set<string>,
    e: PlainEvent,
    direct: boolean,
  ): boolean {
    const member = (s: string) => sets.sessions.has(s) || announced.has(s);
    const aboutMyPresence = (uuid: string, type: number) =>
      uuid === me && (type === 1 || type === 2);
    switch (e.type) {
      case 'UserEvent':
        return kind === 'user' && !aboutMyPresence(e.uuid, e.eventType) && sets.users.has(e.uuid);
      case 'ParticipantEvent':
        if (kind === 'participant') return e.uuid === me && !aboutMyPresence(e.uuid, e.eventType);
        return sets.participants.has(e.uuid);
      case 'DeviceEvent':
        if (kind === 'device') return e.uuid === me && !aboutMyPresence(e.uuid, e.eventType);
        return sets.devices.has(e.uuid);
      case 'JoinSessionEvent':
        return (
          kind === 'user' ? e.users : kind === 'participant' ? e.participants : e.devices
        ).includes(me);
      case 'JoinSessionReplyEvent':
        return (
          (kind === 'user' ? e.user : kind === 'participant' ? e.participant : e.device) !== me &&
          member(e.session)
        );
      case 'LeaveSessionEvent':
        return member(e.session);
      case 'StopSessionEvent':
        return direct;
      case 'ArchiveEvent':
        return e.owner === me;
      default:
        return false;
    }
  }

  private uuids(sql: string, me: string): Set<string> {
    const statement = this.db.prepare(sql);
    const rows = (sql.includes(':me') ? statement.all({ me }) : statement.all()) as Array<{
      uuid: string;
    }>;
    return new Set(rows.map((r) => r.uuid));
  }

  private sets(kind: Kind, me: string): Sets {
    const sessions = this.uuids(SESSIONS[kind], me);
    if (kind === 'participant') {
      return {
        users: new Set(),
        participants: new Set(),
        devices: this.uuids(LINKED_DEVICES, me),
        sessions,
      };
    }
    if (kind === 'device') {
      return {
        users: new Set(),
        participants: this.uuids(LINKED_PARTICIPANTS, me),
        devices: new Set(),
        sessions,
      };
    }
    const superadmin = this.db
      .prepare(`SELECT 1 FROM t_users WHERE user_uuid = :me AND user_superadmin = 1`)
      .get({ me });
    if (superadmin) {
      return {
        users: this.uuids(ALIVE_USERS, me),
        participants: this.uuids(ALIVE_PARTICIPANTS, me),
        devices: this.uuids(ALIVE_DEVICES, me),
        sessions,
      };
    }
    return {
      users: this.uuids(VISIBLE.users, me),
      participants: this.uuids(VISIBLE.participants, me),
      devices: this.uuids(VISIBLE.devices, me),
      sessions,
    };
  }
}
