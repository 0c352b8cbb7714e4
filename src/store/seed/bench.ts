/**
 * `--seed bench:N`: a load-test dataset, inserted after the defaults. For an index i from 1 to N:
 * - user `bench-watcher-<i>`: superadmin, sees every event;
 * - user `bench-user-<i>`: member of the user group of project `benchProject(i)` only, with
 *   OpenTeraServer's `user` role there, so it sees that project's participants and devices;
 * - participant `Bench participant <i>` in project `benchProject(i)` (and its participant
 *   group), token-enabled with a static token, no password login;
 * - device `Bench device <i>`: videoconference, enabled, onlineable, with a static token, in
 *   project `benchProject(i)` and Default Site, linked to participant i.
 * Projects are `Bench project 1` … `Bench project <BENCH_PROJECTS>` in Default Site.
 * Every bench user's password is BENCH_PASSWORD, hashed once with bcrypt cost BENCH_BCRYPT_COST:
 * logins are cheap so that a load test measures the server, not bcrypt. Tokens are read back
 * from `t_devices.device_token` and `t_participants.participant_token`.
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/bcrypt';
import { sql } from 'kysely';
import { signDeviceToken, signParticipantStaticToken } from '../../auth/jwt.js';
import type { Keys, Trx } from './defaults.js';
import { openTeraServiceId } from './defaults.js';
import type { SeedReport } from './seed.js';

export const BENCH_PASSWORD = 'bench';
export const BENCH_BCRYPT_COST = 4;
export const BENCH_PROJECTS = 10;

export const benchWatcher = (i: number): string => `bench-watcher-${i}`;
export const benchUser = (i: number): string => `bench-user-${i}`;
export const benchParticipant = (i: number): string => `Bench participant ${i}`;
export const benchDevice = (i: number): string => `Bench device ${i}`;
export const benchProjectName = (p: number): string => `Bench project ${p}`;
/** The project (1 … BENCH_PROJECTS) of bench user, participant and device number `i` (from 1). */
export const benchProject = (i: number): number => ((i - 1) % BENCH_PROJECTS) + 1;

/** N of a `bench:N` seed mode, or null for another mode. */
export function benchSize(mode: string): number | null {
  const match = /^bench:([1-9][0-9]*)$/.exec(mode);
  return match ? Number(match[1]) : null;
}

type Credential = SeedReport['credentials'][number];

/** Rows inserted per statement (within SQLite's and PostgreSQL's bound-parameter limits). */
const CHUNK = 500;

const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k + 1);

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let k = 0; k < rows.length; k += CHUNK) await insert(rows.slice(k, k + CHUNK));
}

/** Sets the token of each (id, token) row in one UPDATE: `CASE id WHEN … THEN token … END`. */
async function setTokens(
  trx: Trx,
  columns: { table: string; id: string; token: string },
  rows: Array<[id: number, token: string]>,
): Promise<void> {
  const id = sql.ref(columns.id);
  const cases = sql.join(
    rows.map(([rowId, token]) => sql`when ${rowId} then ${token}`),
    sql` `,
  );
  const ids = sql.join(rows.map(([rowId]) => rowId));
  await sql`update ${sql.table(columns.table)} set ${sql.ref(columns.token)} = case ${id} ${cases} end where ${id} in (${ids})`.execute(
    trx,
  );
}

