/**
 * The writes on a device's links to sites, projects and participants, shared by
 * /api/user/devices and the /api/user/device{sites,projects,participants} routes. Each runs in
 * the caller's transaction and returns the DatabaseEvents to publish once it commits (models
 * `device_site`, `device_project`, `device_participant`), or a refusal. Removing a device from
 * a site also removes it from that site's projects; neither is allowed while the device is
 * linked to participants of that site or project.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import {
  deleteDeviceParticipants,
  deleteDeviceProjects,
  deleteDeviceSites,
  deviceParticipantLinks,
  deviceProjectLinks,
  deviceSiteLinks,
  insertDeviceParticipant,
  insertDeviceProject,
  insertDeviceSite,
} from '../store/queries/admin-devices.js';
import type { DbChange } from './events.js';
import { refuse, type Json, type Refusal } from './participants-kit.js';

type K = Kysely<Database>;

export interface LinkEvent {
  model: 'device_site' | 'device_project' | 'device_participant';
  change: DbChange;
  object: Json;
}

export const SITE_HAS_PARTICIPANTS =
  "Can't delete device from site: please delete all participants association before deleting.";
export const PROJECT_HAS_PARTICIPANTS =
  "Can't delete device from project: please delete all participants association before deleting.";

/** Links the device to the site unless it already is; the link's id and events. */
export async function linkSite(
  k: K,
  device: number,
  site: number,
): Promise<{ id: number; events: LinkEvent[] }> {
  const [existing] = await deviceSiteLinks(k, { devices: [device], site });
  if (existing) return { id: existing.id_device_site, events: [] };
  const id = await insertDeviceSite(k, device, site);
  const object = { id_device_site: id, id_device: device, id_site: site };
  return { id, events: [{ model: 'device_site', change: 'create', object }] };
}

/** Unlinks the device from the site and from that site's projects. */
export async function unlinkSite(
  k: K,
  device: number,
  site: number,
): Promise<LinkEvent[] | Refusal> {
  const links = await deviceSiteLinks(k, { devices: [device], site });
  if (links.length === 0) return [];
  const participants = await deviceParticipantLinks(k, { devices: [device], site });
  if (participants.length > 0) return refuse(500, SITE_HAS_PARTICIPANTS);
  const projects = (await deviceProjectLinks(k, { devices: [device] })).filter(
    (p) => p.id_site === site,
  );
  await deleteDeviceProjects(
    k,
    projects.map((p) => p.id_device_project),
  );
  await deleteDeviceSites(
    k,
    links.map((l) => l.id_device_site),
  );
  return [
    ...projects.map((p): LinkEvent => ({
      model: 'device_project',
      change: 'delete',
      object: {
        id_device_project: p.id_device_project,
        id_device: device,
        id_project: p.id_project,
      },
    })),
    ...links.map((l): LinkEvent => ({
      model: 'device_site',
      change: 'delete',
      object: { id_device_site: l.id_device_site, id_device: device, id_site: site },
    })),
  ];
}

/** Links the device to the project unless it already is; the link's id and events. */
export async function linkProject(
  k: K,
  device: number,
  project: number,
): Promise<{ id: number; events: LinkEvent[] }> {
  const [existing] = await deviceProjectLinks(k, { devices: [device], project });
  if (existing) return { id: existing.id_device_project, events: [] };
  const id = await insertDeviceProject(k, device, project);
  const object = { id_device_project: id, id_device: device, id_project: project };
  return { id, events: [{ model: 'device_project', change: 'create', object }] };
}

/** Unlinks the device from the project. */
export async function unlinkProject(
  k: K,
  device: number,
  project: number,
): Promise<LinkEvent[] | Refusal> {
  const links = await deviceProjectLinks(k, { devices: [device], project });
  if (links.length === 0) return [];
  const participants = (await deviceParticipantLinks(k, { devices: [device] })).filter(
    (p) => p.id_project === project,
  );
  if (participants.length > 0) return refuse(500, PROJECT_HAS_PARTICIPANTS);
  await deleteDeviceProjects(
    k,
    links.map((l) => l.id_device_project),
  );
  return links.map((l) => ({
    model: 'device_project',
    change: 'delete',
    object: { id_device_project: l.id_device_project, id_device: device, id_project: project },
  }));
}

/** Links the device to the participant unless it already is; the link's id and events. */
export async function linkParticipant(
  k: K,
  device: number,
  participant: number,
): Promise<{ id: number; created: boolean; events: LinkEvent[] }> {
  const [existing] = await deviceParticipantLinks(k, { devices: [device], participant });
  if (existing) return { id: existing.id_device_participant, created: false, events: [] };
  const id = await insertDeviceParticipant(k, device, participant);
  const object = { id_device_participant: id, id_device: device, id_participant: participant };
  return { id, created: true, events: [{ model: 'device_participant', change: 'create', object }] };
}

/** Removes one device-participant link. */
export async function unlinkParticipant(
  k: K,
  link: { id_device_participant: number; id_device: number; id_participant: number },
): Promise<LinkEvent[]> {
  await deleteDeviceParticipants(k, [link.id_device_participant]);
  return [
    {
      model: 'device_participant',
      change: 'delete',
      object: {
        id_device_participant: link.id_device_participant,
        id_device: link.id_device,
        id_participant: link.id_participant,
      },
    },
  ];
}
