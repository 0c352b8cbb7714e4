/**
 * What every new TeraRelay database gets (OpenTera's `create_defaults`, first steps): the server
 * settings, the services with their global roles, `Default Site` with its roles, the device
 * types and the `admin` user. With `test`, the two test-only services are inserted in
 * OpenTera's order so every id matches OpenTera's test dataset.
 */
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { DEFAULT_CLIENTS } from '../../auth/client-version.js';
import { SEED_PASSWORD_HASHES } from './password-hashes.js';
import type { Database } from '../schema.js';
import { SETTING, randomKey, setSetting } from '../queries/settings.js';

export type Trx = Transaction<Database>;

export const OPENTERA_SERVICE_UUID = '00000000-0000-0000-0000-000000000001';

/** The server version advertised in `ServerVersions` (the OpenTera version TeraRelay follows). */
const SERVER_VERSION = { major: 1, minor: 3, patch: 0 };

export function defaultServerVersions(): string {
  const { major, minor, patch } = SERVER_VERSION;
  return JSON.stringify({
    version_string: `${major}.${minor}.${patch}`,
    version_major: major,
    version_minor: minor,
    version_patch: patch,
    clients: DEFAULT_CLIENTS,
  });
}

export interface Keys {
  deviceKey: string;
  participantKey: string;
}

interface ServiceSeed {
  key: string;
  name: string;
  port: number;
  client: string;
  testOnly?: boolean;
  system?: boolean;
  editable?: boolean;
  assets?: boolean;
  tests?: boolean;
  endpoints?: { user?: string; participant?: string; device?: string };
}

/** OpenTera's services, in insertion order (`TeraService.create_defaults`). */
const SERVICES: ServiceSeed[] = [
  {
    key: 'OpenTeraServer',
    name: 'OpenTera Server',
    port: 4040,
    client: '/',
    system: true,
    editable: true,
    endpoints: { user: '/user', participant: '/participant', device: '/device' },
  },
  { key: 'LoggingService', name: 'Logging Service', port: 4041, client: '/log', system: true },
  {
    key: 'FileTransferService',
    name: 'File Transfer Service',
    port: 4042,
    client: '/file',
    system: true,
    assets: true,
  },
  { key: 'EmailService', name: 'Email Service', port: 4043, client: '/mail', system: true },
  { key: 'BureauActif', name: 'Bureau Actif', port: 4050, client: '/bureau', testOnly: true },
  {
    key: 'VideoRehabService',
    name: 'Télé-réadaptation vidéo',
    port: 4070,
    client: '/rehab',
    system: true,
    editable: true,
    endpoints: { participant: '/participant' },
  },
  {
    key: 'RobotTeleOperationService',
    name: 'Robot Teleoperation Service',
    port: 4080,
    client: '/robot',
    testOnly: true,
    tests: true,
  },
];

const DEVICE_TYPES: Array<[key: string, name: string]> = [
  ['videoconference', 'Vidéoconférence'],
  ['capteur', 'Capteur'],
  ['robot', 'Robot'],
  ['bureau_actif', 'Bureau Actif'],
];

async function seedSettings(trx: Trx): Promise<Keys> {
  const keys = { deviceKey: randomKey(32), participantKey: randomKey(32) };
  await setSetting(trx, SETTING.TokenEncryptionKey, keys.deviceKey);
  await setSetting(trx, SETTING.ParticipantTokenEncryptionKey, keys.participantKey);
  await setSetting(trx, SETTING.ServerUUID, randomUUID());
  await setSetting(trx, SETTING.DeviceRegisterKey, randomKey(10));
  await setSetting(trx, SETTING.ServerVersions, defaultServerVersions());
  return keys;
}

async function seedServices(trx: Trx, test: boolean): Promise<void> {
  const services = SERVICES.filter((s) => test || !s.testOnly);
  const rows = await trx
    .insertInto('t_services')
    .values(
      services.map((s) => ({
        service_uuid: s.key === 'OpenTeraServer' ? OPENTERA_SERVICE_UUID : randomUUID(),
        service_key: s.key,
        service_name: s.name,
        service_hostname: '127.0.0.1',
        service_port: s.port,
        service_endpoint: '/',
        service_clientendpoint: s.client,
        service_endpoint_user: s.endpoints?.user ?? null,
        service_endpoint_participant: s.endpoints?.participant ?? null,
        service_endpoint_device: s.endpoints?.device ?? null,
        service_enabled: true,
        service_system: s.system ?? false,
        service_editable_config: s.editable ?? false,
        service_has_assets: s.assets ?? false,
        service_has_tests: s.tests ?? false,
      })),
    )
    .returning(['id_service', 'service_key'])
    .execute();
  // Every service but OpenTeraServer gets global `admin` and `user` roles.
  const roles = rows
    .filter((r) => r.service_key !== 'OpenTeraServer')
    .flatMap((r) =>
      ['admin', 'user'].map((name) => ({ id_service: r.id_service, service_role_name: name })),
    );
  await trx.insertInto('t_services_roles').values(roles).execute();
}

/** Id of the OpenTeraServer service. */
export async function openTeraServiceId(trx: Trx): Promise<number> {
  const row = await trx
    .selectFrom('t_services')
    .select('id_service')
    .where('service_key', '=', 'OpenTeraServer')
    .executeTakeFirstOrThrow();
  return row.id_service;
}

/** Inserts a site and its OpenTeraServer `admin` and `user` roles; returns the site id. */
export async function insertSite(trx: Trx, name: string): Promise<number> {
  const { id_site } = await trx
    .insertInto('t_sites')
    .values({ site_name: name })
    .returning('id_site')
    .executeTakeFirstOrThrow();
  const id_service = await openTeraServiceId(trx);
  await trx
    .insertInto('t_services_roles')
    .values(['admin', 'user'].map((n) => ({ id_service, id_site, service_role_name: n })))
    .execute();
  return id_site;
}

/** Seeds the defaults; returns the token signing keys it created. */
export async function seedDefaults(trx: Trx, test: boolean): Promise<Keys> {
  const keys = await seedSettings(trx);
  await seedServices(trx, test);
  await insertSite(trx, 'Default Site');
  await trx
    .insertInto('t_devices_types')
    .values(
      DEVICE_TYPES.map(([device_type_key, device_type_name]) => ({
        device_type_key,
        device_type_name,
      })),
    )
    .execute();
  await trx
    .insertInto('t_users')
    .values({
      user_uuid: randomUUID(),
      user_username: 'admin',
      user_email: 'admin@opentera.org',
      user_password: SEED_PASSWORD_HASHES.admin,
      user_firstname: 'Super',
      user_lastname: 'Admin',
      user_profile: '',
      user_enabled: true,
      user_superadmin: true,
      // OpenTera forces a new password at the first login, except in its test dataset.
      user_force_password_change: !test,
    })
    .execute();
  return keys;
}
