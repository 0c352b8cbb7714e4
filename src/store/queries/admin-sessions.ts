/**
 * The SQL behind the user API's sessions (`/api/user/sessions`): session rows with their
 * creators and type, their members, the facts OpenTera's access rules read, and the writes.
 * Soft-deleted sessions never appear unless asked for (undelete); soft-deleted members and
 * creators never appear, as OpenTera's ORM hides them. Every function takes a Kysely (the
 * database or a transaction), so that a write and its checks run in one transaction.
 */
import type { Kysely } from 'kysely';
import type { Database, NewSession, SessionUpdate } from '../schema.js';

type K = Kysely<Database>;

/** One session with its creators' names and uuids and its type's name and color. */
export interface SessionRow {
  id_session: number;
  session_uuid: string;
  id_session_type: number;
  id_creator_user: number | null;
  id_creator_device: number | null;
  id_creator_participant: number | null;
  id_creator_service: number | null;
  session_name: string;
  session_start_datetime: string;
  session_duration: number;
  session_status: number;
  session_comments: string | null;
  session_parameters: string | null;
  deleted_at: string | null;
  creator_user_firstname: string | null;
  creator_user_lastname: string | null;
  creator_user_uuid: string | null;
  creator_device_name: string | null;
  creator_device_uuid: string | null;
  creator_participant_name: string | null;
  creator_participant_uuid: string | null;
  creator_service_name: string | null;
  creator_service_uuid: string | null;
  session_type_name: string | null;
  session_type_color: string | null;
}

export type MemberKind = 'participant' | 'user' | 'device';

/** `status`, dates (ISO instants: start inclusive, end exclusive), and paging. */
export interface SessionFilter {
  status?: number;
  from?: string;
  before?: string;
  limit?: number;
  offset?: number;
}

/** Sessions with their creators (only non-deleted ones named) and type, aliased `s`. */
function sessionsQuery(k: K) {
  return k
    .selectFrom('t_sessions as s')
    .leftJoin('t_users as cu', (j) =>
      j.onRef('cu.id_user', '=', 's.id_creator_user').on('cu.deleted_at', 'is', null),
    )
    .leftJoin('t_devices as cd', (j) =>
      j.onRef('cd.id_device', '=', 's.id_creator_device').on('cd.deleted_at', 'is', null),
    )
    .leftJoin('t_participants as cp', (j) =>
      j.onRef('cp.id_participant', '=', 's.id_creator_participant').on('cp.deleted_at', 'is', null),
    )
    .leftJoin('t_services as cs', (j) =>
      j.onRef('cs.id_service', '=', 's.id_creator_service').on('cs.deleted_at', 'is', null),
    )
    .leftJoin('t_sessions_types as st', 'st.id_session_type', 's.id_session_type')
    .select([
      's.id_session',
      's.session_uuid',
      's.id_session_type',
      's.id_creator_user',
      's.id_creator_device',
      's.id_creator_participant',
      's.id_creator_service',
      's.session_name',
      's.session_start_datetime',
      's.session_duration',
      's.session_status',
      's.session_comments',
      's.session_parameters',
      's.deleted_at',
      'cu.user_firstname as creator_user_firstname',
      'cu.user_lastname as creator_user_lastname',
      'cu.user_uuid as creator_user_uuid',
      'cd.device_name as creator_device_name',
      'cd.device_uuid as creator_device_uuid',
      'cp.participant_name as creator_participant_name',
      'cp.participant_uuid as creator_participant_uuid',
      'cs.service_name as creator_service_name',
      'cs.service_uuid as creator_service_uuid',
      'st.session_type_name',
      'st.session_type_color',
    ]);
}

/** A session by id; soft-deleted ones only with `withDeleted`. */
export function sessionById(
  k: K,
  id: number,
  withDeleted = false,
): Promise<SessionRow | undefined> {
  let q = sessionsQuery(k).where('s.id_session', '=', id);
  if (!withDeleted) q = q.where('s.deleted_at', 'is', null);
  return q.executeTakeFirst();
}

