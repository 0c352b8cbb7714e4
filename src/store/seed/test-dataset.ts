/**
 * OpenTera's test dataset`), inserted after the
 * defaults in OpenTera's order so that every integer id matches OpenTera's: sites 1–2,
 * projects 1–3, user groups 1–5, users 1–6, participants 1–4, devices 1–3, session types 1–5.
 * Uuids are random except OpenTeraServer's and the Apple Watch's.
 */
import { randomUUID } from 'node:crypto';
import { SEED_PASSWORD_HASHES, type SeedPassword } from './password-hashes.js';
import type { Keys, Trx } from './defaults.js';
import { insertSite, openTeraServiceId } from './defaults.js';
import { seedTestSessions } from './test-sessions.js';
import type { SeedReport } from './seed.js';
import { signDeviceToken, signParticipantStaticToken } from '../../auth/jwt.js';

export const APPLE_WATCH_UUID = 'b707e0b2-e649-47e7-a938-2b949c423f73';

type Credential = SeedReport['credentials'][number];

const USERS: Array<{ username: SeedPassword; first: string; last: string; email: string | null }> =
  [
    { username: 'siteadmin', first: 'Site', last: 'Admin', email: null },
    { username: 'user', first: 'Site', last: 'User', email: null },
    { username: 'user2', first: 'MultiSite', last: 'User', email: null },
    { username: 'user3', first: 'Project', last: 'Admin', email: null },
    { username: 'user4', first: 'No Access', last: 'User!', email: 'noaccess@opentera.org' },
  ];

const USER_GROUPS = [
  'Users - Projects 1 & 2',
  'Admins - Project 1',
  'Admins - Default Site',
  'Users - Project 1',
  'No access!',
];

/** (username, user group) memberships, in OpenTera's order. */
const MEMBERSHIPS: Array<[string, string]> = [
  ['siteadmin', 'Admins - Default Site'],
  ['user', 'Users - Projects 1 & 2'],
  ['user2', 'Users - Project 1'],
  ['user2', 'Admins - Default Site'],
  ['user3', 'Admins - Project 1'],
];

const idMap = (rows: Array<{ id: number; name: string }>): Map<string, number> =>
  new Map(rows.map((r) => [r.name, r.id]));

/** Id of the role named `name` of the service `serviceKey`, optionally scoped to a site or project. */
async function roleId(
  trx: Trx,
  serviceKey: string,
  name: string,
  scope: { id_site?: number; id_project?: number } = {},
): Promise<number> {
  const row = await trx
    .selectFrom('t_services_roles as r')
    .innerJoin('t_services as s', 's.id_service', 'r.id_service')
    .select('r.id_service_role')
    .where('s.service_key', '=', serviceKey)
    .where('r.service_role_name', '=', name)
    .where('r.id_site', scope.id_site === undefined ? 'is' : '=', scope.id_site ?? null)
    .where('r.id_project', scope.id_project === undefined ? 'is' : '=', scope.id_project ?? null)
    .executeTakeFirstOrThrow();
  return row.id_service_role;
}

