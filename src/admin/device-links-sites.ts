/**
 * /api/user/devicesites, as OpenTera's UserQueryDeviceSites. GET (id_device or id_site): the
 * device-site links the caller may see; `with_sites` adds the other sites it may see,
 * `with_devices` its other devices, both with a null `id_device_site`. POST (superadmins
 * only): `{"device": {id_device, sites}}` or `{"site": {id_site, devices}}` make the links
 * exactly those listed, `{"device_site": {...} | [...]}` adds links. A device leaving a site
 * leaves that site's projects, and does not leave it while linked to participants of that
 * site (500). DELETE `?id=` (superadmins) removes one link.
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
  deviceSiteById,
  deviceSiteLinks,
  selectDevices,
  sitesList,
} from '../store/queries/admin-devices.js';
import { deviceAvailability, idsOf, linkItem, linkObjects } from './device-links-kit.js';
import { linkSite, unlinkSite, type LinkEvent } from './device-links-ops.js';
import {
  accessOf,
  answers,
  bodyObject,
  deleteId,
  isId,
  isRefusal,
  objectAt,
  publishChange,
  refuse,
  transact,
  userGetRoute,
  userWriteRoute,
  type Json,
  type Refusal,
} from './participants-kit.js';

const URL = '/api/user/devicesites';

const ARGS = {
  id_device: int('ID of the device from which to request all associated sites'),
  id_site: int('ID of the site from which to get all associated devices'),
  list: bool('Ids only'),
  with_sites: bool('With id_device: also the sites not linked to that device'),
  with_devices: bool('With id_site: also the devices not linked to that site'),
};

const Item = linkItem('id_device_site', 'id_site', {
  device_name: Type.Optional(Type.String()),
  device_available: Type.Optional(Type.Boolean()),
  site_name: Type.Optional(Type.String()),
});

interface Pair {
  id_device_site: number | null;
  id_device: number;
  id_site: number;
}

export const deviceSiteRoutes = (ctx: ApiContext): Route[] => [
  getRoute(ctx),
  postRoute(ctx),
  deleteRoute(ctx),
];

function getRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userGetRoute(ctx),
    url: URL,
    summary: 'Device-site links the caller may see, for one device or one site',
    args: ARGS,
    response: answers(Type.Array(Item)),
    handle: async ({ reply, caller, args }) => {
      if (!Object.values(args).some(Boolean)) return sendText(reply, 400, 'Missing arguments');
      const access = await accessOf(ctx, caller);
      const k = ctx.deps.db.kysely;
      const pairs = await select(k, access, args);
      if (pairs.length === 0 || args.list) return sendJson(reply, 200, pairs);
      const [devices, sites, available] = await Promise.all([
        selectDevices(k, { by: 'all' }),
        sitesList(k),
        deviceAvailability(k, access, [...new Set(pairs.map((p) => p.id_device))]),
      ]);
      const deviceName = new Map(devices.map((d) => [d.id_device, d.device_name]));
      const siteName = new Map(sites.map((s) => [s.id_site, s.site_name]));
      return sendJson(
        reply,
        200,
        pairs.map((p) => ({
          ...p,
          device_name: deviceName.get(p.id_device) ?? '',
          device_available: available.get(p.id_device) ?? false,
          site_name: siteName.get(p.id_site) ?? '',
        })),
      );
    },
  });
}

async function visibleDevices(k: Kysely<Database>, access: UserAccess): Promise<number[]> {
  return (await selectDevices(k, { by: 'all' }))
    .filter((d) => access.deviceUuids.has(d.device_uuid))
    .map((d) => d.id_device);
}

async function select(
  k: Kysely<Database>,
  access: UserAccess,
  args: Args<typeof ARGS>,
): Promise<Pair[]> {
  const pair = (l: Pair): Pair => ({
    id_device_site: l.id_device_site,
    id_device: l.id_device,
    id_site: l.id_site,
  });
  if (args.id_device) {
    const device = await deviceById(k, args.id_device);
    if (!device || !access.deviceUuids.has(device.device_uuid)) return [];
    const links = (await deviceSiteLinks(k, { devices: [device.id_device] }))
      .filter((l) => access.siteIds.has(l.id_site))
      .map(pair);
    if (!args.with_sites) return links;
    const linked = new Set(links.map((l) => l.id_site));
    const others = (await sitesList(k))
      .filter((s) => access.siteIds.has(s.id_site) && !linked.has(s.id_site))
      .map((s) => ({ id_device_site: null, id_device: device.id_device, id_site: s.id_site }));
    return [...links, ...others].sort((a, b) => a.id_site - b.id_site);
  }
  if (args.id_site) {
    const site = args.id_site;
    if (!access.siteIds.has(site)) return [];
    const visible = new Set(await visibleDevices(k, access));
    const links = (await deviceSiteLinks(k, { site }))
      .filter((l) => visible.has(l.id_device))
      .map(pair);
    if (!args.with_devices) return links;
    const linked = new Set(links.map((l) => l.id_device));
    const others = [...visible]
      .filter((d) => !linked.has(d))
      .map((d) => ({ id_device_site: null, id_device: d, id_site: site }));
    return [...links, ...others].sort((a, b) => a.id_device - b.id_device);
  }
  return [];
}

function postRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: URL,
    summary: 'Set the sites of a device, the devices of a site, or add links (superadmins)',
    body: Type.Object({
      device: Type.Optional(
        Type.Object({
          id_device: Type.Integer(),
          sites: Type.Array(Type.Object({ id_site: Type.Integer() })),
        }),
      ),
      site: Type.Optional(
        Type.Object({
          id_site: Type.Integer(),
          devices: Type.Array(Type.Object({ id_device: Type.Integer() })),
        }),
      ),
      device_site: Type.Optional(Type.Unknown({ description: 'One link or a list of links' })),
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
  const device = objectAt(body, 'device');
  const site = objectAt(body, 'site');
  let wanted: Array<{ id_device: number; id_site: number }>;
  let current: Array<{ id_device: number; id_site: number }> = [];
  if (device) {
    if (!Object.hasOwn(device, 'id_device')) return refuse(400, 'Missing id_device');
    if (!Object.hasOwn(device, 'sites')) return refuse(400, 'Missing sites');
    const id = device.id_device;
    const ids = idsOf(device.sites, 'id_site');
    if (!isId(id) || !ids) return refuse(400, '');
    wanted = ids.map((s) => ({ id_device: id, id_site: s }));
    current = await deviceSiteLinks(trx, { devices: [id] });
  } else if (site) {
    if (!Object.hasOwn(site, 'id_site')) return refuse(400, 'Missing id_site');
    if (!Object.hasOwn(site, 'devices')) return refuse(400, 'Missing devices');
    const id = site.id_site;
    const ids = idsOf(site.devices, 'id_device');
    if (!isId(id) || !ids) return refuse(400, '');
    wanted = ids.map((d) => ({ id_device: d, id_site: id }));
    current = await deviceSiteLinks(trx, { site: id });
  } else if (body && Object.hasOwn(body, 'device_site')) {
    const objects = linkObjects(body.device_site);
    if (!objects) return refuse(400, '');
    wanted = [];
    for (const o of objects) {
      if (!isId(o.id_device) || !isId(o.id_site)) return refuse(400, '');
      wanted.push({ id_device: o.id_device, id_site: o.id_site });
    }
  } else {
    return refuse(400, '');
  }
  if (!access.superadmin) return refuse(403, 'Forbidden');

  const events: LinkEvent[] = [];
  const key = (l: { id_device: number; id_site: number }) => `${l.id_device}:${l.id_site}`;
  const keep = new Set(wanted.map(key));
  for (const l of current) {
    if (keep.has(key(l))) continue;
    const removed = await unlinkSite(trx, l.id_device, l.id_site);
    if (isRefusal(removed)) return removed;
    events.push(...removed);
  }
  const sites = new Set((await sitesList(trx)).map((s) => s.id_site));
  const links: Pair[] = [];
  for (const w of wanted) {
    if (!sites.has(w.id_site) || !(await deviceById(trx, w.id_device)))
      return refuse(500, 'Database error');
    const made = await linkSite(trx, w.id_device, w.id_site);
    events.push(...made.events);
    links.push({ id_device_site: made.id, ...w });
  }
  return { links, events };
}

function deleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: URL,
    summary: 'Remove one device-site link (by the link id; superadmins)',
    args: { id: int('ID of the device-site link to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(request.query, reply, 'Device-site association ID to delete');
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const link = await deviceSiteById(trx, id);
        if (!link) return refuse(400, 'Not found');
        if (!access.superadmin) return refuse(403, 'Forbidden');
        const removed = await unlinkSite(trx, link.id_device, link.id_site);
        return isRefusal(removed) ? removed : { events: removed };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendText(reply, 200, '');
    },
  });
}
