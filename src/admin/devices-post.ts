/**
 * POST /api/user/devices, as OpenTera's UserQueryDevices: `{"device": {...}}` creates
 * (`id_device` 0) or updates a device. Superadmins create devices; site admins create them
 * inside their sites or projects (`device_sites`, `device_projects`: lists of `{id_site}` /
 * `{id_project}`, each needing the caller to be admin of that site; a device joining a
 * project joins its site). An update needs admin access to the device; a caller who is not
 * admin of one of the device's projects' sites may change only `device_config` and
 * `device_notes`. The uuid and the static token are the server's: a new device gets both,
 * returned in the answer. A missing name or type, or an unknown type or subtype, is
 * OpenTera's 500 `Database error`.
 */
import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import { signDeviceToken } from '../auth/jwt.js';
import type { ApiContext } from '../http/context.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import type { Database, DeviceUpdate } from '../store/schema.js';
import {
  deviceById,
  deviceProjectLinks,
  deviceSiteLinks,
  deviceSubtypeExists,
  deviceTypeExists,
  insertDevice,
  sitesList,
  updateDevice,
} from '../store/queries/admin-devices.js';
import { projectRow } from '../store/queries/admin-participants.js';
import { getSetting, SETTING } from '../store/queries/settings.js';
import {
  linkProject,
  linkSite,
  unlinkProject,
  unlinkSite,
  type LinkEvent,
} from './device-links-ops.js';
import { deviceFull, deviceMinimal, DeviceJson } from './participants-json.js';
import {
  accessOf,
  answers,
  bodyObject,
  isId,
  isRefusal,
  isSiteAdmin,
  objectAt,
  publishChange,
  readFields,
  sendBadField,
  transact,
  userWriteRoute,
  type Fields,
  type Refusal,
  type Json,
} from './participants-kit.js';

const FIELDS = {
  device_name: 'string',
  id_device_type: 'int',
  id_device_subtype: 'int?',
  device_certificate: 'string?',
  device_enabled: 'boolean',
  device_onlineable: 'boolean',
  device_config: 'string?',
  device_infos: 'string?',
  device_notes: 'string?',
} as const;

/** What a project admin who is not a site admin may change. */
const PROJECT_ADMIN_FIELDS = ['device_config', 'device_notes'] as const;

const DB_ERROR: Refusal = { status: 500, text: 'Database error' };

interface Posted {
  id: number;
  fields: Fields<typeof FIELDS>;
  sites?: number[];
  projects?: number[];
}

type Outcome = { id: number; created: boolean; events: LinkEvent[] };

export function devicePostRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'POST'),
    url: '/api/user/devices',
    summary: 'Create (id_device 0) or update a device',
    body: Type.Object({
      device: Type.Object(
        {
          id_device: Type.Integer({ description: '0 creates a device' }),
          device_name: Type.Optional(Type.String()),
          id_device_type: Type.Optional(Type.Integer()),
          id_device_subtype: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
          device_enabled: Type.Optional(Type.Boolean()),
          device_onlineable: Type.Optional(Type.Boolean()),
          device_config: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          device_infos: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          device_notes: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          device_sites: Type.Optional(Type.Array(Type.Object({ id_site: Type.Integer() }))),
          device_projects: Type.Optional(Type.Array(Type.Object({ id_project: Type.Integer() }))),
        },
        { additionalProperties: true },
      ),
    }),
    response: answers(Type.Array(DeviceJson)),
    handle: async ({ request, reply, caller }) => {
      const json = objectAt(bodyObject(request.body), 'device');
      if (!json) return sendText(reply, 400, 'Missing device');
      const posted = parse(json);
      if ('field' in posted) return sendBadField(reply, posted.field);
      if ('text' in posted) return sendText(reply, 400, posted.text);
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, (trx) => write(trx, access, posted));
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      const row = await deviceById(ctx.deps.db.kysely, outcome.id);
      if (!row) return sendText(reply, 500, 'Database error');
      await publishChange(ctx, 'device', outcome.created ? 'create' : 'update', deviceMinimal(row));
      for (const e of outcome.events) await publishChange(ctx, e.model, e.change, e.object);
      return sendJson(reply, 200, [deviceFull(row, true)]);
    },
  });
}