export async function seedTestData(trx: Trx, keys: Keys): Promise<Credential[]> {
  const credentials: Credential[] = [
    { kind: 'user', name: 'Super Admin', username: 'admin', password: 'admin' },
  ];
  // Sites and projects (Default Site already exists with id 1).
  const site1 = 1;
  const site2 = await insertSite(trx, 'Top Secret Site');
  const openTera = await openTeraServiceId(trx);
  const projects: Array<[string, number]> = [
    ['Default Project #1', site1],
    ['Default Project #2', site1],
    ['Secret Project #1', site2],
  ];
  const projectIds: number[] = [];
  for (const [project_name, id_site] of projects) {
    const { id_project } = await trx
      .insertInto('t_projects')
      .values({ project_name, id_site })
      .returning('id_project')
      .executeTakeFirstOrThrow();
    projectIds.push(id_project);
    await trx
      .insertInto('t_services_roles')
      .values(
        ['admin', 'user'].map((n) => ({ id_service: openTera, id_project, service_role_name: n })),
      )
      .execute();
  }
  const [p1, p2, p3] = projectIds as [number, number, number];

  // Participant groups.
  const pgroups = await trx
    .insertInto('t_participants_groups')
    .values([
      { participant_group_name: 'Default Participant Group A', id_project: p1 },
      { participant_group_name: 'Default Participant Group B', id_project: p2 },
    ])
    .returning(['id_participant_group as id', 'participant_group_name as name'])
    .execute();
  const groupA = pgroups[0]!.id;

  // User groups and their OpenTeraServer roles.
  const ugRows = await trx
    .insertInto('t_users_groups')
    .values(USER_GROUPS.map((user_group_name) => ({ user_group_name })))
    .returning(['id_user_group as id', 'user_group_name as name'])
    .execute();
  const ug = idMap(ugRows);
  const group = (name: string): number => ug.get(name)!;
  const grants: Array<[string, number]> = [
    ['Users - Projects 1 & 2', await roleId(trx, 'OpenTeraServer', 'user', { id_project: p1 })],
    ['Users - Projects 1 & 2', await roleId(trx, 'OpenTeraServer', 'user', { id_project: p2 })],
    ['Admins - Default Site', await roleId(trx, 'OpenTeraServer', 'admin', { id_site: site1 })],
    ['Admins - Project 1', await roleId(trx, 'OpenTeraServer', 'admin', { id_project: p1 })],
    ['Users - Project 1', await roleId(trx, 'OpenTeraServer', 'user', { id_project: p1 })],
  ];
  await trx
    .insertInto('t_services_access')
    .values(grants.map(([g, id_service_role]) => ({ id_user_group: group(g), id_service_role })))
    .execute();

  // Participants (tokens after insert: they carry the id).
  // Multi-row inserts name every column: SQLite has no DEFAULT in a VALUES list.
  const participant = (
    name: string,
    id_project: number,
    flags: { enabled: boolean; token: boolean; login?: SeedPassword },
  ) => ({
    participant_uuid: randomUUID(),
    participant_name: name,
    participant_enabled: flags.enabled,
    participant_token_enabled: flags.token,
    participant_login_enabled: flags.login !== undefined,
    participant_username: flags.login ? 'participant1' : null,
    participant_password: flags.login ? SEED_PASSWORD_HASHES[flags.login] : null,
    participant_email: flags.login ? 'x@opentera.org' : null,
    id_participant_group: flags.login ? groupA : null,
    id_project,
  });
  const participants = await trx
    .insertInto('t_participants')
    .values([
      participant('Participant #1', p1, { enabled: true, token: true, login: 'opentera' }),
      participant('Participant #2', p1, { enabled: false, token: false }),
      participant('Participant #3', p1, { enabled: true, token: true }),
      participant('Secret Participant', p3, { enabled: true, token: true }),
    ])
    .returning(['id_participant', 'participant_uuid', 'participant_name'])
    .execute();
  for (const p of participants) {
    // OpenTera generates no token for Participant #3 although it is token-enabled.
    const tokened =
      p.participant_name === 'Participant #1' || p.participant_name === 'Secret Participant';
    const token = tokened ? await signParticipantStaticToken(keys.participantKey, p) : undefined;
    if (token) {
      await trx
        .updateTable('t_participants')
        .set({ participant_token: token })
        .where('id_participant', '=', p.id_participant)
        .execute();
    }
    const isP1 = p.participant_name === 'Participant #1';
    credentials.push({
      kind: 'participant',
      name: p.participant_name,
      ...(isP1 ? { username: 'participant1', password: 'opentera' } : {}),
      ...(token ? { token } : {}),
    });
  }

  // Users (admin is id 1) and memberships.
  const userRows = await trx
    .insertInto('t_users')
    .values(
      USERS.map((u) => ({
        user_uuid: randomUUID(),
        user_username: u.username,
        user_email: u.email,
        user_password: SEED_PASSWORD_HASHES[u.username],
        user_firstname: u.first,
        user_lastname: u.last,
        user_profile: '',
        user_enabled: true,
        user_superadmin: false,
      })),
    )
    .returning(['id_user as id', 'user_username as name'])
    .execute();
  const users = idMap(userRows);
  for (const u of USERS) {
    credentials.push({
      kind: 'user',
      name: `${u.first} ${u.last}`,
      username: u.username,
      password: u.username,
    });
  }
  await trx
    .insertInto('t_users_users_groups')
    .values(MEMBERSHIPS.map(([u, g]) => ({ id_user: users.get(u)!, id_user_group: group(g) })))
    .execute();

  const [part1, part2] = participants.map((p) => p.id_participant) as [number, number];
  const devices = await seedTestDevices(trx, keys, { p1, p3, site1, site2, groupA, part1, part2 });
  credentials.push(...devices);
  await seedServiceSitesAndProjects(trx, { site1, site2, p1, p2 });
  await seedTestSessions(trx);
  return credentials;
}

