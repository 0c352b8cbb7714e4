/**
 * `/api/user/undelete` as OpenTera's `UserQueryUndelete` serves it: a superadmin restores a
 * soft-deleted session (`id_session`). OpenTera's handler also takes `id_asset`; TeraRelay
 * stores no assets, so an asset is never found. Answers as OpenTera: 403 for anyone but a
 * superadmin, 401 when the item is not found or not deleted, 200 once restored. A restored
 * session publishes the `session` DatabaseEvent (update), so its members' connections see it
 * again.
 */
import { userGet, type ApiContext } from '../http/context.js';
import { int } from '../http/query.js';
import { sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { ArgsErrorBody, JsonText } from '../http/schemas.js';
import { restoreSession, sessionById, type SessionRow } from '../store/queries/admin-sessions.js';
import { sessionJson } from './sessions-json.js';
import { adminResponses, publishAfterCommit } from './sessions-kit.js';

export const undeleteRoutes = (ctx: ApiContext): Route[] => [
  defineRoute({
    ...userGet(ctx),
    url: '/api/user/undelete',
    summary: 'Restore a soft-deleted session (superadmin only)',
    description:
      'One of id_session or id_asset (TeraRelay keeps no assets: never found). 401 when the ' +
      'item is not found or not deleted.',
    args: {
      id_session: int('ID of the session to undelete'),
      id_asset: int('ID of the asset to undelete'),
    },
    response: adminResponses({ 200: JsonText, 400: ArgsErrorBody, 403: JsonText }),
    handle: async ({ request, reply, caller, args }) => {
      if (!caller.account.superadmin) return sendText(reply, 403, 'No access to this API');
      const k = ctx.deps.db.kysely;
      let found: SessionRow | undefined;
      if (args.id_session) found = await sessionById(k, args.id_session, true);
      if (args.id_asset) found = undefined;
      if (!found) return sendText(reply, 401, 'Item to undelete not found');
      if (found.deleted_at === null) return sendText(reply, 401, "Item isn't deleted");
      await restoreSession(k, found.id_session);
      const restored = (await sessionById(k, found.id_session))!;
      await publishAfterCommit(ctx, request, 'session', 'update', sessionJson(restored, null));
      return sendText(reply, 200, '');
    },
  }),
];
