/**
 * `/api/user/sessions` as OpenTera's `UserQuerySessions` serves it.
 *
 * GET: one selector, in OpenTera's order of precedence: `id_participant`, `id_session`,
 * `id_user`, `id_device`, `session_uuid` (a participant, user or device the caller may not
 * access, or a session it may not read, gives an empty list); `status`, `start_date`/`end_date`
 * (UTC days, both inclusive), `limit` and `offset` narrow the member lists, newest first.
 * Without any argument: 400 `Missing arguments`. A non-positive `limit` or `offset` is ignored.
 *
 * POST `{"session": {...}}`: `id_session` 0 creates (with `session_participants_ids` or
 * `session_users_ids`), otherwise updates a session the caller may read; every listed member
 * must be accessible; a non-empty member list replaces that kind of member. Answers the
 * session, in a list. DELETE `?id=`: refused while a member is not accessible or the session
 * is in progress; soft-deletes. Each write publishes the `session` DatabaseEvent: members
 * decide which session events a connection sees, so member changes publish it too.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import { userGet, apiUser, type ApiContext } from '../http/context.js';
import { bool, int, str } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN, JsonText } from '../http/schemas.js';
import {
  insertSession,
  replaceSessionMembers,
  sessionById,
  sessionByUuid,
  sessionMembers,
  sessionsOfMember,
  softDeleteSession,
  updateSession,
  type MemberKind,
  type SessionRow,
} from '../store/queries/admin-sessions.js';
import type { Database, NewSession, SessionUpdate } from '../store/schema.js';
import {
  accessibleUuids,
  allAccessible,
  canAccessSession,
  NO_MEMBER_ACCESS,
} from './sessions-access.js';
import { memberIds, sessionColumns } from './sessions-body.js';
import { membersOf, sessionJson } from './sessions-json.js';
import {
  accessOf,
  adminResponses,
  BadRequest,
  bodyObject,
  dateArg,
  isInt,
  isObject,
  publishAfterCommit,
  Refused,
  requireId,
} from './sessions-kit.js';
import { SessionJson, SessionPostBody } from './sessions-schemas.js';

const URL = '/api/user/sessions';
const KINDS: readonly MemberKind[] = ['participant', 'user', 'device'];
const IN_PROGRESS = 1;
const DAY_MS = 86_400_000;

const GET_ARGS = {
  id_session: int('ID of the session to query'),
  id_participant: int('ID of the participant from which to get all sessions'),
  id_user: int('ID of the user from which to get all sessions'),
  id_device: int('ID of the device from which to get all sessions'),
  status: int('Limit to specific session status'),
  limit: int('Maximum number of results to return'),
  offset: int('Number of items to ignore in results, offset from 0-index'),
  session_uuid: str('Session UUID to query'),
  list: bool('Flag that limits the returned data to minimal information'),
  start_date: str('Start date (YYYY-mm-dd, UTC), sessions before that date will be ignored'),
  end_date: str('End date (YYYY-mm-dd, UTC), sessions after that date will be ignored'),
  with_session_type: bool('Include session type informations'),
};

export const sessionRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

/** Sessions with their JSON: full (members loaded at once) unless `minimal`. */
async function sessionsJson(
  ctx: ApiContext,
  rows: SessionRow[],
  minimal: boolean,
): Promise<Record<string, unknown>[]> {
  const members = minimal
    ? null
    : await sessionMembers(
        ctx.deps.db.kysely,
        rows.map((r) => r.id_session),
      );
  return rows.map((r) => sessionJson(r, members && membersOf(members, r.id_session)));
}

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: URL,
    summary: 'Sessions of a participant, user or device, or one session',
    description:
      'One selector: id_participant, id_session, id_user, id_device or session_uuid (in that ' +
      'precedence). status, start_date, end_date, limit and offset narrow the lists of a ' +
      'participant, user or device (newest first). list: minimal fields. with_session_type: ' +
      'adds session_type_name and session_type_color.',
    args: GET_ARGS,
    response: adminResponses({ 200: Type.Array(SessionJson), 400: BadRequest }),
    handle: async ({ reply, caller, args: q }) => {
      const start = dateArg(reply, 'start_date', q.start_date);
      if (start === null) return reply;
      const end = dateArg(reply, 'end_date', q.end_date);
      if (end === null) return reply;
      // OpenTera's `any(args.values())`: 0, false and '' do not count.
      if (!Object.values(q).some((v) => Boolean(v)))
        return sendText(reply, 400, 'Missing arguments');
      const access = await accessOf(ctx, caller);
      if (!access) return sendJson(reply, 200, []);
      const rows = await selectSessions(ctx, access, q, { start, end });
      const json = await sessionsJson(ctx, rows, q.list === true);
      if (q.with_session_type)
        rows.forEach((r, i) =>
          Object.assign(json[i]!, {
            session_type_name: r.session_type_name,
            session_type_color: r.session_type_color,
          }),
        );
      return sendJson(reply, 200, json);
    },
  });
}

