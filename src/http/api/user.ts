/**
 * The user side of login (spec §2.3, §2.5, §2.6): /api/user/login (Basic only),
 * /api/user/refresh_token (token only) and /api/user/logout (either).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRefusal, type UserAuth } from '../../auth/authenticate.js';
import { fullname } from '../../auth/accounts.js';
import { checkClientVersion } from '../../auth/client-version.js';
import { REFRESH_TOKEN_TTL_S, LOGIN_TOKEN_TTL_S } from '../../auth/tokens.js';
import type { App } from '../app.js';
import {
  apiUser,
  authRequest,
  publishDisconnect,
  refuseLogin,
  registerPath,
  revokeToken,
  websocketUrlIfOffline,
  type ApiContext,
} from '../context.js';
import { parseArgs } from '../query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from '../replies.js';
import {
  ArgsErrorBody,
  BASIC_ONLY,
  BASIC_OR_TOKEN,
  ErrorBody,
  JsonText,
  OutdatedClient,
  QBool,
  RefreshAnswer,
  TOKEN_ONLY,
  UnauthorizedText,
  UserLoginRedirect,
  UserLoginSuccess,
  UserUnauthorized,
  query,
} from '../schemas.js';
import Type from 'typebox';

const tags = ['user'];
/** /api/user/login takes Basic only, and answers users who must change password or use 2FA. */
const LOGIN = { basic: true, token: false, login: true };
/** /api/user/refresh_token takes a token only. */
const TOKEN = { basic: false, token: true, login: false };

async function userToken(ctx: ApiContext, auth: UserAuth, ttl: number): Promise<string> {
  const a = auth.account;
  return ctx.deps.tokens.signUser(
    {
      uuid: a.uuid,
      id: a.id,
      fullname: fullname(a),
      superadmin: a.superadmin,
      serviceAccess: a.superadmin ? {} : await ctx.auth.accounts.serviceAccess(a.id),
    },
    ttl,
  );
}

/** The login answer once the password is known good (spec §2.3, steps 2–4). */
async function loginAnswer(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  auth: UserAuth,
  withWebsocket: boolean,
) {
  const a = auth.account;
  const version = await checkClientVersion(ctx.deps.db, request.headers);
  if (version.kind === 'outdated') return sendJson(reply, 426, version.body);
  if (version.kind === 'none' && version.unknownClient !== undefined)
    request.log.info(
      { client: version.unknownClient.slice(0, 100) },
      'login from an unknown client',
    );
  const extra = version.kind === 'known' ? version.fields : {};
  if (a.forcePasswordChange) {
    return sendJson(reply, 200, {
      ...extra,
      message: 'Password change required for this user.',
      reason: 'password_change',
      redirect_url: '/login_change_password',
    });
  }
  if (a.twoFactorEnabled) {
    if (await ctx.auth.throttle.twoFactorBlocked(a.uuid))
      return sendText(reply, 403, 'Too many 2FA attempts. Please wait and try again.');
    return a.twoFactorOtpEnabled && a.hasOtpSecret
      ? sendJson(reply, 200, {
          ...extra,
          message: '2FA required for this user.',
          reason: '2fa',
          redirect_url: '/login_validate_2fa',
        })
      : sendJson(reply, 200, {
          ...extra,
          message: '2FA enabled but OTP not set for this user.Please setup 2FA.',
          reason: '2fa_setup',
          redirect_url: '/login_setup_2fa',
        });
  }
  const answer: Record<string, unknown> = { ...extra };
  if (withWebsocket) {
    const url = await websocketUrlIfOffline(ctx, request, 'user', a.uuid);
    if (url === null) return sendText(reply, 403, 'User already logged in.');
    answer.websocket_url = url;
  }
  answer.user_uuid = a.uuid;
  answer.user_fullname = fullname(a);
  answer.user_token = await userToken(ctx, auth, LOGIN_TOKEN_TTL_S);
  ctx.deps.metrics.logins.inc({ kind: 'user', outcome: 'success' });
  return sendJson(reply, 200, answer);
}

export function registerUserRoutes(app: App, ctx: ApiContext): void {
  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/login',
      schema: {
        summary: 'Log a user in with HTTP Basic; optionally get a one-time websocket URL',
        tags,
        security: BASIC_ONLY,
        querystring: query({
          with_websocket: QBool('Also return a websocket_url; 403 if the user is already online'),
        }),
        response: {
          200: Type.Union([UserLoginSuccess, UserLoginRedirect]),
          400: ArgsErrorBody,
          401: UnauthorizedText,
          403: JsonText,
          426: OutdatedClient,
          429: ErrorBody,
        },
      },
      handler: async (request, reply) => {
        const auth = await ctx.auth.user(authRequest(request), LOGIN);
        if (isRefusal(auth)) return refuseLogin(ctx, reply, 'user', auth);
        const parsed = parseArgs(request.query, { with_websocket: 'boolean' }, { strict: true });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        return loginAnswer(ctx, request, reply, auth, parsed.args.with_websocket ?? false);
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/refresh_token',
      schema: {
        summary: 'Exchange a valid user token for a new one (30 min); the old one is revoked',
        tags,
        security: TOKEN_ONLY,
        querystring: query({
          with_websocket: QBool('Also return a websocket_url when the user is offline'),
        }),
        response: { 200: RefreshAnswer, 400: ArgsErrorBody, 401: UnauthorizedText },
      },
      handler: async (request, reply) => {
        const auth = await ctx.auth.user(authRequest(request), TOKEN);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        const parsed = parseArgs(request.query, { with_websocket: 'boolean' });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        await revokeToken(ctx, 'user', auth.token);
        const answer: Record<string, unknown> = {
          refresh_token: await userToken(ctx, auth, REFRESH_TOKEN_TTL_S),
        };
        if (parsed.args.with_websocket) {
          const url = await websocketUrlIfOffline(ctx, request, 'user', auth.account.uuid);
          if (url !== null) answer.websocket_url = url;
        }
        return sendJson(reply, 200, answer);
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/logout',
      schema: {
        summary: "Log out: close the user's websockets (4000) and revoke the presented token",
        tags,
        security: BASIC_OR_TOKEN,
        response: { 200: JsonText, 401: UserUnauthorized, 429: ErrorBody },
      },
      handler: async (request, reply) => {
        const auth = await apiUser(ctx, request);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        await publishDisconnect(ctx, auth.account.uuid);
        await revokeToken(ctx, 'user', auth.token);
        return sendText(reply, 200, 'User logged out.');
      },
    },
  ]);
}
