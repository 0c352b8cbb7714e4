/**
 * The read side OpenTera clients use to find devices and participants (and their static
 * tokens): GET /api/user/devices and GET /api/user/participants, with OpenTera's main query
 * arguments. Rows are limited to the caller's access sets (spec §5.4). Static tokens are
 * secrets that log a device or participant in for good, so `device_token` and
 * `participant_token` are returned only to callers with admin access to that device (admin of
 * one of its sites) or participant (admin of its project), and superadmins.
 */
import Type, { type TSchema } from 'typebox';
import { isRefusal } from '../../auth/authenticate.js';
import type { App } from '../app.js';
import { apiUser, registerPath, type ApiContext } from '../context.js';
import { queryDevices, queryParticipants } from '../../store/queries/lists.js';
import { OFFLINE, statuses, type Status } from './online.js';
import { parseArgs } from '../query.js';
import { sendArgsError, sendJson, sendRefusal, sendText } from '../replies.js';
import {
  ArgsErrorBody,
  BASIC_OR_TOKEN,
  DeviceListItem,
  ErrorBody,
  JsonText,
  ParticipantListItem,
  QBool,
  QInt,
  QStr,
  UserUnauthorized,
  query,
} from '../schemas.js';

export const DEVICE_ARGS = {
  id_device: 'int',
  device_uuid: 'string',
  uuid: 'string',
  id_site: 'int',
  id_project: 'int',
  id_device_type: 'int',
  id_device_subtype: 'int',
  name: 'string',
  enabled: 'boolean',
  list: 'boolean',
  with_status: 'boolean',
} as const;

export const PARTICIPANT_ARGS = {
  id_participant: 'int',
  id: 'int',
  participant_uuid: 'string',
  uuid: 'string',
  username: 'string',
  name: 'string',
  id_site: 'int',
  id_project: 'int',
  id_group: 'int',
  id_device: 'int',
  enabled: 'boolean',
  list: 'boolean',
  no_group: 'boolean',
} as const;

/** The answers of a list of `item`. */
const listResponses = (item: TSchema) => ({
  200: Type.Array(item),
  400: Type.Union([JsonText, ArgsErrorBody]),
  401: UserUnauthorized,
  429: ErrorBody,
});

