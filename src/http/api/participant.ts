/**
 * The participant side of login (spec §2.7, §2.8): /api/participant/login (Basic, static or
 * dynamic token), /refresh_token (dynamic token only) and /logout.
 */
import { isRefusal, type ParticipantAuth } from '../../auth/authenticate.js';
import { LOGIN_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S } from '../../auth/tokens.js';
import type { App } from '../app.js';
import {
  authRequest,
  publishDisconnect,
  refuseLogin,
  registerPath,
  revokeToken,
  websocketUrlIfOffline,
  type ApiContext,
} from '../context.js';
import { sessionTypesOfProjects } from '../../store/queries/login.js';
import { parseArgs } from '../query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from '../replies.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  ErrorBody,
  JsonText,
  ParticipantLoginAnswer,
  QBool,
  RefreshAnswer,
  TOKEN_ONLY,
  UnauthorizedText,
  query,
} from '../schemas.js';

const tags = ['participant'];

/** Basic, the static token or a dynamic one (OpenTera's `limited` role is enough). */
const ANY_CREDENTIALS = { basic: true, token: true, full: false };
/** A dynamic token only (the `full` role; the static token gets 403). */
const DYNAMIC_TOKEN = { basic: false, token: true, full: true };

const subject = (auth: ParticipantAuth) => ({
  uuid: auth.account.uuid,
  id: auth.account.id,
  name: auth.account.name,
});

export function registerParticipantRoutes(app: App, ctx: ApiContext): void {
  registerPath(app, [
    {
      method: 'GET',
      url: '/api/participant/login',
      schema: {
        summary: 'Log a participant in (Basic, static token or dynamic token)',
        description:
          'A websocket_url comes back whenever the participant is offline. When it is online: 403 with ' +
          'with_websocket, else 200 without a URL.',
        tags,
        security: BASIC_OR_TOKEN,
        querystring: query({
          with_websocket: QBool('Refuse with 403 when the participant is already online'),
        }),
        response: {
          200: ParticipantLoginAnswer,
          400: ArgsErrorBody,
          401: UnauthorizedText,
          403: JsonText,
          429: ErrorBody,
        },
      },
      handler: async (request, reply) => {
        const auth = await ctx.auth.participant(authRequest(request), ANY_CREDENTIALS);
        if (isRefusal(auth)) return refuseLogin(ctx, reply, 'participant', auth);
        const parsed = parseArgs(request.query, { with_websocket: 'boolean' });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const a = auth.account;
        const url = await websocketUrlIfOffline(ctx, request, 'participant', a.uuid);
        if (url === null && parsed.args.with_websocket)
          return sendText(reply, 403, 'Participant already logged in.');
        await ctx.auth.accounts.touch('participant', a.id);
        ctx.deps.metrics.logins.inc({ kind: 'participant', outcome: 'success' });
        return sendJson(reply, 200, {
          participant_name: a.name,
          participant_uuid: a.uuid,
          ...(url !== null ? { websocket_url: url } : {}),
          session_types_info: await sessionTypesOfProjects(ctx.deps.db, [a.projectId]),
          base_token: a.staticToken,
          ...(auth.full
            ? {
                participant_token: await ctx.deps.tokens.signParticipant(
                  subject(auth),
                  LOGIN_TOKEN_TTL_S,
                ),
              }
            : {}),
        });
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/participant/refresh_token',
      schema: {
        summary:
          'Exchange a dynamic participant token for a new one (30 min); the old one is revoked',
        description: 'The static token gets 403.',
        tags,
        security: TOKEN_ONLY,
        response: { 200: RefreshAnswer, 401: UnauthorizedText, 403: UnauthorizedText },
      },
      handler: async (request, reply) => {
        const auth = await ctx.auth.participant(authRequest(request), DYNAMIC_TOKEN);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        await revokeToken(ctx, 'participant', auth.token);
        return sendJson(reply, 200, {
          refresh_token: await ctx.deps.tokens.signParticipant(subject(auth), REFRESH_TOKEN_TTL_S),
        });
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/participant/logout',
      schema: {
        summary: "Log out: close the participant's websockets (4000) and revoke a dynamic token",
        tags,
        security: BASIC_OR_TOKEN,
        response: { 200: JsonText, 401: UnauthorizedText, 429: ErrorBody },
      },
      handler: async (request, reply) => {
        const auth = await ctx.auth.participant(authRequest(request), ANY_CREDENTIALS);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        await publishDisconnect(ctx, auth.account.uuid);
        if (auth.via === 'dynamic-token') await revokeToken(ctx, 'participant', auth.token);
        return sendText(reply, 200, 'Participant logged out.');
      },
    },
  ]);
}
