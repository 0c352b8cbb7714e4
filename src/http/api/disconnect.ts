/**
 * GET /api/user/disconnect: a user with admin access to a user, participant or device closes
 * all its websockets (OpenTera's disconnect command, close code 4000). OpenTera's answers: no
 * target 400 `"Invalid request"`, oneself 400, no admin access 403 `"Forbidden"`, done 200
 * `"Success"`.
 */
import Type from 'typebox';
import { PRINCIPAL_KINDS } from '../../principal.js';
import { uuidOfId } from '../../store/queries/disconnect.js';
import { userGet, type ApiContext } from '../context.js';
import { forceDisconnect } from './outcomes.js';
import { int, str, type Args } from '../query.js';
import { sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import { ArgsErrorBody, ErrorBody, JsonText, UserUnauthorized } from '../schemas.js';

/** In OpenTera's order: the first one given names the target. */
const ARGS = {
  id_user: int('User id'),
  user_uuid: str('User uuid'),
  id_participant: int('Participant id'),
  participant_uuid: str('Participant uuid'),
  id_device: int('Device id'),
  device_uuid: str('Device uuid'),
};

/** The kind and uuid (null: no such id) of the target the arguments name, or null for none. */
async function target(ctx: ApiContext, a: Args<typeof ARGS>) {
  for (const kind of PRINCIPAL_KINDS) {
    const id = a[`id_${kind}`];
    if (id) return { kind, uuid: await uuidOfId(ctx.deps.db, kind, id) };
    const uuid = a[`${kind}_uuid`];
    if (uuid) return { kind, uuid };
  }
  return null;
}

export function disconnectRoutes(ctx: ApiContext): Route[] {
  return [
    defineRoute({
      ...userGet(ctx),
      url: '/api/user/disconnect',
      summary: 'Close every websocket of a user, participant or device the caller administers',
      description: 'Give one of the arguments. Use /api/user/logout to disconnect yourself.',
      args: ARGS,
      response: {
        200: JsonText,
        400: Type.Union([JsonText, ArgsErrorBody]),
        401: UserUnauthorized,
        403: JsonText,
        429: ErrorBody,
      },
      handle: async ({ request, reply, caller, args }) => {
        const t = await target(ctx, args);
        if (!t) return sendText(reply, 400, 'Invalid request');
        const access = await ctx.deps.access.userAccess(caller.account.uuid);
        const allowed = access?.admin[`${t.kind}Uuids` as const];
        if (t.uuid === null || !allowed?.has(t.uuid)) return sendText(reply, 403, 'Forbidden');
        if (t.kind === 'user' && t.uuid === caller.account.uuid)
          return sendText(reply, 400, 'Use Logout instead to disconnect current user');
        const named = { kind: t.kind, uuid: t.uuid };
        await forceDisconnect(ctx, request, named, 'api', caller.account.uuid);
        return sendText(reply, 200, 'Success');
      },
    }),
  ];
}