/** A (non-deleted) session by uuid. */
export function sessionByUuid(k: K, uuid: string): Promise<SessionRow | undefined> {
  return sessionsQuery(k)
    .where('s.session_uuid', '=', uuid)
    .where('s.deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Paging with an offset but no limit: both dialects accept this as "no limit". */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/**
 * The sessions of one participant, user or device, newest first (start time, then id), as
 * OpenTera lists them: sessions where it is a (non-deleted) member, and sessions it created
 * that have at least one non-deleted member of its kind.
 */
export function sessionsOfMember(
  k: K,
  kind: MemberKind,
  memberId: number,
  f: SessionFilter,
): Promise<SessionRow[]> {
  let q = sessionsQuery(k)
    .where('s.deleted_at', 'is', null)
    .where((eb) => {
      switch (kind) {
        case 'participant':
          return eb.exists(
            eb
              .selectFrom('t_sessions_participants as l')
              .innerJoin('t_participants as m', 'm.id_participant', 'l.id_participant')
              .select('l.id_session')
              .whereRef('l.id_session', '=', 's.id_session')
              .where('m.deleted_at', 'is', null)
              .where((w) =>
                w.or([
                  w('m.id_participant', '=', memberId),
                  w('s.id_creator_participant', '=', memberId),
                ]),
              ),
          );
        case 'user':
          return eb.exists(
            eb
              .selectFrom('t_sessions_users as l')
              .innerJoin('t_users as m', 'm.id_user', 'l.id_user')
              .select('l.id_session')
              .whereRef('l.id_session', '=', 's.id_session')
              .where('m.deleted_at', 'is', null)
              .where((w) =>
                w.or([w('m.id_user', '=', memberId), w('s.id_creator_user', '=', memberId)]),
              ),
          );
        case 'device':
          return eb.exists(
            eb
              .selectFrom('t_sessions_devices as l')
              .innerJoin('t_devices as m', 'm.id_device', 'l.id_device')
              .select('l.id_session')
              .whereRef('l.id_session', '=', 's.id_session')
              .where('m.deleted_at', 'is', null)
              .where((w) =>
                w.or([w('m.id_device', '=', memberId), w('s.id_creator_device', '=', memberId)]),
              ),
          );
      }
    });
  if (f.status !== undefined) q = q.where('s.session_status', '=', f.status);
  if (f.from !== undefined) q = q.where('s.session_start_datetime', '>=', f.from);
  if (f.before !== undefined) q = q.where('s.session_start_datetime', '<', f.before);
  q = q.orderBy('s.session_start_datetime', 'desc').orderBy('s.id_session', 'desc');
  if (f.limit !== undefined || f.offset !== undefined) q = q.limit(f.limit ?? NO_LIMIT);
  if (f.offset !== undefined) q = q.offset(f.offset);
  return q.execute();
}

export interface SessionParticipant {
  id_session: number;
  id_participant: number;
  participant_uuid: string;
  participant_name: string;
  id_project: number;
  project_name: string | null;
}
export interface SessionUser {
  id_session: number;
  id_user: number;
  user_uuid: string;
  user_firstname: string;
  user_lastname: string;
}
export interface SessionDevice {
  id_session: number;
  id_device: number;
  device_uuid: string;
  device_name: string;
}
export interface SessionMembers {
  participants: SessionParticipant[];
  users: SessionUser[];
  devices: SessionDevice[];
}

/** The non-deleted members of `sessionIds`, each kind in link order; three queries. */
export async function sessionMembers(k: K, sessionIds: readonly number[]): Promise<SessionMembers> {
  if (sessionIds.length === 0) return { participants: [], users: [], devices: [] };
  const ids = [...sessionIds];
  const [participants, users, devices] = await Promise.all([
    k
      .selectFrom('t_sessions_participants as l')
      .innerJoin('t_participants as p', 'p.id_participant', 'l.id_participant')
      .leftJoin('t_projects as pr', (j) =>
        j.onRef('pr.id_project', '=', 'p.id_project').on('pr.deleted_at', 'is', null),
      )
      .select([
        'l.id_session',
        'p.id_participant',
        'p.participant_uuid',
        'p.participant_name',
        'p.id_project',
        'pr.project_name',
      ])
      .where('l.id_session', 'in', ids)
      .where('p.deleted_at', 'is', null)
      .orderBy('l.id_session_participant')
      .execute(),
    k
      .selectFrom('t_sessions_users as l')
      .innerJoin('t_users as u', 'u.id_user', 'l.id_user')
      .select(['l.id_session', 'u.id_user', 'u.user_uuid', 'u.user_firstname', 'u.user_lastname'])
      .where('l.id_session', 'in', ids)
      .where('u.deleted_at', 'is', null)
      .orderBy('l.id_session_user')
      .execute(),
    k
      .selectFrom('t_sessions_devices as l')
      .innerJoin('t_devices as d', 'd.id_device', 'l.id_device')
      .select(['l.id_session', 'd.id_device', 'd.device_uuid', 'd.device_name'])
      .where('l.id_session', 'in', ids)
      .where('d.deleted_at', 'is', null)
      .orderBy('l.id_session_device')
      .execute(),
  ]);
  return { participants, users, devices };
}

/**
 * The project OpenTera associates with a session: its first (non-deleted) participant's
 * project, else its (non-deleted) creator participant's project, else null.
 */
export async function sessionProjectId(k: K, session: SessionRow): Promise<number | null> {
  const first = await k
    .selectFrom('t_sessions_participants as l')
    .innerJoin('t_participants as p', 'p.id_participant', 'l.id_participant')
    .select('p.id_project')
    .where('l.id_session', '=', session.id_session)
    .where('p.deleted_at', 'is', null)
    .orderBy('l.id_session_participant')
    .limit(1)
    .executeTakeFirst();
  if (first) return first.id_project;
  if (session.id_creator_participant === null) return null;
  const creator = await k
    .selectFrom('t_participants')
    .select('id_project')
    .where('id_participant', '=', session.id_creator_participant)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return creator?.id_project ?? null;
}

/** Whether `userId` is a member of the session. */
export async function isSessionUser(k: K, sessionId: number, userId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_sessions_users')
    .select('id_session')
    .where('id_session', '=', sessionId)
    .where('id_user', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Id → uuid of the non-deleted participants, users or devices among `ids`. */
export async function memberUuids(
  k: K,
  kind: MemberKind,
  ids: readonly number[],
): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const list = [...ids];
  let rows: Array<{ id: number; uuid: string }>;
  switch (kind) {
    case 'participant':
      rows = await k
        .selectFrom('t_participants')
        .select(['id_participant as id', 'participant_uuid as uuid'])
        .where('id_participant', 'in', list)
        .where('deleted_at', 'is', null)
        .execute();
      break;
    case 'user':
      rows = await k
        .selectFrom('t_users')
        .select(['id_user as id', 'user_uuid as uuid'])
        .where('id_user', 'in', list)
        .where('deleted_at', 'is', null)
        .execute();
      break;
    case 'device':
      rows = await k
        .selectFrom('t_devices')
        .select(['id_device as id', 'device_uuid as uuid'])
        .where('id_device', 'in', list)
        .where('deleted_at', 'is', null)
        .execute();
      break;
  }
  return new Map(rows.map((r) => [r.id, r.uuid]));
}

/**
 * Uuids of the (non-deleted) members of user groups holding the OpenTeraServer `admin` role
 * of the site of one of `projectIds`: the users OpenTera adds to a project's users when it
 * counts site access.
 */
export async function siteAdminUserUuids(k: K, projectIds: readonly number[]): Promise<string[]> {
  if (projectIds.length === 0) return [];
  const rows = await k
    .selectFrom('t_users as u')
    .innerJoin('t_users_users_groups as uug', 'uug.id_user', 'u.id_user')
    .innerJoin('t_users_groups as g', 'g.id_user_group', 'uug.id_user_group')
    .innerJoin('t_services_access as sa', 'sa.id_user_group', 'g.id_user_group')
    .innerJoin('t_services_roles as r', 'r.id_service_role', 'sa.id_service_role')
    .innerJoin('t_services as sv', 'sv.id_service', 'r.id_service')
    .select('u.user_uuid')
    .distinct()
    .where('u.deleted_at', 'is', null)
    .where('g.deleted_at', 'is', null)
    .where('sv.service_key', '=', 'OpenTeraServer')
    .where('r.service_role_name', '=', 'admin')
    .where('r.id_site', 'in', (eb) =>
      eb
        .selectFrom('t_projects')
        .select('id_site')
        .where('id_project', 'in', [...projectIds]),
    )
    .execute();
  return rows.map((r) => r.user_uuid);
}

/** Inserts a session; returns its id. */
export async function insertSession(k: K, values: NewSession): Promise<number> {
  const row = await k
    .insertInto('t_sessions')
    .values(values)
    .returning('id_session')
    .executeTakeFirstOrThrow();
  return row.id_session;
}

export async function updateSession(k: K, id: number, values: SessionUpdate): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k.updateTable('t_sessions').set(values).where('id_session', '=', id).execute();
}

/**
 * Makes `ids` the session's members of `kind`: links to members missing from `ids` are removed
 * (those to soft-deleted members are kept, as OpenTera never loads them), missing links added.
 */
export async function replaceSessionMembers(
  k: K,
  sessionId: number,
  kind: MemberKind,
  ids: readonly number[],
): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  switch (kind) {
    case 'participant': {
      await k
        .deleteFrom('t_sessions_participants')
        .where('id_session', '=', sessionId)
        .where('id_participant', 'not in', wanted)
        .where('id_participant', 'in', (eb) =>
          eb.selectFrom('t_participants').select('id_participant').where('deleted_at', 'is', null),
        )
        .execute();
      const have = await k
        .selectFrom('t_sessions_participants')
        .select('id_participant')
        .where('id_session', '=', sessionId)
        .execute();
      const missing = wanted.filter((id) => !have.some((h) => h.id_participant === id));
      if (missing.length)
        await k
          .insertInto('t_sessions_participants')
          .values(missing.map((id_participant) => ({ id_session: sessionId, id_participant })))
          .execute();
      break;
    }
    case 'user': {
      await k
        .deleteFrom('t_sessions_users')
        .where('id_session', '=', sessionId)
        .where('id_user', 'not in', wanted)
        .where('id_user', 'in', (eb) =>
          eb.selectFrom('t_users').select('id_user').where('deleted_at', 'is', null),
        )
        .execute();
      const have = await k
        .selectFrom('t_sessions_users')
        .select('id_user')
        .where('id_session', '=', sessionId)
        .execute();
      const missing = wanted.filter((id) => !have.some((h) => h.id_user === id));
      if (missing.length)
        await k
          .insertInto('t_sessions_users')
          .values(missing.map((id_user) => ({ id_session: sessionId, id_user })))
          .execute();
      break;
    }
    case 'device': {
      await k
        .deleteFrom('t_sessions_devices')
        .where('id_session', '=', sessionId)
        .where('id_device', 'not in', wanted)
        .where('id_device', 'in', (eb) =>
          eb.selectFrom('t_devices').select('id_device').where('deleted_at', 'is', null),
        )
        .execute();
      const have = await k
        .selectFrom('t_sessions_devices')
        .select('id_device')
        .where('id_session', '=', sessionId)
        .execute();
      const missing = wanted.filter((id) => !have.some((h) => h.id_device === id));
      if (missing.length)
        await k
          .insertInto('t_sessions_devices')
          .values(missing.map((id_device) => ({ id_session: sessionId, id_device })))
          .execute();
      break;
    }
  }
}

/** Soft-deletes a session (its member links stay, as OpenTera keeps them). */
export async function softDeleteSession(k: K, id: number, at: string): Promise<void> {
  await k.updateTable('t_sessions').set({ deleted_at: at }).where('id_session', '=', id).execute();
}

/** Restores a soft-deleted session. */
export async function restoreSession(k: K, id: number): Promise<void> {
  await k
    .updateTable('t_sessions')
    .set({ deleted_at: null })
    .where('id_session', '=', id)
    .execute();
}
