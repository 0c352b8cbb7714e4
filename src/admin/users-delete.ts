/**
 * DELETE /api/user/users?id=: OpenTera's user delete. A superadmin soft-deletes the user,
 * unless sessions still hold it (500, OpenTera's texts). An admin of a site (groups reached
 * through the sites it administers) removes the user from those groups; when they were all
 * of the user's groups, the user is soft-deleted as by a superadmin. Nobody deletes itself;
 * only a superadmin deletes a superadmin. DatabaseEvents follow the commit: `user` DB_DELETE
 * with `{id_user, user_uuid}` (every node then disconnects the user), or one
 * `user_user_group` delete per membership removed.
 */
import type { Kysely } from 'kysely';
import { apiUser, type ApiContext } from '../http/context.js';
import { int } from '../http/query.js';
import { sendArgsError, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import {
  membershipsOfUser,
  queryUsers,
  removeMembership,
  softDeleteUser,
  userSessionCounts,
} from '../store/queries/admin-users.js';
import type { Database } from '../store/schema.js';
import { publishDatabaseEvent } from './events.js';
import { accessibleGroupIds, loadGroupRoles } from './users-access.js';
import { UsersDeleteResponses } from './users-schemas.js';

type K = Kysely<Database>;

const IN_SESSIONS =
  "Can't delete user: please remove all sessions that this user is part of before deleting.";
/** OpenTera answers this text when sessions created by the user remain. */
const CREATED_SESSIONS =
  "Can't delete user: please delete all assets created by this user before deleting.";

type Outcome =
  | { kind: 'refused'; status: number; text: string }
  | { kind: 'deleted'; id_user: number; user_uuid: string }
  | {
      kind: 'ungrouped';
      removed: { id_user_user_group: number; id_user: number; id_user_group: number }[];
    };

export function usersDeleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'DELETE',
    url: '/api/user/users',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary:
      'Delete a user (superadmin), or remove it from the groups of the sites the caller administers',
    args: { id: int('User id to delete (required)') },
    response: UsersDeleteResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: async ({ reply, caller, args }) => {
      const id = args.id;
      if (id === undefined)
        return sendArgsError(reply, {
          errors: { id: 'User ID to delete Missing required parameter in the query string' },
          message: 'Input payload validation failed',
        });
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendText(reply, 403, 'Forbidden');
      if (id === access.userId) return sendText(reply, 403, "Sorry, you can't delete yourself!");
      const k = ctx.deps.db.kysely;
      const accessGroups = access.superadmin
        ? null
        : new Set(
            accessibleGroupIds(access, await loadGroupRoles(k), { adminOnly: true, bySites: true }),
          );
      const outcome = await k
        .transaction()
        .execute((trx) => deleteIn(trx, id, access.superadmin, accessGroups));
      if (outcome.kind === 'refused') return sendText(reply, outcome.status, outcome.text);
      if (outcome.kind === 'deleted') {
        await publishDatabaseEvent(ctx.deps, 'user', 'delete', {
          id_user: outcome.id_user,
          user_uuid: outcome.user_uuid,
        });
      } else {
        for (const m of outcome.removed)
          await publishDatabaseEvent(ctx.deps, 'user_user_group', 'delete', m);
      }
      return sendText(reply, 200, '');
    },
  });
}

async function deleteIn(
  trx: K,
  id: number,
  superadmin: boolean,
  accessGroups: ReadonlySet<number> | null,
): Promise<Outcome> {
  const [user] = await queryUsers(trx, { ids: [id] });
  if (!user) return { kind: 'refused', status: 400, text: 'Invalid id' };
  const memberships = await membershipsOfUser(trx, id);
  if (!superadmin) {
    if (!accessGroups || accessGroups.size === 0 || user.user_superadmin)
      return { kind: 'refused', status: 403, text: 'Forbidden' };
    const reached = memberships.filter((m) => accessGroups.has(m.id_user_group));
    if (reached.length < memberships.length) {
      for (const m of reached) await removeMembership(trx, m.id_user_user_group);
      return {
        kind: 'ungrouped',
        removed: reached.map((m) => ({
          id_user_user_group: m.id_user_user_group,
          id_user: m.id_user,
          id_user_group: m.id_user_group,
        })),
      };
    }
  }
  const sessions = await userSessionCounts(trx, id);
  if (sessions.member > 0) return { kind: 'refused', status: 500, text: IN_SESSIONS };
  if (sessions.created > 0) return { kind: 'refused', status: 500, text: CREATED_SESSIONS };
  await softDeleteUser(trx, id, new Date().toISOString());
  return { kind: 'deleted', id_user: user.id_user, user_uuid: user.user_uuid };
}
