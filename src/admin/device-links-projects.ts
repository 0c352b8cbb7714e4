/**
 * /api/user/deviceprojects, as OpenTera's UserQueryDeviceProjects. GET (id_device or
 * id_project): the device-project links the caller may see; `with_projects` adds the other
 * projects it may see, `with_devices` the other devices of the project's site, both with a
 * null `id_device_project`. POST: `{"device": {id_device, projects}}` or
 * `{"project": {id_project, devices}}` make the links exactly those listed,
 * `{"device_project": {...} | [...]}` adds links. Only admins of the project's site change
 * links, and a device joins a project only when it belongs to the project's site. A device
 * linked to participants of a project does not leave it (500). DELETE `?id=` removes one link.
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
  deviceProjectById,
  deviceProjectLinks,
  deviceSiteLinks,
  projectsList,
  selectDevices,
} from '../store/queries/admin-devices.js';
import { projectRow } from '../store/queries/admin-participants.js';
import { deviceAvailability, idsOf, linkItem, linkObjects } from './device-links-kit.js';
import { linkProject, unlinkProject, type LinkEvent } from './device-links-ops.js';
import {
  accessOf,
  answers,
  bodyObject,
  deleteId,
  isId,
  isRefusal,
  isSiteAdmin,
  Nullable,
  objectAt,
  publishChange,
  refuse,
  transact,
  userGetRoute,
  userWriteRoute,
  type Json,
  type Refusal,
} from './participants-kit.js';

const URL = '/api/user/deviceprojects';

const ARGS = {
  id_device: int('ID of the device from which to request all associated projects'),
  id_project: int('ID of the project from which to get all associated devices'),
  list: bool('Ids only'),
  with_projects: bool('With id_device: also the projects not linked to that device'),
  with_devices: bool("With id_project: also the devices of the project's site not linked to it"),
  with_sites: bool('With id_device: add id_site and site_name'),
};

const Item = linkItem('id_device_project', 'id_project', {
  device_name: Type.Optional(Nullable(Type.String())),
  device_available: Type.Optional(Type.Boolean()),
  project_name: Type.Optional(Type.String()),
  id_site: Type.Optional(Type.Integer()),
  site_name: Type.Optional(Type.String()),
});

export const deviceProjectRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

interface Pair {
  id_device_project: number | null;
  id_device: number;
  id_project: number;
}

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: URL,
    summary: 'Device-project links the caller may see, for one device or one project',
    args: ARGS,
    response: answers(Type.Array(Item)),
    handle: async ({ reply, caller, args }) => {
      if (!Object.values(args).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const access = await accessOf(ctx, caller);
      const k = ctx.deps.db.kysely;
      const pairs = await select(k, access, args);
      if (pairs.length === 0) return sendJson(reply, 200, []);
      if (args.list) return sendJson(reply, 200, pairs);
      const deviceIds = [...new Set(pairs.map((p) => p.id_device))];
      const [devices, projects, available] = await Promise.all([
        selectDevices(k, { by: 'all' }),
        projectsList(k),
        deviceAvailability(k, access, deviceIds),
      ]);
      const deviceName = new Map(devices.map((d) => [d.id_device, d.device_name]));
      const project = new Map(projects.map((p) => [p.id_project, p]));
      return sendJson(
        reply,
        200,
        pairs.map((p) => {
          const pr = project.get(p.id_project);
          return {
            ...p,
            project_name: pr?.project_name ?? '',
            device_name: deviceName.get(p.id_device) ?? null,
            device_available: available.get(p.id_device) ?? false,
            ...(args.with_sites && pr ? { id_site: pr.id_site, site_name: pr.site_name } : {}),
          };
        }),
      );
    },
  });
}

async function select(
  k: Kysely<Database>,
  access: UserAccess,
  args: Args<typeof ARGS>,
): Promise<Pair[]> {
  const pair = (l: Pair): Pair => ({
    id_device_project: l.id_device_project,
    id_device: l.id_device,
    id_project: l.id_project,
  });
  if (args.id_device) {
    const device = await deviceById(k, args.id_device);
    if (!device || !access.deviceUuids.has(device.device_uuid)) return [];
    const links = (await deviceProjectLinks(k, { devices: [device.id_device] }))
      .filter((l) => access.projectIds.has(l.id_project))
      .map(pair);
    if (!args.with_projects) return links;
    const linked = new Set(links.map((l) => l.id_project));
    const others = (await projectsList(k))
      .filter((p) => access.projectIds.has(p.id_project) && !linked.has(p.id_project))
      .map((p) => ({
        id_device_project: null,
        id_device: device.id_device,
        id_project: p.id_project,
      }));
    return [...links, ...others].sort((a, b) => a.id_project - b.id_project);
  }
  if (args.id_project) {
    const project = await projectRow(k, args.id_project);
    if (!project || !access.projectIds.has(project.id_project)) return [];
    const visible = new Set(
      (await selectDevices(k, { by: 'all' }))
        .filter((d) => access.deviceUuids.has(d.device_uuid))
        .map((d) => d.id_device),
    );
    const links = (await deviceProjectLinks(k, { project: project.id_project }))
      .filter((l) => visible.has(l.id_device))
      .map(pair);
    if (!args.with_devices) return links;
    const linked = new Set(links.map((l) => l.id_device));
    const others = (await deviceSiteLinks(k, { site: project.id_site }))
      .filter((l) => visible.has(l.id_device) && !linked.has(l.id_device))
      .map((l) => ({
        id_device_project: null,
        id_device: l.id_device,
        id_project: project.id_project,
      }));
    return [...links, ...others].sort((a, b) => a.id_device - b.id_device);
  }
  return [];
}

const DENIED = 'Access denied';
const NOT_IN_SITE = 'At least one device is not part of the allowed device for that project site';

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: URL,
    summary: 'Set the projects of a device, the devices of a project, or add links',
    body: Type.Object({
      device: Type.Optional(
        Type.Object({
          id_device: Type.Integer(),
          projects: Type.Array(Type.Object({ id_project: Type.Integer() })),
        }),
      ),
      project: Type.Optional(
        Type.Object({
          id_project: Type.Integer(),
          devices: Type.Array(Type.Object({ id_device: Type.Integer() })),
        }),
      ),
      device_project: Type.Optional(Type.Unknown({ description: 'One link or a list of links' })),
    }),
    response: answers(Type.Array(Item)),
    handle: async ({ request, reply, caller }) => {
      const body = bodyObject(request.body);
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, (trx) => post(trx, access, body));
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendJson(reply, 200, outcome.links);
    },
  });
}

async function post(
  trx: Kysely<Database>,
  access: UserAccess,
  body: Json | null,
): Promise<{ links: Pair[]; events: LinkEvent[] } | Refusal> {
  const events: LinkEvent[] = [];
  const siteAdminOfProject = async (id: number) => {
    const project = await projectRow(trx, id);
    return project !== undefined && isSiteAdmin(access, project.id_site);
  };
  let wanted: Array<{ id_device: number; id_project: number }>;
  const device = objectAt(body, 'device');
  const project = objectAt(body, 'project');
  if (device) {
    if (!Object.hasOwn(device, 'id_device')) return refuse(400, 'Missing id_device');
    if (!Object.hasOwn(device, 'projects')) return refuse(400, 'Missing projects');
    const id = device.id_device;
    const ids = idsOf(device.projects, 'id_project');
    if (!isId(id) || !ids) return refuse(400, '');
    const current = await deviceProjectLinks(trx, { devices: [id] });
    for (const l of current) {
      if (ids.includes(l.id_project)) continue;
      if (!isSiteAdmin(access, l.id_site)) return refuse(403, DENIED);
      const removed = await unlinkProject(trx, id, l.id_project);
      if (isRefusal(removed)) return removed;
      events.push(...removed);
    }
    const have = new Set(current.map((l) => l.id_project));
    wanted = [...new Set(ids)]
      .filter((p) => !have.has(p))
      .map((p) => ({ id_device: id, id_project: p }));
  } else if (project) {
    if (!Object.hasOwn(project, 'id_project')) return refuse(400, 'Missing id_project');
    if (!Object.hasOwn(project, 'devices')) return refuse(400, 'Missing devices');
    const id = project.id_project;
    const ids = idsOf(project.devices, 'id_device');
    if (!isId(id) || !ids) return refuse(400, '');
    if (!(await siteAdminOfProject(id))) return refuse(403, DENIED);
    const current = await deviceProjectLinks(trx, { project: id });
    for (const l of current) {
      if (ids.includes(l.id_device)) continue;
      const removed = await unlinkProject(trx, l.id_device, id);
      if (isRefusal(removed)) return removed;
      events.push(...removed);
    }
    const have = new Set(current.map((l) => l.id_device));
    wanted = [...new Set(ids)]
      .filter((d) => !have.has(d))
      .map((d) => ({ id_device: d, id_project: id }));
  } else if (body && Object.hasOwn(body, 'device_project')) {
    const objects = linkObjects(body.device_project);
    if (!objects) return refuse(400, '');
    wanted = [];
    for (const o of objects) {
      let idDevice = o.id_device;
      if (typeof o.device_uuid === 'string')
        idDevice = (await selectDevices(trx, { by: 'uuid', uuid: o.device_uuid }))[0]?.id_device;
      if (!isId(idDevice) || !isId(o.id_project)) return refuse(400, '');
      wanted.push({ id_device: idDevice, id_project: o.id_project });
    }
  } else {
    return refuse(400, '');
  }

  const links: Pair[] = [];
  for (const w of wanted) {
    const target = await projectRow(trx, w.id_project);
    if (!target || !isSiteAdmin(access, target.id_site)) return refuse(403, DENIED);
    const inSite = await deviceSiteLinks(trx, { devices: [w.id_device], site: target.id_site });
    if (inSite.length === 0) return refuse(403, NOT_IN_SITE);
    const made = await linkProject(trx, w.id_device, w.id_project);
    events.push(...made.events);
    links.push({ id_device_project: made.id, ...w });
  }
  return { links, events };
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: URL,
    summary: 'Remove one device-project link (by the link id)',
    args: { id: int('ID of the device-project link to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(
        request.query,
        reply,
        'Specific device-project association ID to delete. Be careful: this is not the device or the project ID, but the ID of the association itself!',
      );
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const link = await deviceProjectById(trx, id);
        if (!link) return refuse(400, 'Not found');
        const device = await deviceById(trx, link.id_device);
        if (
          !access.admin.projectIds.has(link.id_project) ||
          !device ||
          !access.admin.deviceUuids.has(device.device_uuid)
        )
          return refuse(403, 'Forbidden');
        const removed = await unlinkProject(trx, link.id_device, link.id_project);
        return isRefusal(removed) ? removed : { events: removed };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendText(reply, 200, '');
    },
  });
}