function idList(json: Json, key: string, id: string): number[] | null | undefined {
  if (!Object.hasOwn(json, key)) return undefined;
  const list = json[key];
  if (!Array.isArray(list)) return null;
  const ids = list.map((e) => bodyObject(e)?.[id]);
  return ids.every(isId) ? ids : null;
}

function parse(json: Json): Posted | { field: string } | { text: string } {
  if (!Object.hasOwn(json, 'id_device')) return { text: 'Missing id_device' };
  const id = json.id_device;
  if (!isId(id) || id < 0) return { field: 'id_device' };
  const read = readFields(json, FIELDS);
  if (!read.ok) return { field: read.field };
  const sites = idList(json, 'device_sites', 'id_site');
  if (sites === null) return { field: 'device_sites' };
  const projects = idList(json, 'device_projects', 'id_project');
  if (projects === null) return { field: 'device_projects' };
  return {
    id,
    fields: read.values,
    ...(sites ? { sites } : {}),
    ...(projects ? { projects } : {}),
  };
}

async function write(
  trx: Kysely<Database>,
  access: UserAccess,
  p: Posted,
): Promise<Outcome | Refusal> {
  for (const id of p.projects ?? []) {
    const project = await projectRow(trx, id);
    if (!project || !isSiteAdmin(access, project.id_site))
      return { status: 403, text: 'No site admin access for at a least one project in the list' };
  }
  const knownSites = new Set((await sitesList(trx)).map((s) => s.id_site));
  for (const id of p.sites ?? []) {
    if (!knownSites.has(id) || !isSiteAdmin(access, id))
      return { status: 403, text: 'No site admin access for at a least one site in the list' };
  }

  let fields = p.fields;
  let id = p.id;
  const created = id === 0;
  if (created) {
    if (!access.superadmin && !p.projects && !p.sites) return { status: 403, text: 'Forbidden' };
    const made = await create(trx, fields);
    if (isRefusal(made)) return made;
    id = made;
  } else {
    const current = await deviceById(trx, id);
    if (!current || !access.admin.deviceUuids.has(current.device_uuid))
      return { status: 403, text: 'Forbidden' };
    const projects = await deviceProjectLinks(trx, { devices: [id] });
    if (!access.superadmin && !projects.some((l) => isSiteAdmin(access, l.id_site))) {
      const kept: Fields<typeof FIELDS> = {};
      for (const f of PROJECT_ADMIN_FIELDS) if (f in fields) kept[f] = fields[f];
      fields = kept;
    }
    const updated = await update(trx, id, fields);
    if (updated) return updated;
  }
  const events: LinkEvent[] = [];
  if (p.sites) {
    const changed = await syncSites(trx, access, id, p.sites, created);
    if (isRefusal(changed)) return changed;
    events.push(...changed);
  }
  if (p.projects) {
    const changed = await syncProjects(trx, access, id, p.projects, created);
    if (isRefusal(changed)) return changed;
    events.push(...changed);
  }
  return { id, created, events };
}

/** Checks what the database would refuse: OpenTera's 500. */
async function checkReferences(
  trx: Kysely<Database>,
  f: Fields<typeof FIELDS>,
): Promise<Refusal | null> {
  if (f.id_device_type !== undefined && !(await deviceTypeExists(trx, f.id_device_type)))
    return DB_ERROR;
  if (f.id_device_subtype && !(await deviceSubtypeExists(trx, f.id_device_subtype)))
    return DB_ERROR;
  return null;
}

