/**
 * The SQL behind OpenTera's user API for participants and participant groups
 * (/api/user/participants, /api/user/groups): reads of OpenTera's participant and group rows,
 * the dependants that block a delete, and the writes. Every function takes the Kysely
 * instance or the transaction it runs in. Deleted rows never appear in reads; deletes are
 * soft (`deleted_at`). Access is applied by the callers from the access sets.
 */
import type { Kysely } from 'kysely';
import type { Database, ParticipantUpdate } from '../schema.js';

type K = Kysely<Database>;

/** A participant as OpenTera's full JSON lists it, plus its site and password presence. */
export interface ParticipantRow {
  id_participant: number;
  participant_uuid: string;
  participant_name: string;
  participant_username: string | null;
  participant_email: string | null;
  participant_token_enabled: boolean;
  participant_token: string | null;
  participant_lastonline: string | null;
  participant_enabled: boolean;
  participant_login_enabled: boolean;
  id_participant_group: number | null;
  id_project: number;
  participant_project_enabled: boolean;
  id_site: number;
}

/** How GET /api/user/participants selects rows; at most one selector is used by the caller. */
export type ParticipantSelector =
  | { by: 'id'; id: number }
  | { by: 'uuid'; uuid: string }
  | { by: 'username'; username: string }
  | { by: 'name'; name: string }
  | { by: 'site'; id: number }
  | { by: 'project'; id: number }
  | { by: 'group'; id: number }
  | { by: 'device'; id: number }
  | { by: 'session'; id: number };

function participantsQuery(k: K) {
  return k
    .selectFrom('t_participants as p')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .select([
      'p.id_participant',
      'p.participant_uuid',
      'p.participant_name',
      'p.participant_username',
      'p.participant_email',
      'p.participant_token_enabled',
      'p.participant_token',
      'p.participant_lastonline',
      'p.participant_enabled',
      'p.participant_login_enabled',
      'p.id_participant_group',
      'p.id_project',
      'pr.project_enabled as participant_project_enabled',
      'pr.id_site',
    ])
    .where('p.deleted_at', 'is', null);
}

/**
 * The participants a selector names, by id. `username`, `uuid` and `name` name at most one
 * (the first by id, as OpenTera's lookups do); `enabledOnly` keeps enabled ones.
 */
export async function selectParticipants(
  k: K,
  s: ParticipantSelector,
  enabledOnly = false,
): Promise<ParticipantRow[]> {
  let q = participantsQuery(k);
  switch (s.by) {
    case 'id':
      q = q.where('p.id_participant', '=', s.id);
      break;
    case 'uuid':
      q = q.where('p.participant_uuid', '=', s.uuid);
      break;
    case 'username':
      q = q.where('p.participant_username', '=', s.username);
      break;
    case 'name':
      q = q.where('p.participant_name', '=', s.name);
      break;
    case 'site':
      q = q.where('pr.id_site', '=', s.id);
      break;
    case 'project':
      q = q.where('p.id_project', '=', s.id);
      break;
    case 'group':
      q = q.where('p.id_participant_group', '=', s.id);
      break;
    case 'device': {
      const device = s.id;
      q = q.where('p.id_participant', 'in', (eb) =>
        eb
          .selectFrom('t_devices_participants')
          .select('id_participant')
          .where('id_device', '=', device),
      );
      break;
    }
    case 'session': {
      const session = s.id;
      q = q.where('p.id_participant', 'in', (eb) =>
        eb
          .selectFrom('t_sessions_participants')
          .select('id_participant')
          .where('id_session', '=', session),
      );
      break;
    }
  }
  if (enabledOnly) q = q.where('p.participant_enabled', '=', true);
  const rows = await q.orderBy('p.id_participant').execute();
  const single = s.by === 'uuid' || s.by === 'username' || s.by === 'name';
  return single ? rows.slice(0, 1) : rows;
}

