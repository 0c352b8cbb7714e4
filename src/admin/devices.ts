/**
 * GET /api/user/devices, as OpenTera's UserQueryDevices: at most one of id_device/id,
 * device_uuid, uuid, id_site, id_project, id_device_subtype, name (two, even naming the same
 * device, are 400 `Too many IDs`); none: every device the caller may access. id_device_type
 * narrows that list, or the devices of a site or project. Rows are the devices the caller may
 * access; `device_token` is shown to admins of one of the device's sites and superadmins.
 * `with_status` adds `device_online`, `device_busy` and `device_status` (the status entry,
 * null while offline), as /api/user/devices/online does.
 */
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import type { ApiContext } from '../http/context.js';
import { statuses } from '../http/api/online.js';
import { bool, int, str, type Args } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import {
  deviceParticipantLinks,
  deviceProjectLinks,
  deviceSiteLinks,
  selectDevices,
  type DeviceRow,
  type DeviceSelector,
} from '../store/queries/admin-devices.js';
import {
  deviceFull,
  deviceMinimal,
  DeviceJson,
  ProjectJson,
  projectJson,
} from './participants-json.js';
import { accessOf, answers, Nullable, userGetRoute } from './participants-kit.js';
import { devicePostRoute } from './devices-post.js';
import { deviceDeleteRoute } from './devices-delete.js';

const ARGS = {
  id: int('ID of the device to query'),
  id_device: int('ID of the device to query'),
  device_uuid: str('Device uuid of the device to query'),
  uuid: str('Alias for "device_uuid"'),
  id_site: int('ID of the site from which to get all associated devices'),
  id_project: int('ID of the project from which to get all associated devices'),
  id_device_type: int('Devices of this type; combines with id_site or id_project'),
  id_device_subtype: int('Devices of this subtype'),
  name: str('Name of the device to query'),
  projects: bool('Add the projects of each device (device_projects)'),
  enabled: bool('true: only enabled devices'),
  list: bool('Minimal information only'),
  with_participants: bool('Add the participants of each device (device_participants)'),
  with_sites: bool('Add the sites of each device (device_sites)'),
  with_status: bool('Add device_online, device_busy and device_status'),
};

type Q = Args<typeof ARGS>;

const StatusEntry = Type.Object({
  online: Type.Boolean(),
  busy: Type.Boolean(),
  status: Nullable(Type.Object({ status: Type.String(), timestamp: Type.Number() })),
});

export const DeviceItem = Type.Object(
  {
    ...DeviceJson.properties,
    device_subtype: Type.Optional(
      Type.Object({
        id_device_subtype: Type.Integer(),
        id_device_type: Type.Integer(),
        device_subtype_name: Type.String(),
      }),
    ),
    device_participants: Type.Optional(
      Type.Array(
        Type.Object({
          id_participant: Type.Integer(),
          participant_name: Type.String(),
          id_project: Type.Integer(),
          project_name: Type.Optional(Type.String()),
        }),
      ),
    ),
    device_sites: Type.Optional(
      Type.Array(
        Type.Object({
          id_site: Type.Integer(),
          site_name: Type.Optional(Type.String()),
          site_2fa_required: Type.Boolean(),
        }),
      ),
    ),
    device_projects: Type.Optional(
      Type.Array(
        Type.Object({
          id_device_project: Type.Integer(),
          id_device: Type.Integer(),
          id_project: Type.Integer(),
          project: Type.Optional(ProjectJson),
        }),
      ),
    ),
    device_online: Type.Optional(Type.Boolean()),
    device_busy: Type.Optional(Type.Boolean()),
    device_status: Type.Optional(Nullable(StatusEntry)),
  },
  { additionalProperties: false },
);

export const deviceRoutes = (ctx: ApiContext): Route[] => [
  deviceGetRoute(ctx),
  devicePostRoute(ctx),
  deviceDeleteRoute(ctx),
];

function deviceGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: '/api/user/devices',
    summary: 'Devices the caller may access, optionally selected by one argument',
    description:
      'At most one of id_device/id, device_uuid, uuid, id_site, id_project, id_device_subtype, ' +
      'name (400 "Too many IDs" otherwise); id_device_type narrows the list, a site or a project.',
    args: ARGS,
    response: answers(Type.Array(DeviceItem)),
    handle: async ({ reply, caller, args }) => {
      const q: Q = { ...args, id_device: args.id || args.id_device };
      const named = [q.id_device, q.device_uuid, q.uuid, q.id_site, q.id_project];
      named.push(q.id_device_subtype, q.name);
      const selectors = named.filter((v) => v !== undefined).length;
      // As OpenTera counts: `id` alone counts as an argument but not as an id.
      const all = selectors === 0 && q.id === undefined;
      if (!all && selectors !== 1) return sendText(reply, 400, 'Too many IDs');
      const access = await accessOf(ctx, caller);
      const rows = await select(ctx, access, q, all);
      return sendJson(reply, 200, await render(ctx, access, q, rows));
    },
  });
}

async function select(
  ctx: ApiContext,
  access: UserAccess,
  q: Q,
  all: boolean,
): Promise<DeviceRow[]> {
  const k = ctx.deps.db.kysely;
  const pick = async (s: DeviceSelector, type?: number) =>
    (
      await selectDevices(k, s, { ...(type !== undefined ? { type } : {}), enabledOnly: q.enabled })
    ).filter((d) => access.deviceUuids.has(d.device_uuid));
  if (all)
    return q.id_device_type === undefined
      ? pick({ by: 'all' })
      : pick({ by: 'type', id: q.id_device_type });
  if (q.id_device) return pick({ by: 'id', id: q.id_device });
  const uuid = q.device_uuid || q.uuid;
  if (uuid) return pick({ by: 'uuid', uuid });
  if (q.id_site)
    return access.siteIds.has(q.id_site)
      ? pick({ by: 'site', id: q.id_site }, q.id_device_type)
      : [];
  if (q.id_project)
    return access.projectIds.has(q.id_project)
      ? pick({ by: 'project', id: q.id_project }, q.id_device_type)
      : [];
  if (q.id_device_subtype) return pick({ by: 'subtype', id: q.id_device_subtype });
  if (q.name) return pick({ by: 'name', name: q.name });
  return [];
}

async function render(
  ctx: ApiContext,
  access: UserAccess,
  q: Q,
  rows: DeviceRow[],
): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const k = ctx.deps.db.kysely;
  const ids = rows.map((d) => d.id_device);
  const [participants, sites, projects, status, deviceStatus] = await Promise.all([
    q.with_participants ? deviceParticipantLinks(k, { devices: ids }) : [],
    q.with_sites ? deviceSiteLinks(k, { devices: ids }) : [],
    q.projects ? deviceProjectLinks(k, { devices: ids }) : [],
    q.with_status ? statuses(ctx, 'device') : null,
    q.with_status ? ctx.deps.presence.deviceStatuses() : null,
  ]);
  const of = <T extends { id_device: number }>(links: T[], d: DeviceRow) =>
    links.filter((l) => l.id_device === d.id_device);
  return rows.map((d) => {
    const s = status?.get(d.device_uuid);
    const st = deviceStatus?.get(d.device_uuid);
    return {
      ...(q.list ? deviceMinimal(d) : deviceFull(d, access.admin.deviceUuids.has(d.device_uuid))),
      ...(q.with_participants
        ? {
            device_participants: of(participants, d)
              .filter((p) => access.participantUuids.has(p.participant_uuid))
              .map((p) => ({
                id_participant: p.id_participant,
                participant_name: p.participant_name,
                id_project: p.id_project,
                ...(q.list ? {} : { project_name: p.project_name }),
              })),
          }
        : {}),
      ...(q.with_sites
        ? {
            device_sites: of(sites, d)
              .filter((l) => access.siteIds.has(l.id_site))
              .map((l) => ({
                id_site: l.id_site,
                ...(q.list ? {} : { site_name: l.site_name }),
                site_2fa_required: l.site_2fa_required,
              })),
          }
        : {}),
      ...(q.projects
        ? {
            device_projects: of(projects, d)
              .filter((l) => access.projectIds.has(l.id_project))
              .map((l) => ({
                id_device_project: l.id_device_project,
                id_device: l.id_device,
                id_project: l.id_project,
                ...(q.list ? {} : { project: projectJson(l) }),
              })),
          }
        : {}),
      ...(d.subtype ? { device_subtype: d.subtype } : {}),
      ...(q.with_status
        ? {
            device_busy: s?.busy ?? false,
            device_online: s?.online ?? false,
            device_status: s
              ? {
                  online: s.online,
                  busy: s.busy,
                  status: st ? { status: st.status, timestamp: st.timestamp } : null,
                }
              : null,
          }
        : {}),
    };
  });
}