export async function seedBenchData(trx: Trx, keys: Keys, n: number): Promise<Credential[]> {
  const site = 1;
  const openTera = await openTeraServiceId(trx);
  const passwordHash = await hash(BENCH_PASSWORD, BENCH_BCRYPT_COST);

  // Projects, each with OpenTeraServer's roles, a participant group and a user group.
  const projects: number[] = [];
  const participantGroups: number[] = [];
  const userGroups: number[] = [];
  for (const p of range(BENCH_PROJECTS)) {
    const { id_project } = await trx
      .insertInto('t_projects')
      .values({ project_name: benchProjectName(p), id_site: site })
      .returning('id_project')
      .executeTakeFirstOrThrow();
    const roles = await trx
      .insertInto('t_services_roles')
      .values(
        ['admin', 'user'].map((name) => ({
          id_service: openTera,
          id_project,
          service_role_name: name,
        })),
      )
      .returning(['id_service_role', 'service_role_name'])
      .execute();
    const { id_participant_group } = await trx
      .insertInto('t_participants_groups')
      .values({ participant_group_name: `Bench group ${p}`, id_project })
      .returning('id_participant_group')
      .executeTakeFirstOrThrow();
    const { id_user_group } = await trx
      .insertInto('t_users_groups')
      .values({ user_group_name: `Bench users - ${benchProjectName(p)}` })
      .returning('id_user_group')
      .executeTakeFirstOrThrow();
    const userRole = roles.find((r) => r.service_role_name === 'user')!.id_service_role;
    await trx
      .insertInto('t_services_access')
      .values({ id_user_group, id_service_role: userRole })
      .execute();
    projects.push(id_project);
    participantGroups.push(id_participant_group);
    userGroups.push(id_user_group);
  }
  const projectOf = (i: number): number => projects[benchProject(i) - 1]!;

  // Users: the watchers, then the users limited to one project.
  const user = (username: string, first: string, i: number, superadmin: boolean) => ({
    user_uuid: randomUUID(),
    user_username: username,
    user_email: null,
    user_password: passwordHash,
    user_firstname: first,
    user_lastname: String(i),
    user_profile: '',
    user_enabled: true,
    user_superadmin: superadmin,
  });
  await insertChunked(
    range(n).map((i) => user(benchWatcher(i), 'Bench watcher', i, true)),
    (rows) => trx.insertInto('t_users').values(rows).execute(),
  );
  await insertChunked(range(n), async (chunk) => {
    const ids = await trx
      .insertInto('t_users')
      .values(chunk.map((i) => user(benchUser(i), 'Bench user', i, false)))
      .returning('id_user')
      .execute();
    await trx
      .insertInto('t_users_users_groups')
      .values(
        ids.map((row, k) => ({
          id_user: row.id_user,
          id_user_group: userGroups[benchProject(chunk[k]!) - 1]!,
        })),
      )
      .execute();
  });

  // Participants and devices, with their static tokens (signed once their ids are known).
  const [deviceType] = await trx
    .selectFrom('t_devices_types')
    .select('id_device_type')
    .where('device_type_key', '=', 'videoconference')
    .execute();
  let firstDeviceToken = '';
  await insertChunked(range(n), async (chunk) => {
    const participants = await trx
      .insertInto('t_participants')
      .values(
        chunk.map((i) => ({
          participant_uuid: randomUUID(),
          participant_name: benchParticipant(i),
          participant_enabled: true,
          participant_token_enabled: true,
          participant_login_enabled: false,
          id_participant_group: participantGroups[benchProject(i) - 1]!,
          id_project: projectOf(i),
        })),
      )
      .returning(['id_participant', 'participant_uuid'])
      .execute();
    const devices = await trx
      .insertInto('t_devices')
      .values(
        chunk.map((i) => ({
          device_uuid: randomUUID(),
          device_name: benchDevice(i),
          id_device_type: deviceType!.id_device_type,
          device_enabled: true,
          device_onlineable: true,
        })),
      )
      .returning(['id_device', 'device_uuid'])
      .execute();
    const participantTokens = await Promise.all(
      participants.map((p) => signParticipantStaticToken(keys.participantKey, p)),
    );
    await setTokens(
      trx,
      { table: 't_participants', id: 'id_participant', token: 'participant_token' },
      participants.map((p, k) => [p.id_participant, participantTokens[k]!]),
    );
    const deviceTokens = await Promise.all(devices.map((d) => signDeviceToken(keys.deviceKey, d)));
    firstDeviceToken ||= deviceTokens[0]!;
    await setTokens(
      trx,
      { table: 't_devices', id: 'id_device', token: 'device_token' },
      devices.map((d, k) => [d.id_device, deviceTokens[k]!]),
    );
    const links = chunk.map((i, k) => ({ i, device: devices[k]!.id_device }));
    await trx
      .insertInto('t_devices_projects')
      .values(links.map(({ i, device }) => ({ id_device: device, id_project: projectOf(i) })))
      .execute();
    await trx
      .insertInto('t_devices_sites')
      .values(links.map(({ device }) => ({ id_device: device, id_site: site })))
      .execute();
    await trx
      .insertInto('t_devices_participants')
      .values(
        links.map(({ device }, k) => ({
          id_device: device,
          id_participant: participants[k]!.id_participant,
        })),
      )
      .execute();
  });

  const last = (name: (i: number) => string): string =>
    n > 1 ? `${name(1)} … ${name(n)}` : name(1);
  return [
    {
      kind: 'user',
      name: `${n} superadmin watchers`,
      username: last(benchWatcher),
      password: BENCH_PASSWORD,
    },
    {
      kind: 'user',
      name: `${n} users, one project each`,
      username: last(benchUser),
      password: BENCH_PASSWORD,
    },
    {
      kind: 'device',
      name: `${benchDevice(1)} (the others: t_devices.device_token)`,
      token: firstDeviceToken,
    },
  ];
}
