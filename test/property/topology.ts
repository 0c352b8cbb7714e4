/**
 * Random access topologies written with plain SQL (better-sqlite3) into a TeraRelay SQLite
 * file that already holds the default seed (OpenTeraServer and the other services, Default
 * Site, device types, admin). Imports nothing from src/.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  subset<T>(items: readonly T[], max: number): T[] {
    const out = new Set<T>();
    const n = this.int(0, Math.min(max, items.length));
    while (out.size < n) out.add(this.pick(items));
    return [...out];
  }
  /** A uuid drawn from the PRNG (so runs replay exactly). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(0, 15).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
}

export interface Topology {
  users: string[];
  participants: string[];
  devices: string[];
  sessions: string[];
}

const DELETED = '2025-01-01T00:00:00.000Z';

/** Adds a random topology; returns every uuid it made (deleted and disabled ones included). */
export function generateTopology(db: Database.Database, rng: Rng): Topology {
  const one = <T>(sql: string, ...params: unknown[]): T => db.prepare(sql).get(...params) as T;
  const insert = (sql: string, ...params: unknown[]): number =>
    Number(db.prepare(sql).run(...params).lastInsertRowid);
  const core = one<{ id_service: number }>(
    `SELECT id_service FROM t_services WHERE service_key = 'OpenTeraServer'`,
  ).id_service;
  const other = one<{ id_service: number }>(
    `SELECT id_service FROM t_services WHERE service_key = 'VideoRehabService'`,
  ).id_service;
  const deviceType = one<{ id_device_type: number }>(
    `SELECT id_device_type FROM t_devices_types LIMIT 1`,
  ).id_device_type;
  const role = (
    service: number,
    scope: 'site' | 'project' | 'global',
    id: number | null,
    name: string,
  ) =>
    insert(
      `INSERT INTO t_services_roles (id_service, id_site, id_project, service_role_name) VALUES (?, ?, ?, ?)`,
      service,
      scope === 'site' ? id : null,
      scope === 'project' ? id : null,
      name,
    );

  const roles: number[] = db
    .prepare(`SELECT id_service_role FROM t_services_roles`)
    .all()
    .map((r) => (r as { id_service_role: number }).id_service_role);
  const sites = [one<{ id_site: number }>(`SELECT id_site FROM t_sites LIMIT 1`).id_site];
  for (let i = rng.int(1, 2); i > 0; i--) {
    const site = insert(`INSERT INTO t_sites (site_name) VALUES (?)`, `Site ${sites.length + 1}`);
    sites.push(site);
    roles.push(role(core, 'site', site, 'admin'), role(core, 'site', site, 'user'));
  }
  const projects: number[] = [];
  for (let i = rng.int(2, 5); i > 0; i--) {
    const project = insert(
      `INSERT INTO t_projects (id_site, project_name, deleted_at) VALUES (?, ?, ?)`,
      rng.pick(sites),
      `Project ${projects.length + 1}`,
      rng.chance(0.1) ? DELETED : null,
    );
    projects.push(project);
    roles.push(role(core, 'project', project, 'admin'), role(core, 'project', project, 'user'));
    // A project role of another service: counts for project access, not for seeing users.
    if (rng.chance(0.5)) roles.push(role(other, 'project', project, rng.pick(['admin', 'user'])));
    if (rng.chance(0.2))
      roles.push(role(other, 'site', rng.pick(sites), rng.pick(['admin', 'user'])));
  }

  const groups: number[] = [];
  for (let i = rng.int(2, 5); i > 0; i--) {
    const group = insert(
      `INSERT INTO t_users_groups (user_group_name, deleted_at) VALUES (?, ?)`,
      `Group ${groups.length + 1}`,
      rng.chance(0.1) ? DELETED : null,
    );
    groups.push(group);
    for (const r of rng.subset(roles, 3)) {
      insert(
        `INSERT INTO t_services_access (id_service_role, id_user_group) VALUES (?, ?)`,
        r,
        group,
      );
    }
  }

  const topology: Topology = { users: [], participants: [], devices: [], sessions: [] };
  const userIds: number[] = [];
  for (let i = rng.int(3, 8); i > 0; i--) {
    const uuid = rng.uuid();
    const id = insert(
      `INSERT INTO t_users (user_uuid, user_username, user_password, user_firstname, user_lastname,
         user_enabled, user_superadmin, deleted_at) VALUES (?, ?, 'x', 'User', ?, ?, ?, ?)`,
      uuid,
      `prop-user-${randomUUID()}`,
      String(i),
      rng.chance(0.9) ? 1 : 0,
      rng.chance(0.15) ? 1 : 0,
      rng.chance(0.1) ? DELETED : null,
    );
    topology.users.push(uuid);
    userIds.push(id);
    for (const g of rng.subset(groups, 2)) {
      insert(`INSERT INTO t_users_users_groups (id_user, id_user_group) VALUES (?, ?)`, id, g);
    }
  }

  const participantIds: number[] = [];
  for (let i = rng.int(3, 8); i > 0; i--) {
    const uuid = rng.uuid();
    participantIds.push(
      insert(
        `INSERT INTO t_participants (participant_uuid, participant_name, participant_enabled, id_project, deleted_at)
         VALUES (?, ?, ?, ?, ?)`,
        uuid,
        `Participant ${i}`,
        rng.chance(0.9) ? 1 : 0,
        rng.pick(projects),
        rng.chance(0.1) ? DELETED : null,
      ),
    );
    topology.participants.push(uuid);
  }

  const deviceIds: number[] = [];
  for (let i = rng.int(2, 6); i > 0; i--) {
    const uuid = rng.uuid();
    const id = insert(
      `INSERT INTO t_devices (device_uuid, device_name, id_device_type, device_enabled, device_onlineable, deleted_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      uuid,
      `Device ${i}`,
      deviceType,
      rng.chance(0.9) ? 1 : 0,
      rng.chance(0.9) ? 1 : 0,
      rng.chance(0.1) ? DELETED : null,
    );
    deviceIds.push(id);
    topology.devices.push(uuid);
    for (const s of rng.subset(sites, 2))
      insert(`INSERT INTO t_devices_sites (id_device, id_site) VALUES (?, ?)`, id, s);
    for (const p of rng.subset(participantIds, 2)) {
      insert(`INSERT INTO t_devices_participants (id_device, id_participant) VALUES (?, ?)`, id, p);
    }
  }

  const sessionType = insert(
    `INSERT INTO t_sessions_types (session_type_name, session_type_online, session_type_color, session_type_category)
     VALUES ('Prop', 1, '#000000', 1)`,
  );
  for (let i = rng.int(3, 6); i > 0; i--) {
    const uuid = rng.uuid();
    const session = insert(
      `INSERT INTO t_sessions (session_uuid, id_session_type, session_name, session_start_datetime, session_status, deleted_at)
       VALUES (?, ?, ?, ?, 1, ?)`,
      uuid,
      sessionType,
      `Session ${i}`,
      DELETED,
      rng.chance(0.2) ? DELETED : null,
    );
    topology.sessions.push(uuid);
    for (const u of rng.subset(userIds, 3))
      insert(`INSERT INTO t_sessions_users (id_session, id_user) VALUES (?, ?)`, session, u);
    for (const p of rng.subset(participantIds, 3)) {
      insert(
        `INSERT INTO t_sessions_participants (id_session, id_participant) VALUES (?, ?)`,
        session,
        p,
      );
    }
    for (const d of rng.subset(deviceIds, 2))
      insert(`INSERT INTO t_sessions_devices (id_session, id_device) VALUES (?, ?)`, session, d);
  }
  return topology;
}
