/**
 * The session types and sessions of OpenTera's test dataset (`TeraSessionType`,
 * `TeraSessionTypeProject`, `TeraSessionTypeSite` and `TeraSession.create_defaults`): 5 session
 * types with their projects and sites, then
 * 8 sessions created by user 1, 8 by device 1, 8 by participant 1 and 4 by VideoRehabService,
 * with OpenTera's members and statuses. OpenTera picks session types 1–3 and durations at
 * random; here they are derived from the index, so the dataset is the same at every seeding
 * except for the uuids and start times (now − i days).
 */
import { randomUUID } from 'node:crypto';
import type { Trx } from './defaults.js';

/** `[name, online, color, category, service key]`; category 1 SERVICE, 2 DATACOLLECT, 3 FILETRANSFER, 4 PROTOCOL. */
const SESSION_TYPES: Array<[string, boolean, string, number, string | null]> = [
  ['Suivi vidéo', true, '#00FF00', 1, 'VideoRehabService'],
  ['Données Capteur', false, '#0000FF', 3, null],
  ['Collecte données', true, '#00FFFF', 2, null],
  ['Exercices individuels', false, '#FF00FF', 4, null],
  ['FileTransfer', false, '#FF00FF', 1, 'FileTransferService'],
];

const DEFAULT_STATUS = [0, 0, 0, 1, 2, 2, 3, 4];

interface SessionSeed {
  creator: {
    id_creator_user?: number;
    id_creator_device?: number;
    id_creator_participant?: number;
    id_creator_service?: number;
  };
  name: string;
  index: number;
  participants: number[];
  users: number[];
  devices: number[];
}

async function serviceId(trx: Trx, key: string): Promise<number> {
  const row = await trx
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', key)
    .executeTakeFirstOrThrow();
  return row.id_service;
}

async function projectId(trx: Trx, name: string): Promise<number> {
  const row = await trx
    .selectFrom('t_projects')
    .select('id_project')
    .where('project_name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id_project;
}

export async function seedTestSessions(trx: Trx): Promise<void> {
  const types = await trx
    .insertInto('t_sessions_types')
    .values(
      await Promise.all(
        SESSION_TYPES.map(async ([name, online, color, category, service]) => ({
          session_type_name: name,
          session_type_online: online,
          session_type_config: '',
          session_type_color: color,
          session_type_category: category,
          id_service: service ? await serviceId(trx, service) : null,
        })),
      ),
    )
    .returning('id_session_type')
    .execute();
  const p1 = await projectId(trx, 'Default Project #1');
  const p2 = await projectId(trx, 'Default Project #2');
  // Types 1–4 belong to Default Project #1, type 5 (FileTransfer) to Default Project #2.
  await trx
    .insertInto('t_sessions_types_projects')
    .values(
      types.map((t, i) => ({ id_session_type: t.id_session_type, id_project: i < 4 ? p1 : p2 })),
    )
    .execute();
  // OpenTera's `TeraSessionTypeSite` test defaults: every type at Default Site, type 4 also at
  // Top Secret Site.
  const sites = await trx.selectFrom('t_sites').select(['id_site', 'site_name']).execute();
  const siteId = (name: string) => sites.find((s) => s.site_name === name)!.id_site;
  await trx
    .insertInto('t_sessions_types_sites')
    .values([
      ...types.map((t) => ({
        id_session_type: t.id_session_type,
        id_site: siteId('Default Site'),
      })),
      { id_session_type: types[3]!.id_session_type, id_site: siteId('Top Secret Site') },
    ])
    .execute();

  // OpenTera picks these by id (users 1–3, participants 1–2, devices 1–2), and `user3` by name.
  const [user1, user2, user3, part1, part2, device1, device2] = [1, 2, 3, 1, 2, 1, 2];
  const { id_user: userNamedUser3 } = await trx
    .selectFrom('t_users')
    .select('id_user')
    .where('user_username', '=', 'user3')
    .executeTakeFirstOrThrow();
  const videoRehab = await serviceId(trx, 'VideoRehabService');

  const seeds: SessionSeed[] = [];
  for (let i = 0; i < 8; i++) {
    seeds.push({
      creator: { id_creator_user: user1 },
      name: `Séance #${i + 1}`,
      index: i,
      participants: i < 7 ? [part1] : [part1, part2],
      users: i < 4 ? [user1] : [user1, user2, user3],
      devices: i === 3 ? [device2] : [],
    });
  }
  for (let i = 0; i < 8; i++) {
    seeds.push({
      creator: { id_creator_device: device1 },
      name: `Séance #${i + 1 + 8}`,
      index: i,
      participants: i < 7 ? [part1] : [part1, part2],
      users: [],
      devices: [device1],
    });
  }
  for (let i = 0; i < 8; i++) {
    seeds.push({
      creator: { id_creator_participant: part1 },
      name: `Séance #${i + 1 + 16}`,
      index: i,
      participants: [part1],
      users: i < 4 ? [] : [userNamedUser3],
      devices: i < 4 ? [device1] : [],
    });
  }
  for (let i = 0; i < 4; i++) {
    seeds.push({
      creator: { id_creator_service: videoRehab },
      name: `Séance #${i + 1 + 24}`,
      index: i,
      participants: i < 3 ? [part1] : [part1, part2],
      users: i < 3 ? [] : [user3],
      devices: [],
    });
  }

  const now = Date.now();
  const sessions = await trx
    .insertInto('t_sessions')
    .values(
      seeds.map((s, n) => ({
        ...s.creator,
        session_uuid: randomUUID(),
        id_session_type: (n % 3) + 1,
        session_name: s.name,
        session_start_datetime: new Date(now - s.index * 86_400_000).toISOString(),
        session_duration: 60 + ((n * 997) % 4740),
        session_status: DEFAULT_STATUS[s.index]!,
      })),
    )
    .returning('id_session')
    .execute();
  const link = <K extends string>(key: K, pick: (s: SessionSeed) => number[]) =>
    sessions.flatMap((row, n) =>
      pick(seeds[n]!).map(
        (id) =>
          ({ id_session: row.id_session, [key]: id }) as { id_session: number } & Record<K, number>,
      ),
    );
  const users = link('id_user', (s) => s.users);
  const participants = link('id_participant', (s) => s.participants);
  const devices = link('id_device', (s) => s.devices);
  if (users.length) await trx.insertInto('t_sessions_users').values(users).execute();
  if (participants.length)
    await trx.insertInto('t_sessions_participants').values(participants).execute();
  if (devices.length) await trx.insertInto('t_sessions_devices').values(devices).execute();
}
