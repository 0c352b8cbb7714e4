/**
 * GET /api/user/disconnect (spec §2.10): a user with admin access to a user, participant or
 * device closes all its websockets (OpenTera's disconnect command, close code 4000).
 * OpenTera's answers: no target 400 `"Invalid request"`, oneself 400, no admin access 403
 * `"Forbidden"`, done 200 `"Success"`.
 */
import { isRefusal } from '../../auth/authenticate.js';
import type { App } from '../app.js';
import { apiUser, publishDisconnect, registerPath, type ApiContext } from '../context.js';
import { parseArgs, type Args } from '../query.js';
import Type from 'typebox';
import { sendArgsError, sendRefusal, sendText } from '../replies.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  ErrorBody,
  JsonText,
  QInt,
  QStr,
  UserUnauthorized,
  query,
} from '../schemas.js';

const SPEC = {
  id_user: 'int',
  user_uuid: 'string',
  id_participant: 'int',
  participant_uuid: 'string',
  id_device: 'int',
  device_uuid: 'string',
} as const;

export function registerDisconnectRoute(app: App, ctx: ApiContext): void {
  const k = ctx.deps.db.kysely;

  /** The uuid of the target named by the first argument given (OpenTera's order), or null for none. */
  async function target(a: Args<typeof SPEC>) {
    if (a.id_user) {
      const r = await k
        .selectFrom('t_users')
        .select('user_uuid')
        .where('id_user', '=', a.id_user)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return { kind: 'user' as const, uuid: r?.user_uuid ?? null };
    }
    if (a.user_uuid) return { kind: 'user' as const, uuid: a.user_uuid };
    if (a.id_participant) {
      const r = await k
        .selectFrom('t_participants')
        .select('participant_uuid')
        .where('id_participant', '=', a.id_participant)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return { kind: 'participant' as const, uuid: r?.participant_uuid ?? null };
    }
    if (a.participant_uuid) return { kind: 'participant' as const, uuid: a.participant_uuid };
    if (a.id_device) {
      const r = await k
        .selectFrom('t_devices')
        .select('device_uuid')
        .where('id_device', '=', a.id_device)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return { kind: 'device' as const, uuid: r?.device_uuid ?? null };
    }
    if (a.device_uuid) return { kind: 'device' as const, uuid: a.device_uuid };
    return null;
  }

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/disconnect',
      schema: {
        summary: 'Close every websocket of a user, participant or device the caller administers',
        description: 'Give one of the arguments. Use /api/user/logout to disconnect yourself.',
        tags: ['user'],
        security: BASIC_OR_TOKEN,
        querystring: query({
          id_user: QInt('User id'),
          user_uuid: QStr('User uuid'),
          id_participant: QInt('Participant id'),
          participant_uuid: QStr('Participant uuid'),
          id_device: QInt('Device id'),
          device_uuid: QStr('Device uuid'),
        }),
        response: {
          200: JsonText,
          400: Type.Union([JsonText, ArgsErrorBody]),
          401: UserUnauthorized,
          403: JsonText,
          429: ErrorBody,
        },
      },
      handler: async (request, reply) => {
        const auth = await apiUser(ctx, request);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        const parsed = parseArgs(request.query, SPEC);
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const t = await target(parsed.args);
        if (!t) return sendText(reply, 400, 'Invalid request');
        const access = await ctx.deps.access.userAccess(auth.account.uuid);
        const allowed = access?.admin[`${t.kind}Uuids` as const];
        if (t.uuid === null || !allowed?.has(t.uuid)) return sendText(reply, 403, 'Forbidden');
        if (t.kind === 'user' && t.uuid === auth.account.uuid)
          return sendText(reply, 400, 'Use Logout instead to disconnect current user');
        await publishDisconnect(ctx, t.uuid);
        return sendText(reply, 200, 'Success');
      },
    },
  ]);
}
