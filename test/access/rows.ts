/**
 * Test helpers that insert OpenTera rows the way OpenTera creates them (a site or project
 * comes with its OpenTeraServer `admin` and `user` roles), and return their ids/uuids.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';

type K = Kysely<Database>;

export const NOW = '2025-01-21T10:00:00.000Z';

export async function serviceId(k: K, key: string): Promise<number> {
  const row = await k
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', key)
    .executeTakeFirstOrThrow();
  return row.id_service;
}

export async function addService(k: K, key: string): Promise<number> {
  const row = await k
    .insertInto('t_services')
    .values({
      service_uuid: randomUUID(),
      service_name: key,
      service_key: key,
      service_hostname: 'localhost',
      service_port: 4999,
      service_endpoint: `/${key}`,
      service_clientendpoint: `/${key}`,
    })
    .returning('id_service')
    .executeTakeFirstOrThrow();
  return row.id_service;
}

/** A role of `idService` scoped to a project, a site, or neither (global). */
export async function addRole(
  k: K,
  idService: number,
  name: string,
  scope: { idProject?: number; idSite?: number } = {},
): Promise<number> {
  const row = await k
    .insertInto('t_services_roles')
    .values({
      id_service: idService,
      service_role_name: name,
      id_project: scope.idProject ?? null,
      id_site: scope.idSite ?? null,
    })
    .returning('id_service_role')
    .executeTakeFirstOrThrow();
  return row.id_service_role;
}

/** The OpenTeraServer role `name` scoped to the project or site. */
export async function coreRole(
  k: K,
  name: 'admin' | 'user',
  scope: { idProject?: number; idSite?: number },
) {
  const core = await serviceId(k, 'OpenTeraServer');
  let q = k.selectFrom('t_services_roles').select('id_service_role').where('id_service', '=', core);
  q = q.where('service_role_name', '=', name);
  q =
    scope.idProject !== undefined
      ? q.where('id_project', '=', scope.idProject)
      : q.where('id_project', 'is', null);
  q =
    scope.idSite !== undefined
      ? q.where('id_site', '=', scope.idSite)
      : q.where('id_site', 'is', null);
  return (await q.executeTakeFirstOrThrow()).id_service_role;
}

export async function addSite(k: K, name: string): Promise<number> {
  const row = await k
    .insertInto('t_sites')
    .values({ site_name: name })
    .returning('id_site')
    .executeTakeFirstOrThrow();
  const core = await serviceId(k, 'OpenTeraServer');
  await addRole(k, core, 'admin', { idSite: row.id_site });
  await addRole(k, core, 'user', { idSite: row.id_site });
  return row.id_site;
}

export async function addProject(k: K, idSite: number, name: string): Promise<number> {
  const row = await k
    .insertInto('t_projects')
    .values({ id_site: idSite, project_name: name, project_description: null })
    .returning('id_project')
    .executeTakeFirstOrThrow();
  const core = await serviceId(k, 'OpenTeraServer');
  await addRole(k, core, 'admin', { idProject: row.id_project });
  await addRole(k, core, 'user', { idProject: row.id_project });
  return row.id_project;
}

export async function addGroup(k: K, name: string): Promise<number> {
  const row = await k
    .insertInto('t_users_groups')
    .values({ user_group_name: name })
    .returning('id_user_group')
    .executeTakeFirstOrThrow();
  return row.id_user_group;
}

export async function grant(k: K, idUserGroup: number, idServiceRole: number): Promise<void> {
  await k
    .insertInto('t_services_access')
    .values({ id_service_role: idServiceRole, id_user_group: idUserGroup })
    .execute();
}

export interface Added {
  id: number;
  uuid: string;
}

export async function addUser(
  k: K,
  username: string,
  groups: number[] = [],
  enabled = true,
): Promise<Added> {
  const uuid = randomUUID();
  const row = await k
    .insertInto('t_users')
    .values({
      user_uuid: uuid,
      user_username: username,
      user_password: '$2b$04$notarealhashnotarealhashnotarealhashnotarealhashnotre',
      user_firstname: username,
      user_lastname: 'Test',
      user_profile: '',
      user_enabled: enabled,
      user_superadmin: false,
    })
    .returning('id_user')
    .executeTakeFirstOrThrow();
  for (const g of groups) await addMember(k, row.id_user, g);
  return { id: row.id_user, uuid };
}

