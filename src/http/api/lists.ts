/**
 * The read side OpenTera clients use to find devices and participants (and their static
 * tokens): GET /api/user/devices and GET /api/user/participants, with OpenTera's main query
 * arguments. Rows are limited to the caller's access sets. Static tokens are
 * secrets that log a device or participant in for good, so `device_token` and
 * `participant_token` are returned only to callers with admin access to that device (admin of
 * one of its sites) or participant (admin of its project), and superadmins.
 */
import Type from 'typebox';
import { userGet, type ApiContext } from '../context.js';
import { queryDevices, queryParticipants } from '../../store/queries/lists.js';
import { statusFields, statuses, type Status } from './online.js';
import { bool, int, str } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import { defineRoute, type Route } from '../route.js';
import {
  ArgsErrorBody,
  DeviceListItem,
  JsonText,
  listResponses,
  ParticipantListItem,
} from '../schemas.js';

const DEVICE_ARGS = {
  id_device: int('Device id'),
  device_uuid: str('Device uuid'),
  uuid: str('Alias of device_uuid'),
  id_site: int('Devices of this site'),
  id_project: int('Devices of this project'),
  id_device_type: int('Devices of this type'),
  id_device_subtype: int('Devices of this subtype'),
  name: str('Device name'),
  enabled: bool('Only enabled (true) or disabled (false) devices'),
  list: bool('Minimal fields only'),
  with_status: bool('Add device_online and device_busy'),
};

const PARTICIPANT_ARGS = {
  id_participant: int('Participant id'),
  id: int('Alias of id_participant'),
  participant_uuid: str('Participant uuid'),
  uuid: str('Alias of participant_uuid'),
  username: str('Participant username'),
  name: str('Participant name'),
  id_site: int('Participants of this site'),
  id_project: int('Participants of this project'),
  id_group: int('Participants of this participant group'),
  id_device: int('Participants linked to this device'),
  enabled: bool('Only enabled (true) or disabled (false) participants'),
  list: bool('Minimal fields only'),
  no_group: bool('Only participants without a group'),
};

/** A list's 400: OpenTera's text (too many or missing selectors) or an argument error. */
const BadListRequest = Type.Union([JsonText, ArgsErrorBody]);

export const listRoutes = (ctx: ApiContext): Route[] => [devicesRoute(ctx), participantsRoute(ctx)];

function devicesRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/devices',
    summary: 'Devices the caller may access, optionally filtered',
    description:
      'At most one of id_device, device_uuid/uuid, id_site, id_project, id_device_subtype, name ' +
      '(id_device_type combines with any). Without one, every accessible device.',
    args: DEVICE_ARGS,
    response: listResponses(DeviceListItem, BadListRequest),
    handle: async ({ reply, caller, args: q }) => {
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
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
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
            ...(q.with_status ? statusFields('device', status, d.device_uuid) : {}),
          };
        }),
      );
    },
  });
}

function participantsRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGet(ctx),
    url: '/api/user/participants',
    summary: 'Participants the caller may access, selected by one argument',
    description:
      'One of id_participant/id, participant_uuid/uuid, username, name, id_site, id_project, id_group, ' +
      'id_device is required (400 "Missing arguments" otherwise).',
    args: PARTICIPANT_ARGS,
    response: listResponses(ParticipantListItem, BadListRequest),
    handle: async ({ reply, caller, args: q }) => {
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
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
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
            ...statusFields('participant', status, p.participant_uuid),
          }),
        ),
      );
    },
  });
}
