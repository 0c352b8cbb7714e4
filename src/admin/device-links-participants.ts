/**
 * /api/user/deviceparticipants, as OpenTera's UserQueryDeviceParticipants. GET (id_device,
 * id_participant with an optional id_device_type, or id_site): the device-participant links
 * between devices and participants the caller may see; unless `list`, with the names and the
 * device's JSON (`device_token` for its site admins only). POST `{"device_participant": {...}
 * | [...]}` links a device to a participant: the caller must be admin of the participant's
 * project and see the device, and the device must belong to that project. DELETE `?id=`
 * removes one link under the same rule.
 */
import Type from 'typebox';
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { ApiContext } from '../http/context.js';
import { bool, int, type Args } from '../http/query.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { JsonText } from '../http/schemas.js';
import type { Database } from '../store/schema.js';
import {
  deviceById,
  deviceParticipantById,
  deviceParticipantLinks,
  deviceProjectLinks,
  selectDevices,
} from '../store/queries/admin-devices.js';
import { selectParticipants } from '../store/queries/admin-participants.js';
import { linkItem, linkObjects } from './device-links-kit.js';
import { linkParticipant, unlinkParticipant, type LinkEvent } from './device-links-ops.js';
import { deviceFull, DeviceJson } from './participants-json.js';
import {
  accessOf,
  answers,
  bodyObject,
  deleteId,
  isId,
  isRefusal,
  publishChange,
  refuse,
  transact,
  userGetRoute,
  userWriteRoute,
  type Refusal,
} from './participants-kit.js';

const URL = '/api/user/deviceparticipants';

const ARGS = {
  id_device: int('ID of the device from which to request all associated participants'),
  id_participant: int('ID of the participant from which to request all associated devices'),
  id_site: int('ID of the site from which to get all devices and associated participants'),
  id_device_type: int('With id_participant: only devices of this type'),
  list: bool('Ids only'),
};

const Item = linkItem('id_device_participant', 'id_participant', {
  participant_name: Type.Optional(Type.String()),
  device_name: Type.Optional(Type.String()),
  device_participant_device: Type.Optional(DeviceJson),
});

export const deviceParticipantRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: URL,
    summary: 'Device-participant links the caller may see',
    args: ARGS,
    response: answers(Type.Array(Item)),
    handle: async ({ reply, caller, args }) => {
      if (!Object.values(args).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const access = await accessOf(ctx, caller);
      const k = ctx.deps.db.kysely;
      const links = await select(k, access, args);
      if (args.list || links.length === 0)
        return sendJson(
          reply,
          200,
          links.map((l) => ({
            id_device_participant: l.id_device_participant,
            id_device: l.id_device,
            id_participant: l.id_participant,
          })),
        );
      const devices = new Map((await selectDevices(k, { by: 'all' })).map((d) => [d.id_device, d]));
      return sendJson(
        reply,
        200,
        links.flatMap((l) => {
          const d = devices.get(l.id_device);
          if (!d) return [];
          return [
            {
              id_device_participant: l.id_device_participant,
              id_device: l.id_device,
              id_participant: l.id_participant,
              participant_name: l.participant_name,
              device_name: l.device_name,
              device_participant_device: deviceFull(d, access.admin.deviceUuids.has(d.device_uuid)),
            },
          ];
        }),
      );
    },
  });
}

