/**
 * GET /api/user/participants, as OpenTera's UserQueryParticipants: one selector (the first
 * given of id_participant/id, username, participant_uuid/uuid, id_site, id_project, id_group,
 * id_device, id_session, name) names participants, kept to those the caller may access.
 * Without any argument: 400 `Missing arguments`. When the selection is empty (out of the
 * caller's reach, or nothing there) the answer is OpenTera's 200 `null`. `participant_token`
 * is shown to the participant's project admins, site admins and superadmins only.
 */
import Type from 'typebox';
import type { UserAccess } from '../access/access.js';
import type { ApiContext } from '../http/context.js';
import { statusFields, statuses } from '../http/api/online.js';
import { bool, int, str, type Args } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import {
  devicesOfParticipants,
  groupRow,
  lastSessionStarts,
  projectRows,
  selectParticipants,
  sessionExists,
  type ParticipantRow,
  type ParticipantSelector,
} from '../store/queries/admin-participants.js';
import { deviceById } from '../store/queries/admin-devices.js';
import {
  deviceFull,
  groupJson,
  participantFull,
  participantMinimal,
  ParticipantItem,
  projectJson,
} from './participants-json.js';
import { accessOf, answers, Nullable, sendNull, userGetRoute } from './participants-kit.js';
import { participantPostRoute } from './participants-post.js';
import { participantDeleteRoute } from './participants-delete.js';

const ARGS = {
  id_participant: int('ID of the participant to query'),
  id: int('Alias for "id_participant"'),
  username: str('Username of the participant to query'),
  participant_uuid: str('Participant uuid of the participant to query'),
  uuid: str('Alias for "participant_uuid"'),
  id_site: int('ID of the site from which to get all participants'),
  id_project: int('ID of the project from which to get all participants'),
  id_group: int('ID of the participant group from which to get all participants'),
  id_session: int('ID of the session from which to get all participants'),
  id_device: int('ID of the device from which to get all associated participants'),
  name: str('Name of the participant to query'),
  enabled: bool('Only enabled (true) or disabled (false) participants'),
  list: bool('Minimal information only'),
  full: bool('Add the group, the devices and the project of each participant'),
  no_group: bool('Only participants without a group'),
  orderby_recents: bool('Most recently online first'),
  limit: int('At most this many participants'),
  offset: int('Skip this many participants first'),
};

type Q = Args<typeof ARGS>;

export const participantRoutes = (ctx: ApiContext): Route[] => [
  participantGetRoute(ctx),
  participantPostRoute(ctx),
  participantDeleteRoute(ctx),
];

function participantGetRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: '/api/user/participants',
    summary: 'Participants the caller may access, selected by one argument',
    description:
      'One of id_participant/id, username, participant_uuid/uuid, id_site, id_project, id_group, ' +
      'id_device, id_session, name is used (in that order of precedence). `null` when the ' +
      "selection is empty or out of the caller's reach.",
    args: ARGS,
    response: answers(Nullable(Type.Array(ParticipantItem))),
    handle: async ({ reply, caller, args }) => {
      const q: Q = {
        ...args,
        id_participant: args.id || args.id_participant,
        participant_uuid: args.uuid || args.participant_uuid,
      };
      const given = Object.values(q).some(
        (v) => v !== undefined && v !== false && v !== 0 && v !== '',
      );
      if (!given) return sendText(reply, 400, 'Missing arguments');
      const access = await accessOf(ctx, caller);
      const selected = await select(ctx, access, q);
      if (selected.length === 0) return sendNull(reply);
      return sendJson(reply, 200, await render(ctx, access, q, selected));
    },
  });
}

