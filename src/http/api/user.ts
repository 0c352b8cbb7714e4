/**
 * The user side of login: /api/user/login (Basic only), /api/user/refresh_token (token only)
 * and /api/user/logout (either).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { UserAuth } from '../../auth/authenticate.js';
import { fullname } from '../../auth/accounts.js';
import { beginLoginStep } from '../../auth/login-sessions.js';
import { checkClientVersion } from '../../auth/client-version.js';
import { REFRESH_TOKEN_TTL_S, LOGIN_TOKEN_TTL_S } from '../../auth/tokens.js';
import {
  authRequest,
  revokeToken,
  userGet,
  websocketUrlIfOffline,
  type ApiContext,
} from '../context.js';
import { forceDisconnect, loginRefused, loginSucceeded } from './outcomes.js';
import { bool } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import {
  ArgsErrorBody,
  BASIC_ONLY,
  ErrorBody,
  JsonText,
  OutdatedClient,
  RefreshAnswer,
  TOKEN_ONLY,
  UnauthorizedText,
  UserLoginRedirect,
  UserLoginSuccess,
  UserUnauthorized,
} from '../schemas.js';

const tags = ['user'];

export async function userToken(ctx: ApiContext, auth: UserAuth, ttl: number): Promise<string> {
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

/** The login answer once the password is known good: version check, redirects, then the token. */
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
    await beginLoginStep(ctx.deps.db, reply, a.id, 'password_change');
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
    const validate = a.twoFactorOtpEnabled && a.hasOtpSecret;
    await beginLoginStep(ctx.deps.db, reply, a.id, validate ? '2fa' : '2fa_setup');
    return validate
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
  loginSucceeded(ctx, request, reply, { kind: 'user', uuid: a.uuid, via: 'basic' });
  return sendJson(reply, 200, answer);
}

export function userRoutes(ctx: ApiContext): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/user/login',
      summary: 'Log a user in with HTTP Basic; optionally get a one-time websocket URL',
      tags,
      security: BASIC_ONLY,
      args: {
        with_websocket: bool('Also return a websocket_url; 403 if the user is already online'),
      },
      strictArgs: true,
      response: {
        200: Type.Union([UserLoginSuccess, UserLoginRedirect]),
        400: ArgsErrorBody,
        401: UnauthorizedText,
        403: JsonText,
        426: OutdatedClient,
        429: ErrorBody,
      },
      // Basic only; users who must change their password or use 2FA are answered, not refused.
      authenticate: (request) =>
        ctx.auth.user(authRequest(request), { basic: true, token: false, login: true }),
      refused: (reply, refusal) => loginRefused(ctx, reply, 'user', refusal),
      handle: ({ request, reply, caller, args }) =>
        loginAnswer(ctx, request, reply, caller, args.with_websocket ?? false),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/user/refresh_token',
      summary: 'Exchange a valid user token for a new one (30 min); the old one is revoked',
      tags,
      security: TOKEN_ONLY,
      args: { with_websocket: bool('Also return a websocket_url when the user is offline') },
      response: { 200: RefreshAnswer, 400: ArgsErrorBody, 401: UnauthorizedText },
      authenticate: (request) =>
        ctx.auth.user(authRequest(request), { basic: false, token: true, login: false }),
      handle: async ({ request, reply, caller, args }) => {
        await revokeToken(ctx, 'user', caller.token);
        const answer: Record<string, unknown> = {
          refresh_token: await userToken(ctx, caller, REFRESH_TOKEN_TTL_S),
        };
        if (args.with_websocket) {
          const url = await websocketUrlIfOffline(ctx, request, 'user', caller.account.uuid);
          if (url !== null) answer.websocket_url = url;
        }
        return sendJson(reply, 200, answer);
      },
    }),
    defineRoute({
      ...userGet(ctx),
      url: '/api/user/logout',
      summary: "Log out: close the user's websockets (4000) and revoke the presented token",
      response: { 200: JsonText, 401: UserUnauthorized, 429: ErrorBody },
      handle: async ({ request, reply, caller }) => {
        await forceDisconnect(ctx, request, { kind: 'user', uuid: caller.account.uuid }, 'logout');
        await revokeToken(ctx, 'user', caller.token);
        return sendText(reply, 200, 'User logged out.');
      },
    }),
  ];
}
