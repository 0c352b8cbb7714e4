/**
 * The participant side of login (spec §2.7, §2.8): /api/participant/login (Basic, static or
 * dynamic token), /refresh_token (dynamic token only) and /logout.
 */
import type { FastifyRequest } from 'fastify';
import { isRefusal, type ParticipantAuth } from '../auth/authenticate.js';
import { LOGIN_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S } from '../auth/tokens.js';
import type { App } from './app.js';
import {
  clientAddress,
  publishDisconnect,
  registerPath,
  websocketUrl,
  type ApiContext,
} from './context.js';
import { sessionTypesOfProjects } from './login-queries.js';
import { parseArgs } from './query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from './replies.js';
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
} from './schemas.js';

const tags = ['participant'];

const subject = (auth: ParticipantAuth) => ({
  uuid: auth.account.uuid,
  id: auth.account.id,
  name: auth.account.name,
});

export function registerParticipantRoutes(app: App, ctx: ApiContext): void {
  const authReq = (request: FastifyRequest) => ({
    authorization: request.headers.authorization,
    address: clientAddress(request),
  });

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
        const auth = await ctx.auth.participant(authReq(request), {
          basic: true,
          token: true,
          full: false,
        });
        if (isRefusal(auth)) {
          ctx.deps.metrics.logins.inc({ kind: 'participant', outcome: auth.refusal });
          return sendRefusal(reply, auth);
        }
        const parsed = parseArgs(request.query, { with_websocket: 'boolean' });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const a = auth.account;
        let url: string | undefined;
        if (!(await ctx.deps.presence.isOnline('participant', a.uuid))) {
          url = await websocketUrl(ctx, request, 'participant', a.uuid);
        } else if (parsed.args.with_websocket) {
          return sendText(reply, 403, 'Participant already logged in.');
        }
        await ctx.auth.accounts.touch('participant', a.id);
        ctx.deps.metrics.logins.inc({ kind: 'participant', outcome: 'success' });
        return sendJson(reply, 200, {
          participant_name: a.name,
          participant_uuid: a.uuid,
          ...(url !== undefined ? { websocket_url: url } : {}),
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
        const auth = await ctx.auth.participant(authReq(request), {
          basic: false,
          token: true,
          full: true,
        });
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        const claims = auth.token?.claims;
        if (claims)
          await ctx.deps.revocations.revoke('participant', auth.token!.value, claims.exp * 1000);
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
        const auth = await ctx.auth.participant(authReq(request), {
          basic: true,
          token: true,
          full: false,
        });
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        await publishDisconnect(ctx, auth.account.uuid);
        const claims = auth.token?.claims;
        if (auth.via === 'dynamic-token' && claims)
          await ctx.deps.revocations.revoke('participant', auth.token!.value, claims.exp * 1000);
        return sendText(reply, 200, 'Participant logged out.');
      },
    },
  ]);
}
