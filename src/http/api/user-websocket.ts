/**
 * GET /api/user/websocket: a one-time websocket URL for a valid user token. A TeraRelay
 * addition to OpenTera's API: OpenTera hands a user a websocket URL only at login, with the
 * password, so a client that lost its websocket would have to keep the password and cost the
 * server a bcrypt check per reconnect. Here it presents its token instead (`Authorization:
 * OpenTera <user_token>`, as from /api/user/login or /api/user/refresh_token).
 *
 * Answers: 200 `{websocket_url}`; 401 `Unauthorized` for a missing, bad, expired or revoked
 * token, or a disabled user; 403 `"User already logged in."` while the user is online (as
 * /api/user/login?with_websocket answers), unless `observer` is asked.
 *
 * `observer=true` asks for an observer connection: it receives exactly the events the user's
 * normal connection would, but it is left out of presence (no CONNECTED/DISCONNECTED to
 * anyone, never online, never "already logged in" for a later login), so it is given even
 * while the user is online. Logout, /api/user/disconnect and disabling the user close it
 * (4000) with the user's other connections.
 */
import Type from 'typebox';
import { authRequest, websocketUrl, websocketUrlIfOffline, type ApiContext } from '../context.js';
import { bool } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import { ArgsErrorBody, ErrorBody, JsonText, TOKEN_ONLY, UnauthorizedText } from '../schemas.js';

const WebsocketAnswer = Type.Object(
  { websocket_url: Type.String({ description: 'One-time wss:// URL, valid --ticket-ttl s' }) },
  { additionalProperties: false },
);

export function userWebsocketRoutes(ctx: ApiContext): Route[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/user/websocket',
      summary: 'A one-time websocket URL for a user token (TeraRelay addition to OpenTera)',
      description:
        'Not in OpenTera. Lets a client reconnect with its token instead of its password. ' +
        '403 while the user is online, unless `observer=true`: an observer connection gets the ' +
        "user's events but never counts as online, and is closed (4000) with the user's other " +
        'connections by logout, /api/user/disconnect or disabling the user.',
      tags: ['user'],
      security: TOKEN_ONLY,
      args: {
        observer: bool('An observer connection: not counted in presence, given while online'),
      },
      strictArgs: true,
      response: {
        200: WebsocketAnswer,
        400: ArgsErrorBody,
        401: UnauthorizedText,
        403: JsonText,
        503: ErrorBody,
      },
      authenticate: (request) =>
        ctx.auth.user(authRequest(request), { basic: false, token: true, login: false }),
      handle: async ({ request, reply, caller, args }) => {
        const uuid = caller.account.uuid;
        const url = args.observer
          ? await websocketUrl(ctx, request, 'user', uuid, { observer: true })
          : await websocketUrlIfOffline(ctx, request, 'user', uuid);
        if (url === null) return sendText(reply, 403, 'User already logged in.');
        return sendJson(reply, 200, { websocket_url: url });
      },
    }),
  ];
}