export async function addMember(k: K, idUser: number, idUserGroup: number): Promise<void> {
  await k
    .insertInto('t_users_users_groups')
    .values({ id_user: idUser, id_user_group: idUserGroup })
    .execute();
}

export async function addParticipant(k: K, idProject: number, name: string): Promise<Added> {
  const uuid = randomUUID();
  const row = await k
    .insertInto('t_participants')
    .values({ participant_uuid: uuid, participant_name: name, id_project: idProject })
    .returning('id_participant')
    .executeTakeFirstOrThrow();
  return { id: row.id_participant, uuid };
}

export async function addDevice(
  k: K,
  name: string,
  links: { sites?: number[]; participants?: number[] } = {},
): Promise<Added> {
  const type = await k
    .selectFrom('t_devices_types')
    .select('id_device_type')
    .executeTakeFirstOrThrow();
  const uuid = randomUUID();
  const row = await k
    .insertInto('t_devices')
    .values({ device_uuid: uuid, device_name: name, id_device_type: type.id_device_type })
    .returning('id_device')
    .executeTakeFirstOrThrow();
  for (const s of links.sites ?? []) {
    await k
      .insertInto('t_devices_sites')
      .values({ id_device: row.id_device, id_site: s })
      .execute();
  }
  for (const p of links.participants ?? []) {
    await k
      .insertInto('t_devices_participants')
      .values({ id_device: row.id_device, id_participant: p })
      .execute();
  }
  return { id: row.id_device, uuid };
}

export async function addSession(
  k: K,
  members: { users?: number[]; participants?: number[]; devices?: number[] },
): Promise<Added> {
  const type = await k
    .selectFrom('t_sessions_types')
    .select('id_session_type')
    .executeTakeFirstOrThrow();
  const uuid = randomUUID();
  const row = await k
    .insertInto('t_sessions')
    .values({
      session_uuid: uuid,
      id_session_type: type.id_session_type,
      session_name: 'test session',
      session_start_datetime: NOW,
      session_status: 0,
    })
    .returning('id_session')
    .executeTakeFirstOrThrow();
  const id_session = row.id_session;
  for (const id_user of members.users ?? [])
    await k.insertInto('t_sessions_users').values({ id_session, id_user }).execute();
  for (const id_participant of members.participants ?? []) {
    await k.insertInto('t_sessions_participants').values({ id_session, id_participant }).execute();
  }
  for (const id_device of members.devices ?? []) {
    await k.insertInto('t_sessions_devices').values({ id_session, id_device }).execute();
  }
  return { id: id_session, uuid };
}

/** Soft-deletes one row, as OpenTera does (sets deleted_at). */
export async function softDelete(
  k: K,
  table:
    | 't_sites'
    | 't_projects'
    | 't_users_groups'
    | 't_users'
    | 't_participants'
    | 't_devices'
    | 't_sessions',
  id: number,
): Promise<void> {
  const set = { deleted_at: NOW };
  switch (table) {
    case 't_sites':
      return void (await k.updateTable(table).set(set).where('id_site', '=', id).execute());
    case 't_projects':
      return void (await k.updateTable(table).set(set).where('id_project', '=', id).execute());
    case 't_users_groups':
      return void (await k.updateTable(table).set(set).where('id_user_group', '=', id).execute());
    case 't_users':
      return void (await k.updateTable(table).set(set).where('id_user', '=', id).execute());
    case 't_participants':
      return void (await k.updateTable(table).set(set).where('id_participant', '=', id).execute());
    case 't_devices':
      return void (await k.updateTable(table).set(set).where('id_device', '=', id).execute());
    case 't_sessions':
      return void (await k.updateTable(table).set(set).where('id_session', '=', id).execute());
  }
}