/** What `q`'s selector names among what the caller may see. */
async function select(ctx: ApiContext, access: UserAccess, q: Q): Promise<ParticipantRow[]> {
  const k = ctx.deps.db.kysely;
  const visible = (rows: ParticipantRow[]) =>
    rows.filter((p) => access.participantUuids.has(p.participant_uuid));
  const pick = async (s: ParticipantSelector, enabledOnly = false) =>
    visible(await selectParticipants(k, s, enabledOnly));
  const enabledOnly = q.enabled === true;
  if (q.id_participant) return pick({ by: 'id', id: q.id_participant });
  if (q.username !== undefined) return pick({ by: 'username', username: q.username });
  if (q.participant_uuid !== undefined) return pick({ by: 'uuid', uuid: q.participant_uuid });
  if (q.id_site)
    return access.siteIds.has(q.id_site) ? pick({ by: 'site', id: q.id_site }, enabledOnly) : [];
  if (q.id_project)
    return access.projectIds.has(q.id_project)
      ? pick({ by: 'project', id: q.id_project }, enabledOnly)
      : [];
  if (q.id_group) {
    const group = await groupRow(k, q.id_group);
    return group && access.projectIds.has(group.id_project)
      ? pick({ by: 'group', id: q.id_group })
      : [];
  }
  if (q.id_device) {
    const device = await deviceById(k, q.id_device);
    return device && access.deviceUuids.has(device.device_uuid)
      ? pick({ by: 'device', id: q.id_device })
      : [];
  }
  if (q.id_session)
    return (await sessionExists(k, q.id_session)) ? pick({ by: 'session', id: q.id_session }) : [];
  if (q.name) return pick({ by: 'name', name: q.name });
  return [];
}

/** Most recently online first; never-online ones last, newest first. */
function byRecent(a: ParticipantRow, b: ParticipantRow): number {
  const la = a.participant_lastonline ?? '';
  const lb = b.participant_lastonline ?? '';
  if (la !== lb) return la < lb ? 1 : -1;
  return b.id_participant - a.id_participant;
}

async function render(
  ctx: ApiContext,
  access: UserAccess,
  q: Q,
  selected: ParticipantRow[],
): Promise<Record<string, unknown>[]> {
  let rows = q.orderby_recents ? [...selected].sort(byRecent) : selected;
  if (q.enabled !== undefined) rows = rows.filter((p) => p.participant_enabled === q.enabled);
  if (q.no_group) rows = rows.filter((p) => p.id_participant_group === null);
  if (q.offset && q.offset > 0) rows = rows.slice(q.offset);
  if (q.limit !== undefined && q.limit > 0) rows = rows.slice(0, q.limit);

  const k = ctx.deps.db.kysely;
  const detailed = !q.list;
  const ids = rows.map((p) => p.id_participant);
  const withLastSession = detailed && Boolean(q.id_group || q.id_participant);
  const full = detailed && q.full === true;
  const [status, lastSessions, extras] = await Promise.all([
    statuses(ctx, 'participant'),
    withLastSession ? lastSessionStarts(k, ids) : Promise.resolve(new Map<number, string>()),
    full ? fullExtras(ctx, rows) : Promise.resolve(null),
  ]);
  return rows.map((p) => ({
    ...(detailed
      ? participantFull(p, access.admin.participantUuids.has(p.participant_uuid))
      : participantMinimal(p)),
    ...(detailed && q.id_participant ? { id_site: p.id_site } : {}),
    ...(withLastSession
      ? { participant_lastsession: lastSessions.get(p.id_participant) ?? null }
      : {}),
    ...(extras ? extras(p, access) : {}),
    ...statusFields('participant', status, p.participant_uuid),
  }));
}

/** With `full`: each participant's group, devices and project. */
async function fullExtras(ctx: ApiContext, rows: ParticipantRow[]) {
  const k = ctx.deps.db.kysely;
  const groupIds = [...new Set(rows.flatMap((p) => p.id_participant_group ?? []))];
  const [groups, devices, projects] = await Promise.all([
    Promise.all(groupIds.map((id) => groupRow(k, id))),
    devicesOfParticipants(
      k,
      rows.map((p) => p.id_participant),
    ),
    projectRows(k, [...new Set(rows.map((p) => p.id_project))]),
  ]);
  const groupById = new Map(groups.flatMap((g) => (g ? [[g.id_participant_group, g]] : [])));
  const projectById = new Map(projects.map((p) => [p.id_project, p]));
  return (p: ParticipantRow, access: UserAccess) => {
    const group =
      p.id_participant_group === null ? undefined : groupById.get(p.id_participant_group);
    const project = projectById.get(p.id_project);
    return {
      ...(group ? { participant_participant_group: groupJson(group, false) } : {}),
      participant_devices: devices
        .filter((d) => d.id_participant === p.id_participant)
        .map(({ id_participant: _, ...d }) =>
          deviceFull(d, access.admin.deviceUuids.has(d.device_uuid)),
        ),
      ...(project ? { participant_project: projectJson(project) } : {}),
    };
  };
}
