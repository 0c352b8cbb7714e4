/**
 * The SQL behind OpenTera's user API for devices, their links to sites, projects and
 * participants, and device types (/api/user/devices, /deviceprojects, /devicesites,
 * /deviceparticipants, /devicetypes). Every function takes the Kysely instance or the
 * transaction it runs in. Deleted devices, sites, projects and participants never appear;
 * devices are soft-deleted, links and device types are removed. Access is applied by the
 * callers from the access sets.
 */
import type { Kysely } from 'kysely';
import type { Database, DeviceUpdate } from '../schema.js';
import { DEVICE_ROW_COLUMNS, type DeviceRow } from './lists.js';

type K = Kysely<Database>;

export type { DeviceRow };

/** How GET /api/user/devices selects rows. */
export type DeviceSelector =
  | { by: 'all' }
  | { by: 'id'; id: number }
  | { by: 'uuid'; uuid: string }
  | { by: 'name'; name: string }
  | { by: 'site'; id: number }
  | { by: 'project'; id: number }
  | { by: 'type'; id: number }
  | { by: 'subtype'; id: number };

/**
 * The devices a selector names, by id; `name` names at most one (the first by id, as
 * OpenTera's lookup does). `type` narrows any selector to one device type.
 */
export async function selectDevices(
  k: K,
  s: DeviceSelector,
  options: { type?: number; enabledOnly?: boolean } = {},
): Promise<DeviceRow[]> {
  let q = k
    .selectFrom('t_devices as d')
    .leftJoin('t_devices_subtypes as s', 's.id_device_subtype', 'd.id_device_subtype')
    .select([...DEVICE_ROW_COLUMNS, 's.id_device_type as subtype_type', 's.device_subtype_name'])
    .where('d.deleted_at', 'is', null);
  switch (s.by) {
    case 'all':
      break;
    case 'id':
      q = q.where('d.id_device', '=', s.id);
      break;
    case 'uuid':
      q = q.where('d.device_uuid', '=', s.uuid);
      break;
    case 'name':
      q = q.where('d.device_name', '=', s.name);
      break;
    case 'type':
      q = q.where('d.id_device_type', '=', s.id);
      break;
    case 'subtype':
      q = q.where('d.id_device_subtype', '=', s.id);
      break;
    case 'site': {
      const site = s.id;
      q = q.where('d.id_device', 'in', (eb) =>
        eb.selectFrom('t_devices_sites').select('id_device').where('id_site', '=', site),
      );
      break;
    }
    case 'project': {
      const project = s.id;
      q = q.where('d.id_device', 'in', (eb) =>
        eb.selectFrom('t_devices_projects').select('id_device').where('id_project', '=', project),
      );
      break;
    }
  }
  if (options.type !== undefined) q = q.where('d.id_device_type', '=', options.type);
  if (options.enabledOnly) q = q.where('d.device_enabled', '=', true);
  const rows = await q.orderBy('d.id_device').execute();
  const out = rows.map(({ subtype_type, device_subtype_name, ...d }) => ({
    ...d,
    subtype:
      d.id_device_subtype !== null && subtype_type !== null && device_subtype_name !== null
        ? {
            id_device_subtype: d.id_device_subtype,
            id_device_type: subtype_type,
            device_subtype_name,
          }
        : null,
  }));
  return s.by === 'name' ? out.slice(0, 1) : out;
}

export async function deviceById(k: K, id: number): Promise<DeviceRow | undefined> {
  return (await selectDevices(k, { by: 'id', id }))[0];
}

/** The alive sites linked to each device (`t_devices_sites`). */
export function deviceSiteLinks(k: K, f: { devices?: readonly number[]; site?: number }) {
  let q = k
    .selectFrom('t_devices_sites as ds')
    .innerJoin('t_devices as d', 'd.id_device', 'ds.id_device')
    .innerJoin('t_sites as s', 's.id_site', 'ds.id_site')
    .select([
      'ds.id_device_site',
      'ds.id_device',
      'ds.id_site',
      'd.device_name',
      's.site_name',
      's.site_2fa_required',
    ])
    .where('d.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (f.devices) {
    if (f.devices.length === 0) return Promise.resolve([]);
    q = q.where('ds.id_device', 'in', f.devices);
  }
  if (f.site !== undefined) q = q.where('ds.id_site', '=', f.site);
  return q.orderBy('ds.id_site').orderBy('ds.id_device').execute();
}

