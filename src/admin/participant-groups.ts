/**
 * /api/user/groups, as OpenTera's UserQueryParticipantGroup. GET: one group (id_group/id), the
 * groups of a project (id_project), or, without either, every group the caller may access;
 * `list` gives the minimal JSON with `group_participant_count` (participants the caller may
 * see). POST `{"participant_group": {...}}` creates (`id_participant_group` 0) or updates a
 * group; DELETE `?id=` deletes it with its participants. Writing needs the admin role on the
 * group's project (and on the project it moves to); a group whose participants are in a
 * session or created one is not deleted (500, OpenTera's text).
 */
import Type from 'typebox';
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { JsonText } from '../http/schemas.js';
import type { Database } from '../store/schema.js';
import {
  groupMembers,
  groupRow,
  insertGroup,
  participantsWithSessions,
  selectGroups,
  softDeleteGroup,
  softDeleteParticipants,
  updateGroup,
  type GroupSelector,
} from '../store/queries/admin-participants.js';
import { GroupItem, groupJson } from './participants-json.js';
import {
  accessOf,
  answers,
  bodyObject,
  deleteId,
  isId,
  isProjectAdmin,
  isRefusal,
  nowIso,
  objectAt,
  publishChange,
  readFields,
  refuse,
  sendBadField,
  transact,
  userGetRoute,
  userWriteRoute,
  type Refusal,
} from './participants-kit.js';

const URL = '/api/user/groups';

export const GROUP_HAS_SESSIONS =
  "Can't delete participant group: please delete all sessions from all participants before deleting.";

export const participantGroupRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: URL,
    summary: 'Participant groups the caller may access',
    args: {
      id_group: int('ID of the participant group to query'),
      id: int('Alias for "id_group"'),
      id_project: int('ID of the project from which to get all participant groups'),
      list: bool('Minimal information, with group_participant_count'),
    },
    response: answers(Type.Array(GroupItem)),
    handle: async ({ reply, caller, args }) => {
      const idGroup = args.id || args.id_group;
      const access = await accessOf(ctx, caller);
      const none = !idGroup && !args.id_project && !args.list;
      let selector: GroupSelector | null = null;
      if (none) selector = { by: 'all' };
      else if (idGroup) selector = { by: 'id', id: idGroup };
      else if (args.id_project && access.projectIds.has(args.id_project))
        selector = { by: 'project', id: args.id_project };
      const k = ctx.deps.db.kysely;
      const groups = selector
        ? (await selectGroups(k, selector)).filter((g) => access.projectIds.has(g.id_project))
        : [];
      const counts = args.list
        ? await memberCounts(
            k,
            access,
            groups.map((g) => g.id_participant_group),
          )
        : null;
      return sendJson(
        reply,
        200,
        groups.map((g) => ({
          ...groupJson(g, Boolean(args.list)),
          ...(counts ? { group_participant_count: counts.get(g.id_participant_group) ?? 0 } : {}),
        })),
      );
    },
  });
}

/** Group id → how many of its participants the caller may see. */
async function memberCounts(
  k: Kysely<Database>,
  access: UserAccess,
  ids: number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const id of ids) {
    const members = await groupMembers(k, id);
    out.set(id, members.filter((m) => access.participantUuids.has(m.participant_uuid)).length);
  }
  return out;
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: URL,
    summary: 'Create (id_participant_group 0) or update a participant group',
    body: Type.Object({
      participant_group: Type.Object(
        {
          id_participant_group: Type.Integer({ description: '0 creates a group' }),
          id_project: Type.Optional(Type.Integer({ description: 'Required to create' })),
          participant_group_name: Type.Optional(Type.String()),
        },
        { additionalProperties: true },
      ),
    }),
    response: answers(Type.Array(GroupItem)),
    handle: async ({ request, reply, caller }) => {
      const json = objectAt(bodyObject(request.body), 'participant_group');
      if (!json) return sendText(reply, 400, 'Missing participant_group');
      if (!Object.hasOwn(json, 'id_participant_group'))
        return sendText(reply, 400, 'Missing id_participant_group');
      const id = json.id_participant_group;
      if (!isId(id) || id < 0) return sendBadField(reply, 'id_participant_group');
      const read = readFields(json, { id_project: 'int', participant_group_name: 'string' });
      if (!read.ok) return sendBadField(reply, read.field);
      const { id_project: project, participant_group_name: name } = read.values;
      if (id === 0 && project === undefined) return sendText(reply, 400, 'Missing id_project');
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx): Promise<{ id: number } | Refusal> => {
        if (project !== undefined && !isProjectAdmin(access, project))
          return refuse(403, 'Forbidden');
        if (id === 0) {
          if (name === undefined) return refuse(500, 'Database error');
          return {
            id: await insertGroup(trx, { id_project: project!, participant_group_name: name }),
          };
        }
        const current = await groupRow(trx, id);
        if (!current || !isProjectAdmin(access, current.id_project))
          return refuse(403, 'Forbidden');
        await updateGroup(trx, id, {
          ...(project !== undefined ? { id_project: project } : {}),
          ...(name !== undefined ? { participant_group_name: name } : {}),
        });
        return { id };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      const group = await groupRow(ctx.deps.db.kysely, outcome.id);
      if (!group) return sendText(reply, 500, 'Database error');
      await publishChange(
        ctx,
        'participant_group',
        id === 0 ? 'create' : 'update',
        groupJson(group, true),
      );
      return sendJson(reply, 200, [groupJson(group, false)]);
    },
  });
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: URL,
    summary: 'Delete a participant group and its participants (project admins)',
    args: { id: int('Participant Group ID to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(request.query, reply, 'Participant Group ID to delete');
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const group = await groupRow(trx, id);
        if (!group) return refuse(400, 'Invalid id');
        if (!isProjectAdmin(access, group.id_project)) return refuse(403, 'Forbidden');
        const members = await groupMembers(trx, id);
        const ids = members.map((m) => m.id_participant);
        const sessions = await participantsWithSessions(trx, ids);
        if (sessions.member || sessions.creator) return refuse(500, GROUP_HAS_SESSIONS);
        const at = nowIso();
        await softDeleteParticipants(trx, ids, at);
        await softDeleteGroup(trx, id, at);
        return { members };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const m of outcome.members)
        await publishChange(ctx, 'participant', 'delete', {
          id_participant: m.id_participant,
          participant_uuid: m.participant_uuid,
        });
      await publishChange(ctx, 'participant_group', 'delete', { id_participant_group: id });
      return sendText(reply, 200, '');
    },
  });
}