async function create(trx: Kysely<Database>, f: Fields<typeof FIELDS>): Promise<number | Refusal> {
  if (f.device_name === undefined || f.id_device_type === undefined) return DB_ERROR;
  const refused = await checkReferences(trx, f);
  if (refused) return refused;
  const uuid = randomUUID();
  const id = await insertDevice(trx, {
    device_uuid: uuid,
    device_name: f.device_name,
    id_device_type: f.id_device_type,
    id_device_subtype: f.id_device_subtype || null,
    device_certificate: f.device_certificate ?? null,
    device_enabled: f.device_enabled ?? false,
    device_onlineable: f.device_onlineable ?? false,
    device_config: f.device_config ?? null,
    device_infos: f.device_infos ?? null,
    device_notes: f.device_notes ?? null,
  });
  const key = await getSetting(trx, SETTING.TokenEncryptionKey);
  if (!key) throw new Error('the device token key is missing');
  const token = await signDeviceToken(key, { device_uuid: uuid, id_device: id });
  await updateDevice(trx, id, { device_token: token });
  return id;
}

async function update(
  trx: Kysely<Database>,
  id: number,
  f: Fields<typeof FIELDS>,
): Promise<Refusal | null> {
  const refused = await checkReferences(trx, f);
  if (refused) return refused;
  const set: DeviceUpdate = {};
  if (f.device_name !== undefined) set.device_name = f.device_name;
  if (f.id_device_type !== undefined) set.id_device_type = f.id_device_type;
  if (f.id_device_subtype !== undefined) set.id_device_subtype = f.id_device_subtype || null;
  if (f.device_certificate !== undefined) set.device_certificate = f.device_certificate;
  if (f.device_enabled !== undefined) set.device_enabled = f.device_enabled;
  if (f.device_onlineable !== undefined) set.device_onlineable = f.device_onlineable;
  if (f.device_config !== undefined) set.device_config = f.device_config;
  if (f.device_infos !== undefined) set.device_infos = f.device_infos;
  if (f.device_notes !== undefined) set.device_notes = f.device_notes;
  await updateDevice(trx, id, set);
  return null;
}

/**
 * The device's sites become `wanted`: a new device gets exactly those; an existing one gains
 * the missing ones and loses the caller's admin sites that are not listed.
 */
async function syncSites(
  trx: Kysely<Database>,
  access: UserAccess,
  device: number,
  wanted: number[],
  created: boolean,
): Promise<LinkEvent[] | Refusal> {
  const events: LinkEvent[] = [];
  for (const site of new Set(wanted)) events.push(...(await linkSite(trx, device, site)).events);
  if (created) return events;
  const current = await deviceSiteLinks(trx, { devices: [device] });
  for (const link of current) {
    if (wanted.includes(link.id_site) || !isSiteAdmin(access, link.id_site)) continue;
    const removed = await unlinkSite(trx, device, link.id_site);
    if (isRefusal(removed)) return removed;
    events.push(...removed);
  }
  return events;
}

/**
 * As syncSites, for the device's projects (the caller's admin projects are the ones removed);
 * a device joining a project joins its site too.
 */
async function syncProjects(
  trx: Kysely<Database>,
  access: UserAccess,
  device: number,
  wanted: number[],
  created: boolean,
): Promise<LinkEvent[] | Refusal> {
  const events: LinkEvent[] = [];
  for (const project of new Set(wanted)) {
    // A device belongs to the site of each of its projects.
    const site = (await projectRow(trx, project))?.id_site;
    if (site !== undefined) events.push(...(await linkSite(trx, device, site)).events);
    events.push(...(await linkProject(trx, device, project)).events);
  }
  if (created) return events;
  const current = await deviceProjectLinks(trx, { devices: [device] });
  for (const link of current) {
    if (wanted.includes(link.id_project) || !access.admin.projectIds.has(link.id_project)) continue;
    const removed = await unlinkProject(trx, device, link.id_project);
    if (isRefusal(removed)) return removed;
    events.push(...removed);
  }
  return events;
}