/** The alive projects linked to each device (`t_devices_projects`), with their site. */
export function deviceProjectLinks(k: K, f: { devices?: readonly number[]; project?: number }) {
  let q = k
    .selectFrom('t_devices_projects as dp')
    .innerJoin('t_devices as d', 'd.id_device', 'dp.id_device')
    .innerJoin('t_projects as p', 'p.id_project', 'dp.id_project')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select([
      'dp.id_device_project',
      'dp.id_device',
      'dp.id_project',
      'd.device_name',
      'p.project_name',
      'p.id_site',
      'p.project_enabled',
      'p.project_description',
      's.site_name',
    ])
    .where('d.deleted_at', 'is', null)
    .where('p.deleted_at', 'is', null);
  if (f.devices) {
    if (f.devices.length === 0) return Promise.resolve([]);
    q = q.where('dp.id_device', 'in', f.devices);
  }
  if (f.project !== undefined) q = q.where('dp.id_project', '=', f.project);
  return q.orderBy('dp.id_project').orderBy('dp.id_device').execute();
}

/** The device-participant links of alive devices and participants, filtered. */
export function deviceParticipantLinks(
  k: K,
  f: {
    devices?: readonly number[];
    participant?: number;
    site?: number;
    deviceType?: number;
  },
) {
  let q = k
    .selectFrom('t_devices_participants as dp')
    .innerJoin('t_devices as d', 'd.id_device', 'dp.id_device')
    .innerJoin('t_participants as p', 'p.id_participant', 'dp.id_participant')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .select([
      'dp.id_device_participant',
      'dp.id_device',
      'dp.id_participant',
      'p.participant_uuid',
      'p.participant_name',
      'p.id_project',
      'pr.project_name',
      'pr.id_site',
      'd.device_name',
    ])
    .where('d.deleted_at', 'is', null)
    .where('p.deleted_at', 'is', null);
  if (f.devices) {
    if (f.devices.length === 0) return Promise.resolve([]);
    q = q.where('dp.id_device', 'in', f.devices);
  }
  if (f.participant !== undefined) q = q.where('dp.id_participant', '=', f.participant);
  if (f.site !== undefined) q = q.where('pr.id_site', '=', f.site);
  if (f.deviceType !== undefined) q = q.where('d.id_device_type', '=', f.deviceType);
  return q.orderBy('dp.id_device_participant').execute();
}