async function select(k: Kysely<Database>, access: UserAccess, args: Args<typeof ARGS>) {
  const visibleDevices = new Set(
    (await selectDevices(k, { by: 'all' }))
      .filter((d) => access.deviceUuids.has(d.device_uuid))
      .map((d) => d.id_device),
  );
  const visible = <T extends { participant_uuid: string; id_device: number }>(links: T[]) =>
    links.filter(
      (l) => access.participantUuids.has(l.participant_uuid) && visibleDevices.has(l.id_device),
    );
  if (args.id_device) {
    if (!visibleDevices.has(args.id_device)) return [];
    return visible(await deviceParticipantLinks(k, { devices: [args.id_device] }));
  }
  if (args.id_participant) {
    const [p] = await selectParticipants(k, { by: 'id', id: args.id_participant });
    if (!p || !access.participantUuids.has(p.participant_uuid)) return [];
    return visible(
      await deviceParticipantLinks(k, {
        participant: p.id_participant,
        ...(args.id_device_type ? { deviceType: args.id_device_type } : {}),
      }),
    );
  }
  if (args.id_site) {
    if (!access.siteIds.has(args.id_site)) return [];
    return visible(await deviceParticipantLinks(k, { site: args.id_site }));
  }
  return [];
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: URL,
    summary: 'Link devices to participants',
    body: Type.Object({
      device_participant: Type.Unknown({
        description: '{id_device, id_participant}, or a list of them',
      }),
    }),
    response: answers(Type.Array(Item)),
    handle: async ({ request, reply, caller }) => {
      const body = bodyObject(request.body);
      if (!body || !Object.hasOwn(body, 'device_participant'))
        return sendText(reply, 400, 'Missing device_participant');
      const objects = linkObjects(body.device_participant);
      if (!objects) return sendText(reply, 400, '');
      const wanted: Array<{ id_device: number; id_participant: number }> = [];
      for (const o of objects) {
        if (!isId(o.id_device) || !isId(o.id_participant)) return sendText(reply, 400, '');
        wanted.push({ id_device: o.id_device, id_participant: o.id_participant });
      }
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const events: LinkEvent[] = [];
        const links: Record<string, unknown>[] = [];
        for (const w of wanted) {
          const allowed = await mayLink(trx, access, w.id_device, w.id_participant);
          if (isRefusal(allowed)) return allowed;
          const made = await linkParticipant(trx, w.id_device, w.id_participant);
          events.push(...made.events);
          links.push({
            id_device_participant: made.id,
            ...w,
            ...(made.created
              ? { participant_name: allowed.participantName, device_name: allowed.deviceName }
              : {}),
          });
        }
        return { links, events };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendJson(reply, 200, outcome.links);
    },
  });
}

/** Whether the caller may link (or unlink) this device and participant, and their names. */
async function mayLink(
  k: Kysely<Database>,
  access: UserAccess,
  idDevice: number,
  idParticipant: number,
): Promise<Refusal | { participantName: string; deviceName: string }> {
  const [participant] = await selectParticipants(k, { by: 'id', id: idParticipant });
  const device = await deviceById(k, idDevice);
  if (
    !participant ||
    !device ||
    !access.admin.participantUuids.has(participant.participant_uuid) ||
    !access.deviceUuids.has(device.device_uuid)
  )
    return refuse(403, 'Forbidden');
  const inProject = await deviceProjectLinks(k, {
    devices: [idDevice],
    project: participant.id_project,
  });
  if (inProject.length === 0) return refuse(403, 'Device not assigned to project or participant');
  return { participantName: participant.participant_name, deviceName: device.device_name };
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: URL,
    summary: 'Remove one device-participant link (by the link id)',
    args: { id: int('ID of the device-participant link to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(
        request.query,
        reply,
        'Specific device-participant association ID to delete. Be careful: this is not the device or the participant ID, but the ID of the association itself!',
      );
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const link = await deviceParticipantById(trx, id);
        if (!link) return refuse(400, 'Not found');
        const [participant] = await selectParticipants(trx, { by: 'id', id: link.id_participant });
        const device = await deviceById(trx, link.id_device);
        if (
          participant &&
          device &&
          (!access.admin.participantUuids.has(participant.participant_uuid) ||
            !access.deviceUuids.has(device.device_uuid))
        )
          return refuse(403, 'Forbidden');
        if ((!participant || !device) && !access.superadmin) return refuse(403, 'Forbidden');
        return { events: await unlinkParticipant(trx, link) };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendText(reply, 200, '');
    },
  });
}
