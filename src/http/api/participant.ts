/**
 * The participant side of login: /api/participant/login (Basic, static or dynamic token),
 * /refresh_token (dynamic token only) and /logout.
 */
import type { FastifyRequest } from 'fastify';
import type { ParticipantAuth } from '../../auth/authenticate.js';
import { LOGIN_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S } from '../../auth/tokens.js';
import { authRequest, revokeToken, websocketUrl, type ApiContext } from '../context.js';
import { forceDisconnect, loginRefused, loginSucceeded } from './outcomes.js';
import { resumingClient } from '../../realtime/resume-login.js';
import { bool } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  ErrorBody,
  JsonText,
  ParticipantLoginAnswer,
  RefreshAnswer,
  TOKEN_ONLY,
  UnauthorizedText,
} from '../schemas.js';

const tags = ['participant'];

/** Basic, the static token or a dynamic one (OpenTera's `limited` role is enough). */
const ANY_CREDENTIALS = { basic: true, token: true, full: false };

const subject = (auth: ParticipantAuth) => ({
  uuid: auth.account.uuid,
  id: auth.account.id,
  name: auth.account.name,
});

export function participantRoutes(ctx: ApiContext): Route[] {
  const anyCredentials = (request: FastifyRequest) =>
    ctx.auth.participant(authRequest(request), ANY_CREDENTIALS);
  return [
    defineRoute({
      method: 'GET',
      url: '/api/participant/login',
      summary: 'Log a participant in (Basic, static token or dynamic token)',
      description:
        'A websocket_url comes back whenever the participant is offline. When it is online: 403 with ' +
        'with_websocket, else 200 without a URL.',
      tags,
      security: BASIC_OR_TOKEN,
      args: { with_websocket: bool('Refuse with 403 when the participant is already online') },
      response: {
        200: ParticipantLoginAnswer,
        400: ArgsErrorBody,
        401: UnauthorizedText,
        403: JsonText,
        429: ErrorBody,
      },
      // Presence is asked while the account is read.
      authenticate: (request) =>
        ctx.auth.participantLogin(authRequest(request), ANY_CREDENTIALS, (uuid) =>
          ctx.deps.presence.isOnline('participant', uuid),
        ),
      refused: (reply, refusal) => loginRefused(ctx, reply, 'participant', refusal),
      handle: async ({ request, reply, caller, args }) => {
        const a = caller.account;
        const [present, sessionTypes] = await Promise.all([
          caller.prefetched,
          ctx.auth.catalog.sessionTypesOfProjects([a.projectId]),
        ]);
        // A client coming back with its resume token is let in while its old socket lingers.
        const online =
          present &&
          !(await resumingClient(ctx.deps.resumeTokens, request.headers, 'participant', a.uuid));
        if (online && args.with_websocket)
          return sendText(reply, 403, 'Participant already logged in.');
        const url = online ? null : await websocketUrl(ctx, request, 'participant', a.uuid);
        ctx.auth.lastOnline.note('participant', a.id);
        const via = caller.via === 'basic' ? 'basic' : 'token';
        loginSucceeded(ctx, request, reply, { kind: 'participant', uuid: a.uuid, via });
        return sendJson(reply, 200, {
          participant_name: a.name,
          participant_uuid: a.uuid,
          ...(url !== null ? { websocket_url: url } : {}),
          session_types_info: sessionTypes,
          base_token: a.staticToken,
          ...(caller.full
            ? {
                participant_token: await ctx.deps.tokens.signParticipant(
                  subject(caller),
                  LOGIN_TOKEN_TTL_S,
                ),
              }
            : {}),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/participant/refresh_token',
      summary:
        'Exchange a dynamic participant token for a new one (30 min); the old one is revoked',
      description: 'The static token gets 403.',
      tags,
      security: TOKEN_ONLY,
      response: { 200: RefreshAnswer, 401: UnauthorizedText, 403: UnauthorizedText },
      // A dynamic token only (the `full` role).
      authenticate: (request) =>
        ctx.auth.participant(authRequest(request), { basic: false, token: true, full: true }),
      handle: async ({ reply, caller }) => {
        await revokeToken(ctx, 'participant', caller.token);
        return sendJson(reply, 200, {
          refresh_token: await ctx.deps.tokens.signParticipant(
            subject(caller),
            REFRESH_TOKEN_TTL_S,
          ),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/participant/logout',
      summary: "Log out: close the participant's websockets (4000) and revoke a dynamic token",
      tags,
      security: BASIC_OR_TOKEN,
      response: { 200: JsonText, 401: UnauthorizedText, 429: ErrorBody },
      authenticate: anyCredentials,
      handle: async ({ request, reply, caller }) => {
        const target = { kind: 'participant', uuid: caller.account.uuid } as const;
        await forceDisconnect(ctx, request, target, 'logout');
        if (caller.via === 'dynamic-token') await revokeToken(ctx, 'participant', caller.token);
        return sendText(reply, 200, 'Participant logged out.');
      },
    }),
  ];
}