/** Alive projects, optionally of one site. */
export function projectsList(k: K, site?: number) {
  let q = k
    .selectFrom('t_projects as p')
    .innerJoin('t_sites as s', 's.id_site', 'p.id_site')
    .select(['p.id_project', 'p.project_name', 'p.id_site', 's.site_name'])
    .where('p.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null);
  if (site !== undefined) q = q.where('p.id_site', '=', site);
  return q.orderBy('p.id_project').execute();
}

/** Alive sites. */
export function sitesList(k: K) {
  return k
    .selectFrom('t_sites')
    .select(['id_site', 'site_name'])
    .where('deleted_at', 'is', null)
    .orderBy('id_site')
    .execute();
}

/** What blocks deleting a device: participant links, sessions it is in, sessions it created. */
export async function deviceDependants(
  k: K,
  id: number,
): Promise<{ participants: boolean; sessions: boolean; created: boolean }> {
  const [participants, sessions, created] = await Promise.all([
    k
      .selectFrom('t_devices_participants as dp')
      .innerJoin('t_participants as p', 'p.id_participant', 'dp.id_participant')
      .select('dp.id_device_participant')
      .where('dp.id_device', '=', id)
      .where('p.deleted_at', 'is', null)
      .executeTakeFirst(),
    k
      .selectFrom('t_sessions_devices as sd')
      .innerJoin('t_sessions as s', 's.id_session', 'sd.id_session')
      .select('sd.id_session')
      .where('sd.id_device', '=', id)
      .where('s.deleted_at', 'is', null)
      .executeTakeFirst(),
    k
      .selectFrom('t_sessions')
      .select('id_session')
      .where('id_creator_device', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  ]);
  return {
    participants: participants !== undefined,
    sessions: sessions !== undefined,
    created: created !== undefined,
  };
}

export interface NewDeviceValues {
  device_uuid: string;
  device_name: string;
  id_device_type: number;
  id_device_subtype: number | null;
  device_certificate: string | null;
  device_enabled: boolean;
  device_onlineable: boolean;
  device_config: string | null;
  device_infos: string | null;
  device_notes: string | null;
}

export async function insertDevice(k: K, values: NewDeviceValues): Promise<number> {
  const row = await k
    .insertInto('t_devices')
    .values({ ...values, device_token: null, device_lastonline: null })
    .returning('id_device')
    .executeTakeFirstOrThrow();
  return row.id_device;
}

export async function updateDevice(k: K, id: number, values: DeviceUpdate): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k.updateTable('t_devices').set(values).where('id_device', '=', id).execute();
}

export async function softDeleteDevice(k: K, id: number, at: string): Promise<void> {
  await k.updateTable('t_devices').set({ deleted_at: at }).where('id_device', '=', id).execute();
}

export async function deviceTypeExists(k: K, id: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_devices_types')
    .select('id_device_type')
    .where('id_device_type', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deviceSubtypeExists(k: K, id: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_devices_subtypes')
    .select('id_device_subtype')
    .where('id_device_subtype', '=', id)
    .executeTakeFirst();
  return row !== undefined;
}

// Links. Each insert is one row; callers check for an existing link first.

export async function insertDeviceSite(k: K, device: number, site: number): Promise<number> {
  const row = await k
    .insertInto('t_devices_sites')
    .values({ id_device: device, id_site: site })
    .returning('id_device_site')
    .executeTakeFirstOrThrow();
  return row.id_device_site;
}

export async function insertDeviceProject(k: K, device: number, project: number): Promise<number> {
  const row = await k
    .insertInto('t_devices_projects')
    .values({ id_device: device, id_project: project })
    .returning('id_device_project')
    .executeTakeFirstOrThrow();
  return row.id_device_project;
}

export async function insertDeviceParticipant(
  k: K,
  device: number,
  participant: number,
): Promise<number> {
  const row = await k
    .insertInto('t_devices_participants')
    .values({ id_device: device, id_participant: participant })
    .returning('id_device_participant')
    .executeTakeFirstOrThrow();
  return row.id_device_participant;
}

export async function deleteDeviceSites(k: K, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await k.deleteFrom('t_devices_sites').where('id_device_site', 'in', ids).execute();
}

export async function deleteDeviceProjects(k: K, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await k.deleteFrom('t_devices_projects').where('id_device_project', 'in', ids).execute();
}

export async function deleteDeviceParticipants(k: K, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await k.deleteFrom('t_devices_participants').where('id_device_participant', 'in', ids).execute();
}

/** One raw link row by its id (device and other side), or undefined. */
export function deviceSiteById(k: K, id: number) {
  return k
    .selectFrom('t_devices_sites')
    .selectAll()
    .where('id_device_site', '=', id)
    .executeTakeFirst();
}

export function deviceProjectById(k: K, id: number) {
  return k
    .selectFrom('t_devices_projects')
    .selectAll()
    .where('id_device_project', '=', id)
    .executeTakeFirst();
}

export function deviceParticipantById(k: K, id: number) {
  return k
    .selectFrom('t_devices_participants')
    .selectAll()
    .where('id_device_participant', '=', id)
    .executeTakeFirst();
}

// Device types.

export interface DeviceTypeRow {
  id_device_type: number;
  device_type_key: string;
  device_type_name: string;
}

export function deviceTypes(k: K, f: { id?: number; key?: string } = {}): Promise<DeviceTypeRow[]> {
  let q = k
    .selectFrom('t_devices_types')
    .select(['id_device_type', 'device_type_key', 'device_type_name']);
  if (f.id !== undefined) q = q.where('id_device_type', '=', f.id);
  if (f.key !== undefined) q = q.where('device_type_key', '=', f.key);
  return q.orderBy('id_device_type').execute();
}

export async function deviceTypeKeyTaken(k: K, key: string, exceptId: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_devices_types')
    .select('id_device_type')
    .where('device_type_key', '=', key)
    .where('id_device_type', '!=', exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertDeviceType(
  k: K,
  values: { device_type_key: string; device_type_name: string },
): Promise<number> {
  const row = await k
    .insertInto('t_devices_types')
    .values(values)
    .returning('id_device_type')
    .executeTakeFirstOrThrow();
  return row.id_device_type;
}

export async function updateDeviceType(
  k: K,
  id: number,
  values: { device_type_key?: string; device_type_name?: string },
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await k.updateTable('t_devices_types').set(values).where('id_device_type', '=', id).execute();
}

/** Whether a non-deleted device has this type. */
export async function deviceTypeInUse(k: K, id: number): Promise<boolean> {
  const row = await k
    .selectFrom('t_devices')
    .select('id_device')
    .where('id_device_type', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes the type, its subtypes and its deleted devices (the database cascades). */
export async function deleteDeviceType(k: K, id: number): Promise<void> {
  await k.deleteFrom('t_devices_types').where('id_device_type', '=', id).execute();
}
