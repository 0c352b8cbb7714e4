/**
 * `/api/user/users/usergroups` (OpenTera's path; also answered at `/api/user/userusergroups`),
 * as OpenTera's UserQueryUserUserGroups: GET lists the memberships of a group (its members the
 * caller reaches) or of a user (in groups the caller reaches), `with_empty` adding the users
 * (or groups) without one; POST adds memberships (keeping existing ones) of users and groups
 * the caller administers, never for a superadmin; DELETE removes one. Memberships change
 * access: their DatabaseEvents (`user_user_group`) carry the member's uuid.
 */
import type { FastifyReply } from 'fastify';
import { apiUser, userGet, type ApiContext } from '../http/context.js';
import { bool, int } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import {
  deleteMembership,
  insertMembership,
  membershipById,
  membershipOf,
} from '../store/queries/admin-user-groups.js';
import { require2faForGroup } from '../store/queries/admin-access.js';
import { publishDatabaseEvent } from './events.js';
import type { AccessModel } from './sites-access-model.js';
import {
  answerRefusal,
  bodyField,
  loadModel,
  objectList,
  Refusal,
  sendMissingId,
  toInt,
} from './sites-http.js';
import {
  MembershipPosted,
  UserUserGroupItem,
  UserUserGroupPostBody,
  deleteResponses,
  getResponses,
  postResponses,
} from './sites-schemas.js';

const PATHS = ['/api/user/users/usergroups', '/api/user/userusergroups'];

const MEMBERSHIP_ARGS = {
  id_user_group: int('ID of the user group to query'),
  id_user: int('ID of the user to get all user groups'),
  list: bool('Flag that limits the returned data to minimal information'),
  with_empty: bool(
    'Used with id_user, also returns users groups that the user is not part of. Used with ' +
      'id_user_group, also returns users not part of that user group.',
  ),
};

export const userUserGroupsRoutes = (ctx: ApiContext): Route[] =>
  PATHS.flatMap((url) => [
    membershipsGet(ctx, url),
    membershipsPost(ctx, url),
    membershipsDelete(ctx, url),
  ]);

interface Entry {
  id_user_user_group: number | null;
  id_user: number | null;
  id_user_group: number | null;
}

/** A group's memberships, then (`withEmpty`) the other users the caller reaches, by first name. */
function ofGroup(model: AccessModel, me: number, groupId: number, withEmpty: boolean): Entry[] {
  const members: Entry[] = model.groupMemberships(groupId, me);
  if (!withEmpty) return members;
  const inGroup = new Set(members.map((m) => m.id_user));
  const others = model
    .accessibleUserIds(me)
    .filter((id) => !inGroup.has(id) && !model.isSuperadmin(id))
    .map((id) => ({ id_user_user_group: null, id_user: id, id_user_group: null }));
  const order = new Map(model.accessibleUserIds(me).map((id, i) => [id, i]));
  return [...members, ...others].sort(
    (a, b) => (order.get(a.id_user!) ?? 0) - (order.get(b.id_user!) ?? 0),
  );
}

/** A user's memberships, then (`withEmpty`) the other groups the caller reaches, by name. */
function ofUser(model: AccessModel, me: number, userId: number, withEmpty: boolean): Entry[] {
  const memberships: Entry[] = model.userMemberships(userId, me);
  if (!withEmpty) return memberships;
  const mine = new Set(memberships.map((m) => m.id_user_group));
  const reached = model.accessibleGroupIds(me);
  const others = reached
    .filter((id) => !mine.has(id))
    .map((id) => ({ id_user_user_group: null, id_user: null, id_user_group: id }));
  const order = new Map(reached.map((id, i) => [id, i]));
  return [...memberships, ...others].sort(
    (a, b) => order.get(a.id_user_group!)! - order.get(b.id_user_group!)!,
  );
}

function membershipsGet(ctx: ApiContext, url: string): Route {
  return defineRoute({
    ...userGet(ctx),
    url,
    summary: "A user group's members, or a user's groups",
    description: 'id_user_group or id_user is required (400 otherwise).',
    args: MEMBERSHIP_ARGS,
    response: getResponses(UserUserGroupItem),
    handle: async ({ reply, caller, args }) => {
      if (!args.id_user_group && !args.id_user)
        return sendText(reply, 400, 'At least one id must be specified');
      const model = await loadModel(ctx.deps.db.kysely);
      const me = caller.account.id;
      const withEmpty = args.with_empty ?? false;
      const entries = args.id_user_group
        ? ofGroup(model, me, args.id_user_group, withEmpty)
        : ofUser(model, me, args.id_user!, withEmpty);
      return sendJson(
        reply,
        200,
        entries.map((e) => ({
          id_user_user_group: e.id_user_user_group,
          id_user: e.id_user,
          id_user_group: e.id_user_group,
          ...(args.list
            ? {}
            : {
                user_fullname: e.id_user === null ? null : model.fullName(e.id_user),
                user_group_name:
                  e.id_user_group === null
                    ? null
                    : (model.groups.get(e.id_user_group)?.user_group_name ?? null),
              }),
        })),
      );
    },
  });
}