/** Whether a non-deleted session has this id. */
export async function sessionExists(k: K, id: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_sessions')
    .select('id_session')
    .where('id_session', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Participant id → start of its latest non-deleted session (ISO), for those that have one. */
export async function lastSessionStarts(
  k: K,
  participantIds: readonly number[],
): Promise<Map<number, string>> {
  if (participantIds.length === 0) return new Map();
  const rows = await k
    .selectFrom('t_sessions_participants as sp')
    .innerJoin('t_sessions as s', 's.id_session', 'sp.id_session')
    .select(['sp.id_participant', (eb) => eb.fn.max('s.session_start_datetime').as('last')])
    .where('sp.id_participant', 'in', participantIds)
    .where('s.deleted_at', 'is', null)
    .groupBy('sp.id_participant')
    .execute();
  return new Map(
    rows.flatMap((r) => (r.last === null ? [] : [[r.id_participant, String(r.last)] as const])),
  );
}

/** Devices linked to each participant (non-deleted devices). */
export function devicesOfParticipants(k: K, participantIds: readonly number[]) {
  if (participantIds.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_devices_participants as dp')
    .innerJoin('t_devices as d', 'd.id_device', 'dp.id_device')
    .select([
      'dp.id_participant',
      'd.id_device',
      'd.device_uuid',
      'd.device_name',
      'd.id_device_type',
      'd.id_device_subtype',
      'd.device_token',
      'd.device_enabled',
      'd.device_onlineable',
      'd.device_config',
      'd.device_infos',
      'd.device_notes',
      'd.device_lastonline',
    ])
    .where('dp.id_participant', 'in', participantIds)
    .where('d.deleted_at', 'is', null)
    .orderBy('d.id_device')
    .execute();
}

/** A project's own columns (alive or not: a caller checks access first). */
export function projectRows(k: K, ids: readonly number[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return k
    .selectFrom('t_projects')
    .select(['id_project', 'id_site', 'project_name', 'project_enabled', 'project_description'])
    .where('id_project', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
}

export async function projectRow(k: K, id: number) {
  return (await projectRows(k, [id]))[0];
}

/** Whether a non-deleted participant other than `exceptId` uses this username. */
export async function participantUsernameTaken(
  k: K,
  username: string,
  exceptId: number,
): Promise<boolean> {
  const row = await k
    .selectFrom('t_participants')
    .select('id_participant')
    .where('participant_username', '=', username)
    .where('deleted_at', 'is', null)
    .where('id_participant', '!=', exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** What blocks deleting these participants: their non-deleted sessions, as member or creator. */
export async function participantsWithSessions(
  k: K,
  participantIds: readonly number[],
): Promise<{ member: boolean; creator: boolean }> {
  if (participantIds.length === 0) return { member: false, creator: false };
  const [member, creator] = await Promise.all([
    k
      .selectFrom('t_sessions_participants as sp')
      .innerJoin('t_sessions as s', 's.id_session', 'sp.id_session')
      .select('sp.id_session')
      .where('sp.id_participant', 'in', participantIds)
      .where('s.deleted_at', 'is', null)
      .executeTakeFirst(),
    k
      .selectFrom('t_sessions')
      .select('id_session')
      .where('id_creator_participant', 'in', participantIds)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  ]);
  return { member: member !== undefined, creator: creator !== undefined };
}

export interface NewParticipantValues {
  participant_uuid: string;
  participant_name: string;
  participant_username: string | null;
  participant_email: string | null;
  participant_password: string | null;
  participant_token_enabled: boolean;
  participant_enabled: boolean;
  participant_login_enabled: boolean;
  id_participant_group: number | null;
  id_project: number;
}

export async function insertParticipant(k: K, values: NewParticipantValues): Promise<number> {
  const row = await k
    .insertInto('t_participants')
    .values({ ...values, participant_token: null, participant_lastonline: null })
    .returning('id_participant')
    .executeTakeFirstOrThrow();
  return row.id_participant;
}

export async function updateParticipant(
  k: K,
  id: number,
  values: ParticipantUpdate,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k.updateTable('t_participants').set(values).where('id_participant', '=', id).execute();
}

export async function softDeleteParticipants(
  k: K,
  ids: readonly number[],
  at: string,
): Promise<void> {
  if (ids.length === 0) return;
  await k
    .updateTable('t_participants')
    .set({ deleted_at: at })
    .where('id_participant', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
}

/** A participant group as OpenTera's JSON lists it, with its project's name. */
export interface GroupRow {
  id_participant_group: number;
  id_project: number;
  participant_group_name: string;
  project_name: string;
}

export type GroupSelector =
  { by: 'all' } | { by: 'id'; id: number } | { by: 'project'; id: number };

export function selectGroups(k: K, s: GroupSelector): Promise<GroupRow[]> {
  let q = k
    .selectFrom('t_participants_groups as g')
    .innerJoin('t_projects as pr', 'pr.id_project', 'g.id_project')
    .select([
      'g.id_participant_group',
      'g.id_project',
      'g.participant_group_name',
      'pr.project_name',
    ])
    .where('g.deleted_at', 'is', null);
  if (s.by === 'id') q = q.where('g.id_participant_group', '=', s.id);
  if (s.by === 'project') q = q.where('g.id_project', '=', s.id);
  return q.orderBy('g.id_participant_group').execute();
}

export async function groupRow(k: K, id: number): Promise<GroupRow | undefined> {
  return (await selectGroups(k, { by: 'id', id }))[0];
}

/** The non-deleted participants of a group: id, uuid and project. */
export function groupMembers(k: K, groupId: number) {
  return k
    .selectFrom('t_participants')
    .select(['id_participant', 'participant_uuid', 'id_project'])
    .where('id_participant_group', '=', groupId)
    .where('deleted_at', 'is', null)
    .orderBy('id_participant')
    .execute();
}

export async function insertGroup(
  k: K,
  values: { id_project: number; participant_group_name: string },
): Promise<number> {
  const row = await k
    .insertInto('t_participants_groups')
    .values(values)
    .returning('id_participant_group')
    .executeTakeFirstOrThrow();
  return row.id_participant_group;
}

export async function updateGroup(
  k: K,
  id: number,
  values: { id_project?: number; participant_group_name?: string },
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k
    .updateTable('t_participants_groups')
    .set(values)
    .where('id_participant_group', '=', id)
    .execute();
}

export async function softDeleteGroup(k: K, id: number, at: string): Promise<void> {
  await k
    .updateTable('t_participants_groups')
    .set({ deleted_at: at })
    .where('id_participant_group', '=', id)
    .execute();
}