type GetArgs = {
  id_session?: number;
  id_participant?: number;
  id_user?: number;
  id_device?: number;
  status?: number;
  limit?: number;
  offset?: number;
  session_uuid?: string;
};

async function selectSessions(
  ctx: ApiContext,
  access: UserAccess,
  q: GetArgs,
  dates: { start: Date | undefined; end: Date | undefined },
): Promise<SessionRow[]> {
  const k = ctx.deps.db.kysely;
  const filter = {
    status: q.status,
    from: dates.start?.toISOString(),
    before: dates.end && new Date(dates.end.getTime() + DAY_MS).toISOString(),
    limit: q.limit !== undefined && q.limit > 0 ? q.limit : undefined,
    offset: q.offset !== undefined && q.offset > 0 ? q.offset : undefined,
  };
  const readable = async (row: SessionRow | undefined) =>
    row && (await canAccessSession(k, access, row)) ? [row] : [];
  if (q.id_participant) {
    const ok = await allAccessible(k, 'participant', [q.id_participant], access.participantUuids);
    return ok ? sessionsOfMember(k, 'participant', q.id_participant, filter) : [];
  }
  if (q.id_session) return readable(await sessionById(k, q.id_session));
  if (q.id_user) {
    const ok = await allAccessible(k, 'user', [q.id_user], access.userUuids);
    return ok ? sessionsOfMember(k, 'user', q.id_user, filter) : [];
  }
  if (q.id_device) {
    const ok = await allAccessible(k, 'device', [q.id_device], access.deviceUuids);
    return ok ? sessionsOfMember(k, 'device', q.id_device, filter) : [];
  }
  if (q.session_uuid) return readable(await sessionByUuid(k, q.session_uuid));
  return [];
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url: URL,
    summary: 'Create (id_session 0) or update a session, and set its members',
    description:
      'Creating needs session_participants_ids or session_users_ids. Every listed participant, ' +
      'user and device must be accessible to the caller; a non-empty list replaces those ' +
      'members. Updating needs read access to the session. Answers the session in a list.',
    body: SessionPostBody,
    response: adminResponses({
      200: Type.Array(SessionJson),
      400: JsonText,
      403: JsonText,
      500: JsonText,
    }),
    handle: async ({ request, reply, caller }) => {
      const body = bodyObject(request);
      if (!('session' in body)) return sendText(reply, 400, 'Missing session');
      const session = body.session;
      if (!isObject(session) || !('id_session' in session))
        return sendText(reply, 400, 'Missing id_session');
      const id = session.id_session;
      if (!isInt(id)) return sendText(reply, 400, 'Invalid value for id_session');
      if (id === 0 && !('session_participants_ids' in session) && !('session_users_ids' in session))
        return sendText(reply, 400, 'Missing session participants and users');
      const lists = new Map<MemberKind, number[]>();
      for (const kind of KINDS) {
        const ids = memberIds(session, kind);
        if (!ids.ok) return sendText(reply, ids.status, ids.text);
        if (ids.value) lists.set(kind, ids.value);
      }
      const columns = sessionColumns(session, id > 0);
      if (!columns.ok && columns.status === 400) return sendText(reply, 400, columns.text);
      const access = await accessOf(ctx, caller);
      let saved: number;
      try {
        saved = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          if (id !== 0) {
            const row = await sessionById(trx, id);
            if (!access || !row || !(await canAccessSession(trx, access, row)))
              throw new Refused(403, 'No access to session.');
          }
          for (const kind of KINDS) {
            const allowed = access ? await accessibleUuids(trx, access, kind) : new Set<string>();
            if (!(await allAccessible(trx, kind, lists.get(kind) ?? [], allowed)))
              throw new Refused(403, NO_MEMBER_ACCESS[kind]);
          }
          if (!columns.ok) throw new Refused(columns.status, columns.text);
          const sessionId = await writeSession(trx, id, columns.value);
          for (const [kind, ids] of lists)
            if (ids.length > 0) await replaceSessionMembers(trx, sessionId, kind, ids);
          return sessionId;
        });
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session not saved');
        return sendText(reply, 500, 'Database error');
      }
      const row = (await sessionById(ctx.deps.db.kysely, saved))!;
      await publishAfterCommit(ctx, request, 'session', id === 0 ? 'create' : 'update', {
        ...sessionJson(row, null),
      });
      return sendJson(reply, 200, await sessionsJson(ctx, [row], false));
    },
  });
}