export function registerListRoutes(app: App, ctx: ApiContext): void {
  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/devices',
      schema: {
        summary: 'Devices the caller may access, optionally filtered',
        description:
          'At most one of id_device, device_uuid/uuid, id_site, id_project, id_device_subtype, name ' +
          '(id_device_type combines with any). Without one, every accessible device.',
        tags: ['user'],
        security: BASIC_OR_TOKEN,
        querystring: query({
          id_device: QInt('Device id'),
          device_uuid: QStr('Device uuid'),
          uuid: QStr('Alias of device_uuid'),
          id_site: QInt('Devices of this site'),
          id_project: QInt('Devices of this project'),
          id_device_type: QInt('Devices of this type'),
          id_device_subtype: QInt('Devices of this subtype'),
          name: QStr('Device name'),
          enabled: QBool('Only enabled (true) or disabled (false) devices'),
          list: QBool('Minimal fields only'),
          with_status: QBool('Add device_online and device_busy'),
        }),
        response: listResponses(DeviceListItem),
      },
      handler: async (request, reply) => {
        const a = await apiUser(ctx, request);
        if (isRefusal(a)) return sendRefusal(reply, a);
        const parsed = parseArgs(request.query, DEVICE_ARGS);
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const q = parsed.args;
        const selectors = [
          q.id_device,
          q.device_uuid ?? q.uuid,
          q.id_site,
          q.id_project,
          q.id_device_subtype,
          q.name,
        ];
        if (selectors.filter((v) => v !== undefined).length > 1)
          return sendText(reply, 400, 'Too many IDs');
        const access = await ctx.deps.access.userAccess(a.account.uuid);
        if (!access) return sendJson(reply, 200, []);
        const rows = (
          await queryDevices(ctx.deps.db, { ...q, device_uuid: q.device_uuid ?? q.uuid })
        ).filter((d) => access.deviceUuids.has(d.device_uuid));
        const status = q.with_status ? await statuses(ctx, 'device') : new Map<string, Status>();
        return sendJson(
          reply,
          200,
          rows.map(({ device_token, subtype, ...d }) => {
            const minimal = {
              id_device: d.id_device,
              device_uuid: d.device_uuid,
              device_name: d.device_name,
              id_device_type: d.id_device_type,
              id_device_subtype: d.id_device_subtype,
              device_enabled: d.device_enabled,
            };
            return {
              ...(q.list ? minimal : d),
              ...(!q.list && access.admin.deviceUuids.has(d.device_uuid) ? { device_token } : {}),
              ...(subtype ? { device_subtype: subtype } : {}),
              ...(q.with_status
                ? {
                    device_online: (status.get(d.device_uuid) ?? OFFLINE).online,
                    device_busy: (status.get(d.device_uuid) ?? OFFLINE).busy,
                  }
                : {}),
            };
          }),
        );
      },
    },
  ]);

  registerPath(app, [
    {
      method: 'GET',
      url: '/api/user/participants',
      schema: {
        summary: 'Participants the caller may access, selected by one argument',
        description:
          'One of id_participant/id, participant_uuid/uuid, username, name, id_site, id_project, id_group, ' +
          'id_device is required (400 "Missing arguments" otherwise).',
        tags: ['user'],
        security: BASIC_OR_TOKEN,
        querystring: query({
          id_participant: QInt('Participant id'),
          id: QInt('Alias of id_participant'),
          participant_uuid: QStr('Participant uuid'),
          uuid: QStr('Alias of participant_uuid'),
          username: QStr('Participant username'),
          name: QStr('Participant name'),
          id_site: QInt('Participants of this site'),
          id_project: QInt('Participants of this project'),
          id_group: QInt('Participants of this participant group'),
          id_device: QInt('Participants linked to this device'),
          enabled: QBool('Only enabled (true) or disabled (false) participants'),
          list: QBool('Minimal fields only'),
          no_group: QBool('Only participants without a group'),
        }),
        response: listResponses(ParticipantListItem),
      },
      handler: async (request, reply) => {
        const a = await apiUser(ctx, request);
        if (isRefusal(a)) return sendRefusal(reply, a);
        const parsed = parseArgs(request.query, PARTICIPANT_ARGS);
        if (!parsed.ok) return sendArgsError(reply, parsed.body);
        const q = parsed.args;
        const filter = {
          id_participant: q.id_participant ?? q.id,
          participant_uuid: q.participant_uuid ?? q.uuid,
          username: q.username,
          name: q.name,
          id_site: q.id_site,
          id_project: q.id_project,
          id_group: q.id_group,
          id_device: q.id_device,
        };
        if (Object.values(filter).every((v) => v === undefined || v === 0 || v === ''))
          return sendText(reply, 400, 'Missing arguments');
        const access = await ctx.deps.access.userAccess(a.account.uuid);
        if (!access) return sendJson(reply, 200, []);
        const rows = (
          await queryParticipants(ctx.deps.db, {
            ...filter,
            enabled: q.enabled,
            no_group: q.no_group,
          })
        ).filter((p) => access.participantUuids.has(p.participant_uuid));
        const status = await statuses(ctx, 'participant');
        return sendJson(
          reply,
          200,
          rows.map(
            ({
              participant_token,
              participant_username,
              participant_lastonline,
              participant_login_enabled,
              id_site,
              ...p
            }) => ({
              ...p,
              ...(q.list
                ? {}
                : { participant_username, participant_lastonline, participant_login_enabled }),
              ...(!q.list && access.admin.participantUuids.has(p.participant_uuid)
                ? { participant_token }
                : {}),
              ...(!q.list && filter.id_participant !== undefined ? { id_site } : {}),
              participant_online: (status.get(p.participant_uuid) ?? OFFLINE).online,
              participant_busy: (status.get(p.participant_uuid) ?? OFFLINE).busy,
            }),
          ),
        );
      },
    },
  ]);
}