/** Refuses a membership the caller may not make. */
function check(model: AccessModel, me: number, userId: number, groupId: number): void {
  if (!model.accessibleUserIds(me, true).includes(userId))
    throw new Refusal(403, 'No access to specified user');
  if (!model.accessibleGroupIds(me, true).includes(groupId))
    throw new Refusal(403, 'No access to specified user group');
  if (model.isSuperadmin(userId))
    throw new Refusal(400, "Super admins can't be associated to an user group");
}

function membershipsPost(ctx: ApiContext, url: string): Route {
  return defineRoute({
    method: 'POST',
    url,
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Add users to user groups (both administered by the caller)',
    body: UserUserGroupPostBody,
    response: postResponses(MembershipPosted),
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ request, reply, caller }) =>
      answerRefusal(reply, async () => {
        const given = bodyField(request, 'user_user_group');
        if (given === undefined) return sendText(reply, 400, 'Missing user_user_group');
        const items = objectList(given);
        if (!items) return sendText(reply, 400, 'Invalid user_user_group');
        const pairs: { userId: number; groupId: number }[] = [];
        for (const item of items) {
          if (!('id_user' in item)) return sendText(reply, 400, 'Missing id_user');
          if (!('id_user_group' in item)) return sendText(reply, 400, 'Missing id_user_group');
          const userId = toInt(item.id_user);
          const groupId = toInt(item.id_user_group);
          if (userId === null) return sendText(reply, 400, 'Invalid id_user');
          if (groupId === null) return sendText(reply, 400, 'Invalid id_user_group');
          pairs.push({ userId, groupId });
        }
        const me = caller.account.id;
        const results = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const model = await loadModel(trx);
          for (const p of pairs) check(model, me, p.userId, p.groupId);
          const out: { id: number; created: boolean; uuid: string }[] = [];
          for (const p of pairs) {
            const existing = await membershipOf(trx, p.userId, p.groupId);
            const id =
              existing?.id_user_user_group ?? (await insertMembership(trx, p.userId, p.groupId));
            if (!existing) await require2faForGroup(trx, p.groupId, p.userId);
            out.push({ id, created: !existing, uuid: model.users.get(p.userId)!.user_uuid });
          }
          return out;
        });
        for (const [i, r] of results.entries())
          if (r.created)
            await publishDatabaseEvent(ctx.deps, 'user_user_group', 'create', {
              id_user_user_group: r.id,
              id_user: pairs[i]!.userId,
              id_user_group: pairs[i]!.groupId,
              user_uuid: r.uuid,
            });
        return sendJson(
          reply,
          200,
          items.map((item, i) => ({ ...item, id_user_user_group: results[i]!.id })),
        );
      }),
  });
}

function membershipsDelete(ctx: ApiContext, url: string): Route {
  return defineRoute({
    method: 'DELETE',
    url,
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Remove a user from a user group (both administered by the caller)',
    args: { id: int('User - User group relationship ID to delete (required)') },
    response: deleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: ({ reply, caller, args }): Promise<FastifyReply> =>
      answerRefusal(reply, async () => {
        const id = args.id;
        if (id === undefined)
          return sendMissingId(reply, 'User - User group relationship ID to delete');
        const me = caller.account.id;
        const removed = await ctx.deps.db.kysely.transaction().execute(async (trx) => {
          const m = await membershipById(trx, id);
          if (!m) throw new Refusal(400, "Can't delete specified relationship");
          const model = await loadModel(trx);
          if (!model.accessibleUserIds(me, true).includes(m.id_user))
            throw new Refusal(403, "No access to relationship's user");
          if (!model.accessibleGroupIds(me, true).includes(m.id_user_group))
            throw new Refusal(403, "No access to relationship's user group");
          await deleteMembership(trx, id);
          return m;
        });
        await publishDatabaseEvent(ctx.deps, 'user_user_group', 'delete', { ...removed });
        return sendText(reply, 200, '');
      }),
  });
}
