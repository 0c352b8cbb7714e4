/**
 * DELETE /api/user/devices?id=, as OpenTera's UserQueryDevices. A superadmin deletes the
 * device; another caller needs admin access to at least one project and to see the device:
 * when every project of the device is one it administers, the device is deleted, otherwise it
 * only leaves the caller's projects. A device still linked to participants, in a session, or
 * creator of a session is not deleted (500, OpenTera's texts). The delete is soft; its
 * DatabaseEvent carries the device's uuid so that every node disconnects it.
 */
import type { ApiContext } from '../http/context.js';
import { int } from '../http/query.js';
import { sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { JsonText } from '../http/schemas.js';
import {
  deviceById,
  deviceDependants,
  deviceProjectLinks,
  softDeleteDevice,
} from '../store/queries/admin-devices.js';
import { unlinkProject, type LinkEvent } from './device-links-ops.js';
import {
  accessOf,
  answers,
  deleteId,
  isRefusal,
  nowIso,
  publishChange,
  refuse,
  transact,
  userWriteRoute,
} from './participants-kit.js';

export const DEVICE_HAS_PARTICIPANTS =
  "Can't delete device: please delete all participants association before deleting.";
export const DEVICE_IN_SESSIONS =
  "Can't delete device: please remove all sessions referring to that device before deleting.";
export const DEVICE_CREATED_SESSIONS =
  "Can't delete device: please remove all sessions created by that device before deleting.";

export function deviceDeleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: '/api/user/devices',
    summary: "Delete a device, or take it out of the caller's projects",
    args: { id: int('Device ID to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(request.query, reply, 'Device ID to delete');
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const device = await deviceById(trx, id);
        if (!device) return refuse(400, 'Invalid id');
        const links = await deviceProjectLinks(trx, { devices: [id] });
        let full = access.superadmin;
        if (!access.superadmin) {
          if (access.admin.projectIds.size === 0 || !access.deviceUuids.has(device.device_uuid))
            return refuse(403, 'Forbidden');
          full = links.every((l) => access.admin.projectIds.has(l.id_project));
        }
        if (!full) {
          const events: LinkEvent[] = [];
          for (const l of links) {
            if (!access.admin.projectIds.has(l.id_project)) continue;
            const removed = await unlinkProject(trx, id, l.id_project);
            if (isRefusal(removed)) return removed;
            events.push(...removed);
          }
          return { events };
        }
        const dependants = await deviceDependants(trx, id);
        if (dependants.participants) return refuse(500, DEVICE_HAS_PARTICIPANTS);
        if (dependants.sessions) return refuse(500, DEVICE_IN_SESSIONS);
        if (dependants.created) return refuse(500, DEVICE_CREATED_SESSIONS);
        await softDeleteDevice(trx, id, nowIso());
        const deleted: LinkEvent[] = [];
        return { events: deleted, uuid: device.device_uuid };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      if ('uuid' in outcome)
        await publishChange(ctx, 'device', 'delete', { id_device: id, device_uuid: outcome.uuid });
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendText(reply, 200, 'Device successfully deleted');
    },
  });
}
