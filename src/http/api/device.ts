/**
 * The device side of login (spec §2.9): /api/device/login, /logout and POST /status.
 * Devices authenticate with their static token (`Authorization: OpenTera <token>` or
 * `?token=`). A status update is stored in Presence and announced as OpenTera's
 * DEVICE_STATUS_CHANGED DeviceEvent on the UserManager's event topic (spec §4.8).
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { isRefusal } from '../../auth/authenticate.js';
import { AppError } from '../../errors.js';
import { updateDeviceStatus } from '../../presence/device-status.js';
import type { App } from '../app.js';
import {
  authRequest,
  publishDisconnect,
  refuseLogin,
  registerPath,
  websocketUrlIfOffline,
  type ApiContext,
} from '../context.js';
import {
  deviceInfo,
  deviceParticipants,
  deviceProjectIds,
  sessionTypesOfProjects,
} from '../../store/queries/login.js';
import { jsonDepthExceeds, pythonJsonDumps } from '../../protocol/python-json.js';
import { parseArgs } from '../query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from '../replies.js';
import {
  ArgsErrorBody,
  DeviceLoginAnswer,
  DeviceStatusAnswer,
  DeviceStatusBody,
  ErrorBody,
  JsonText,
  QStr,
  TOKEN_ONLY,
  query,
} from '../schemas.js';

const tags = ['device'];
const security = TOKEN_ONLY;
/** Deepest array/object nesting accepted in a status body. */
export const MAX_STATUS_DEPTH = 32;
const tokenQuery = query({ token: QStr('The device token (instead of the Authorization header)') });

function authOf(ctx: ApiContext, request: FastifyRequest) {
  const q = request.query as Record<string, unknown> | undefined;
  const raw = q?.token;
  const token = Array.isArray(raw) ? raw[0] : raw;
  return ctx.auth.device({
    ...authRequest(request),
    queryToken: typeof token === 'string' ? token : undefined,
  });
}

export function registerDeviceRoutes(app: App, ctx: ApiContext): void {
  registerPath(app, [
    {
      method: 'GET',
      url: '/api/device/login',
      schema: {
        summary:
          'Log a device in with its token; a websocket_url when it is onlineable and offline',
        description:
          'Only `token` is accepted as an argument (a device sending with_websocket gets 400, as in OpenTera).',
        tags,
        security,
        querystring: tokenQuery,
        response: { 200: DeviceLoginAnswer, 400: ArgsErrorBody, 401: JsonText, 403: JsonText },
      },
      handler: async (request, reply) => {
        const auth = await authOf(ctx, request);
        if (isRefusal(auth)) return refuseLogin(ctx, reply, 'device', auth, 'refused');
        const parsed = parseArgs(request.query, { token: 'string' }, { strict: true });
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const d = auth.account;
        let url: string | null = null;
        if (d.onlineable) {
          url = await websocketUrlIfOffline(ctx, request, 'device', d.uuid);
          if (url === null) return sendText(reply, 403, 'Device already logged in.');
        }
        await ctx.auth.accounts.touch('device', d.id);
        const [info, participants, projects] = await Promise.all([
          deviceInfo(ctx.deps.db, d.id),
          deviceParticipants(ctx.deps.db, d.id),
          deviceProjectIds(ctx.deps.db, d.id),
        ]);
        ctx.deps.metrics.logins.inc({ kind: 'device', outcome: 'success' });
        return sendJson(reply, 200, {
          device_info: info,
          participants_info: participants,
          session_types_info: await sessionTypesOfProjects(ctx.deps.db, projects),
          ...(url !== null ? { websocket_url: url } : {}),
        });
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/device/logout',
      schema: {
        summary: "Log out: close the device's websockets (4000)",
        tags,
        security,
        querystring: tokenQuery,
        response: { 200: JsonText, 401: JsonText },
      },
      handler: async (request, reply) => {
        const auth = await authOf(ctx, request);
        if (isRefusal(auth)) return sendRefusal(reply, auth);
        await publishDisconnect(ctx, auth.account.uuid);
        return sendText(reply, 200, 'Device logged out.');
      },
    },
  ]);

  // The status body gets its own JSON parser: nesting deeper than MAX_STATUS_DEPTH is refused
  // before JSON.parse runs.
  void app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      (_request, body, done) => {
        const text = body as string;
        if (jsonDepthExceeds(text, MAX_STATUS_DEPTH)) {
          done(
            new AppError('BAD_REQUEST', `JSON nested deeper than ${MAX_STATUS_DEPTH} levels`),
            undefined,
          );
          return;
        }
        try {
          done(null, JSON.parse(text));
        } catch {
          done(new AppError('BAD_REQUEST', 'Body is not valid JSON'), undefined);
        }
      },
    );
    registerPath(scope as App, [
      {
        method: 'POST',
        url: '/api/device/status',
        schema: {
          summary: 'Set the status of an online device; watchers get DEVICE_STATUS_CHANGED',
          tags,
          security,
          querystring: tokenQuery,
          body: DeviceStatusBody,
          response: {
            200: DeviceStatusAnswer,
            400: Type.Union([JsonText, ErrorBody]),
            401: JsonText,
            403: JsonText,
          },
        },
        handler: async (request, reply) => {
          const auth = await authOf(ctx, request);
          if (isRefusal(auth)) return sendRefusal(reply, auth);
          const body = request.body as Record<string, unknown> | null | undefined;
          if (
            typeof body !== 'object' ||
            body === null ||
            !('status' in body) ||
            !('timestamp' in body)
          )
            return sendText(reply, 400, 'Missing arguments');
          const { status, timestamp } = body;
          if (
            typeof status !== 'object' ||
            status === null ||
            Array.isArray(status) ||
            typeof timestamp !== 'number'
          )
            return sendText(
              reply,
              400,
              'Invalid arguments: status must be an object and timestamp a number',
            );
          const d = auth.account;
          const statusText = pythonJsonDumps(status);
          if (!(await updateDeviceStatus(ctx.deps, d, statusText, timestamp)))
            return sendText(reply, 403, 'Status update forbidden on offline device.');
          return sendJson(reply, 200, { uuid: d.uuid, status: statusText, timestamp });
        },
      },
    ]);
  });
}
