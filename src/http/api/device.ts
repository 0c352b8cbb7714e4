/**
 * The device side of login: /api/device/login, /logout and POST /status. Devices
 * authenticate with their static token (`Authorization: OpenTera <token>` or `?token=`). A
 * status update is stored in Presence and announced as OpenTera's DEVICE_STATUS_CHANGED
 * DeviceEvent on the UserManager's event topic, unless the device is over its rate limit (429,
 * `{code, message}` and Retry-After, as TeraRelay's other 429s) or the status is larger than
 * `maxDeviceStatus` once encoded as the event embeds it (413, OpenTera's JSON-encoded string).
 * Every well-formed post counts toward the rate limit, whether then stored or refused.
 */
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { AppError } from '../../errors.js';
import { deviceStatusField, updateDeviceStatus } from '../../presence/device-status.js';
import { authRequest, clientAddress, websocketUrl, type ApiContext } from '../context.js';
import { forceDisconnect, loginRefused, loginSucceeded } from './outcomes.js';
import {
  jsonDepthExceeds,
  parsePythonJson,
  PyFloat,
  pythonJsonDumps,
  type PyJson,
} from '../../protocol/python-json.js';
import { firstValue, str } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import {
  ArgsErrorBody,
  DeviceLoginAnswer,
  DeviceStatusAnswer,
  DeviceStatusBody,
  ErrorBody,
  JsonText,
  TOKEN_ONLY,
} from '../schemas.js';
import { resumingClient } from '../../realtime/resume-login.js';

const tags = ['device'];
const security = TOKEN_ONLY;
/** Deepest array/object nesting accepted in a status body. */
export const MAX_STATUS_DEPTH = 32;
/** Every device route takes its token from the query string when the header lacks it. */
const TOKEN_ARGS = { token: str('The device token (instead of the Authorization header)') };

/** 413: the status is over --max-device-status once encoded, or the body is over the 64 KiB limit. */
const StatusTooLarge = Type.Union([JsonText, ErrorBody], {
  description:
    'The status is larger than `--max-device-status` once encoded (a JSON-encoded string), ' +
    'or the body is larger than 64 KiB (`{code, message}`)',
});
/** 429: this device posted more than its limit. */
const StatusThrottled = Type.Object(ErrorBody.properties, {
  description: 'Too many status posts from this device; retry after `Retry-After` seconds',
  headers: {
    'Retry-After': Type.Integer({ description: 'Seconds until the window ends', minimum: 1 }),
  },
});

/**
 * A status body, read as Python's `json.loads` reads it (so numbers keep their spelling):
 * nesting deeper than MAX_STATUS_DEPTH is refused before it is parsed.
 */
function parseStatusJson(text: string): PyJson {
  if (jsonDepthExceeds(text, MAX_STATUS_DEPTH))
    throw new AppError('BAD_REQUEST', `JSON nested deeper than ${MAX_STATUS_DEPTH} levels`);
  try {
    return parsePythonJson(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'Body is not valid JSON');
  }
}

/**
 * The status as OpenTera stores it, `json.dumps(status)`, for a status object or, as OpenTera
 * also takes it, a string holding JSON text (stored as that string's `json.dumps`); null for
 * anything else.
 */
function statusText(status: PyJson | undefined): string | null {
  if (status instanceof Map) return pythonJsonDumps(status);
  if (typeof status !== 'string' || jsonDepthExceeds(status, MAX_STATUS_DEPTH)) return null;
  try {
    parsePythonJson(status);
  } catch {
    return null;
  }
  return pythonJsonDumps(status);
}