/** Inserts (id 0) or updates the session row; returns its id. */
async function writeSession(
  trx: Kysely<Database>,
  id: number,
  values: SessionUpdate,
): Promise<number> {
  if (id !== 0) {
    await updateSession(trx, id, values);
    return id;
  }
  const { session_uuid: _ignored, ...rest } = values;
  return insertSession(trx, { ...rest, session_uuid: randomUUID() } as NewSession);
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    authenticate: (request: FastifyRequest) => apiUser(ctx, request),
    url: URL,
    summary: 'Delete a session (soft delete)',
    description:
      'Refused while one of its participants, users or devices is not accessible to the ' +
      'caller, or while the session is in progress.',
    args: { id: int('Session ID to delete') },
    response: adminResponses({ 200: JsonText, 400: BadRequest, 403: JsonText, 500: JsonText }),
    handle: async ({ request, reply, caller, args }) => {
      if (!requireId(reply, args.id)) return reply;
      const id = args.id;
      const access = await accessOf(ctx, caller);
      let deleted: SessionRow;
      try {
        deleted = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const row = await sessionById(trx, id);
          if (!row) throw new Refused(400, 'Not found');
          await refuseDelete(trx, access, row);
          await softDeleteSession(trx, id, new Date().toISOString());
          return row;
        });
      } catch (err) {
        if (err instanceof Refused) return sendText(reply, err.status, err.text);
        request.log.warn({ err }, 'session not deleted');
        return sendText(reply, 500, 'Database error');
      }
      await publishAfterCommit(ctx, request, 'session', 'delete', {
        id_session: deleted.id_session,
        session_uuid: deleted.session_uuid,
      });
      return sendText(reply, 200, '');
    },
  });
}

/** Throws OpenTera's refusal when the caller may not delete `row`. */
async function refuseDelete(
  trx: Kysely<Database>,
  access: UserAccess | null,
  row: SessionRow,
): Promise<void> {
  const members = await sessionMembers(trx, [row.id_session]);
  const ids: Record<MemberKind, number[]> = {
    participant: members.participants.map((p) => p.id_participant),
    user: members.users.map((u) => u.id_user),
    device: members.devices.map((d) => d.id_device),
  };
  for (const kind of KINDS) {
    const allowed = access ? await accessibleUuids(trx, access, kind, true) : new Set<string>();
    if (!(await allAccessible(trx, kind, ids[kind], allowed)))
      throw new Refused(403, NO_MEMBER_ACCESS[kind]);
  }
  if (row.session_status === IN_PROGRESS)
    throw new Refused(403, "Session is in progress: can't delete that session.");
}