async function seedTestDevices(
  trx: Trx,
  keys: Keys,
  ids: {
    p1: number;
    p3: number;
    site1: number;
    site2: number;
    groupA: number;
    part1: number;
    part2: number;
  },
): Promise<Credential[]> {
  const types = await trx
    .selectFrom('t_devices_types')
    .select(['id_device_type', 'device_type_key'])
    .execute();
  const type = (key: string): number =>
    types.find((t) => t.device_type_key === key)!.id_device_type;
  const devices = await trx
    .insertInto('t_devices')
    .values([
      {
        device_name: 'Apple Watch #W05P1',
        device_uuid: APPLE_WATCH_UUID,
        id_device_type: type('capteur'),
        device_enabled: true,
        device_onlineable: true,
      },
      {
        device_name: 'Kit Télé #1',
        device_uuid: randomUUID(),
        id_device_type: type('videoconference'),
        device_enabled: true,
        device_onlineable: true,
      },
      {
        device_name: 'Robot A',
        device_uuid: randomUUID(),
        id_device_type: type('robot'),
        device_enabled: false,
        device_onlineable: true,
      },
    ])
    .returning(['id_device', 'device_uuid', 'device_name'])
    .execute();
  const credentials: Credential[] = [];
  for (const d of devices) {
    const token = await signDeviceToken(keys.deviceKey, d);
    await trx
      .updateTable('t_devices')
      .set({ device_token: token })
      .where('id_device', '=', d.id_device)
      .execute();
    credentials.push({ kind: 'device', name: d.device_name, token });
  }
  const [watch, kit] = devices.map((d) => d.id_device) as [number, number, number];
  await trx
    .insertInto('t_devices_projects')
    .values([
      { id_device: watch, id_project: ids.p1 },
      { id_device: watch, id_project: ids.p3 },
      { id_device: kit, id_project: ids.p1 },
    ])
    .execute();
  await trx
    .insertInto('t_devices_participants')
    .values([
      { id_device: watch, id_participant: ids.part1 },
      { id_device: watch, id_participant: ids.part2 },
      { id_device: kit, id_participant: ids.part2 },
    ])
    .execute();
  // Service grants beyond OpenTeraServer's (`TeraServiceAccess.create_defaults`).
  const users1 = await groupId(trx, 'Users - Project 1');
  const admins1 = await groupId(trx, 'Admins - Project 1');
  await trx
    .insertInto('t_services_access')
    .values([
      { id_user_group: users1, id_service_role: await roleId(trx, 'BureauActif', 'admin') },
      { id_user_group: admins1, id_service_role: await roleId(trx, 'LoggingService', 'admin') },
      { id_device: watch, id_service_role: await roleId(trx, 'BureauActif', 'user') },
      {
        id_participant_group: ids.groupA,
        id_service_role: await roleId(trx, 'LoggingService', 'user'),
      },
    ])
    .execute();
  const bureau = type('bureau_actif');
  await trx
    .insertInto('t_devices_subtypes')
    .values([
      { id_device_type: bureau, device_subtype_name: 'Bureau modèle #1' },
      { id_device_type: bureau, device_subtype_name: 'Bureau modèle #2' },
    ])
    .execute();
  await trx
    .insertInto('t_devices_sites')
    .values([
      { id_device: watch, id_site: ids.site1 },
      { id_device: kit, id_site: ids.site1 },
      { id_device: watch, id_site: ids.site2 },
    ])
    .execute();
  return credentials;
}

async function groupId(trx: Trx, name: string): Promise<number> {
  const row = await trx
    .selectFrom('t_users_groups')
    .select('id_user_group')
    .where('user_group_name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id_user_group;
}

/** OpenTera's services per site and per project (`TeraServiceSite`/`TeraServiceProject` defaults). */
async function seedServiceSitesAndProjects(
  trx: Trx,
  ids: { site1: number; site2: number; p1: number; p2: number },
): Promise<void> {
  const services = await trx
    .selectFrom('t_services')
    .select(['id_service', 'service_key'])
    .execute();
  const service = (key: string): number => services.find((s) => s.service_key === key)!.id_service;
  const [rehab, files, bureau] = [
    service('VideoRehabService'),
    service('FileTransferService'),
    service('BureauActif'),
  ];
  await trx
    .insertInto('t_services_sites')
    .values([
      { id_site: ids.site1, id_service: rehab },
      { id_site: ids.site1, id_service: files },
      { id_site: ids.site1, id_service: bureau },
      { id_site: ids.site2, id_service: rehab },
    ])
    .execute();
  await trx
    .insertInto('t_services_projects')
    .values([
      { id_project: ids.p1, id_service: rehab },
      { id_project: ids.p2, id_service: rehab },
      { id_project: ids.p1, id_service: files },
      { id_project: ids.p1, id_service: bureau },
    ])
    .execute();
}