/** A finite number as sent (a float stays a float), else null. */
function timestampOf(value: PyJson | undefined): number | PyFloat | null {
  if (value instanceof PyFloat) return value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function deviceRoutes(ctx: ApiContext): Route[] {
  const device = (request: FastifyRequest) =>
    ctx.auth.device({ ...authRequest(request), queryToken: firstValue(request.query, 'token') });
  return [
    defineRoute({
      method: 'GET',
      url: '/api/device/login',
      summary: 'Log a device in with its token; a websocket_url when it is onlineable and offline',
      description:
        'Only `token` is accepted as an argument (a device sending with_websocket gets 400, as in OpenTera).',
      tags,
      security,
      args: TOKEN_ARGS,
      strictArgs: true,
      response: { 200: DeviceLoginAnswer, 400: ArgsErrorBody, 401: JsonText, 403: JsonText },
      // One query reads the device and its answer's rows while presence is asked.
      authenticate: (request) =>
        ctx.auth.deviceLogin(
          { ...authRequest(request), queryToken: firstValue(request.query, 'token') },
          (uuid) => ctx.deps.presence.isOnline('device', uuid),
        ),
      refused: (reply, refusal) => loginRefused(ctx, reply, 'device', refusal, 'refused'),
      handle: async ({ request, reply, caller }) => {
        const { account: d, login } = caller;
        const catalog = ctx.auth.catalog;
        const [online, names, sessionTypes] = await Promise.all([
          d.onlineable ? caller.prefetched : false,
          catalog.deviceTypeNames(login.device.id_device_type, login.device.id_device_subtype),
          catalog.sessionTypesOfProjects(login.projectIds),
        ]);
        // A client coming back with its resume token is let in while its old socket lingers.
        if (
          online &&
          !(await resumingClient(ctx.deps.resumeTokens, request.headers, 'device', d.uuid))
        )
          return sendText(reply, 403, 'Device already logged in.');
        const url = d.onlineable ? await websocketUrl(ctx, request, 'device', d.uuid) : null;
        ctx.auth.lastOnline.note('device', d.id);
        loginSucceeded(ctx, request, reply, { kind: 'device', uuid: d.uuid, via: 'token' });
        return sendJson(reply, 200, {
          device_info: {
            ...login.device,
            device_type: names.type,
            ...(names.subtype !== undefined ? { device_subtype: names.subtype } : {}),
          },
          participants_info: login.participants,
          session_types_info: sessionTypes,
          ...(url !== null ? { websocket_url: url } : {}),
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/device/logout',
      summary: "Log out: close the device's websockets (4000)",
      tags,
      security,
      args: TOKEN_ARGS,
      response: { 200: JsonText, 401: JsonText },
      authenticate: device,
      handle: async ({ request, reply, caller }) => {
        await forceDisconnect(
          ctx,
          request,
          { kind: 'device', uuid: caller.account.uuid },
          'logout',
        );
        return sendText(reply, 200, 'Device logged out.');
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/device/status',
      summary: 'Set the status of an online device; watchers get DEVICE_STATUS_CHANGED',
      description:
        '`status` is an object, or a string holding JSON text (stored, as by OpenTera, as that ' +
        "string's `json.dumps`); numbers keep the spelling they were sent with (`1.0` stays a " +
        'float). ' +
        "Refused with 413 when the status's `device_status` text (Python's `json.dumps` of " +
        '`{"status": <status as JSON text>, "timestamp": <timestamp>}`, with `\\uXXXX` escapes) is ' +
        'larger than `--max-device-status` bytes, and with 429 beyond `--device-status-burst` ' +
        'posts of one device per window of burst / `--device-status-rate` seconds. Neither is ' +
        'stored or announced.',
      tags,
      security,
      args: TOKEN_ARGS,
      body: DeviceStatusBody,
      parseJson: parseStatusJson,
      response: {
        200: DeviceStatusAnswer,
        400: Type.Union([JsonText, ErrorBody]),
        401: JsonText,
        403: JsonText,
        413: StatusTooLarge,
        429: StatusThrottled,
      },
      authenticate: device,
      handle: async ({ request, reply, caller }) => {
        const body = request.body as PyJson | undefined;
        if (!(body instanceof Map) || !body.has('status') || !body.has('timestamp'))
          return sendText(reply, 400, 'Missing arguments');
        const text = statusText(body.get('status'));
        const timestamp = timestampOf(body.get('timestamp'));
        if (text === null || timestamp === null)
          return sendText(
            reply,
            400,
            'Invalid arguments: status must be an object or a string of JSON text, and timestamp a number',
          );
        const d = caller.account;
        const retryAfter = await ctx.deviceStatusLimit.take(d.uuid);
        if (retryAfter > 0) {
          const address = clientAddress(request);
          const who = { kind: 'device', uuid: d.uuid, address } as const;
          ctx.auth.audit.throttled({ limit: 'device_status', ...who });
          reply.header('retry-after', String(retryAfter));
          return sendJson(reply, 429, {
            code: 'TOO_MANY_REQUESTS',
            message: 'Too many status updates from this device; try again later',
          });
        }
        const size = deviceStatusField(text, timestamp).length;
        const max = ctx.deps.config.maxDeviceStatus;
        if (size > max)
          return sendText(
            reply,
            413,
            `Status too large: ${size} bytes once encoded, at most ${max} allowed.`,
          );
        if (!(await updateDeviceStatus(ctx.deps, d, text, timestamp)))
          return sendText(reply, 403, 'Status update forbidden on offline device.');
        return sendJson(reply, 200, { uuid: d.uuid, status: text, timestamp: Number(timestamp) });
      },
    }),
  ];
}
