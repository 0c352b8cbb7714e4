/** `--seed defaults` on every backend, and seeding being a no-op on a non-empty database. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../../src/store/connect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { seedIfEmpty, type SeedReport } from '../../src/store/seed/seed.js';
import { SETTING, getSetting } from '../../src/store/queries/settings.js';
import { BACKENDS, backendSuite } from '../kit/backends.js';

for (const backend of BACKENDS) {
  describe(`seed defaults on ${backend.name}`, () => {
    let report: SeedReport | null = null;
    const suite = backendSuite(backend, async (db) => {
      await migrateToLatest(db);
      assert.equal(await seedIfEmpty(db, 'none'), null);
      if (db.url && db.dialect === 'postgres') {
        // Two nodes starting at once on the same database: exactly one seeds. (Not tried on
        // SQLite: two handles in one process would block each other's synchronous calls.)
        const other = await openDb(db.url);
        try {
          const both = await Promise.all([
            seedIfEmpty(db, 'defaults'),
            seedIfEmpty(other, 'defaults'),
          ]);
          assert.equal(both.filter((x) => x !== null).length, 1, 'exactly one node seeds');
          report = both.find((x) => x !== null) ?? null;
        } finally {
          await other.close();
        }
      } else {
        report = await seedIfEmpty(db, 'defaults');
      }
    });

    test('server settings: keys, register key, uuid, versions', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const db = suite.db;
      const deviceKey = await getSetting(db, SETTING.TokenEncryptionKey);
      const participantKey = await getSetting(db, SETTING.ParticipantTokenEncryptionKey);
      assert.match(deviceKey ?? '', /^[0-9A-Za-z]{32}$/);
      assert.match(participantKey ?? '', /^[0-9A-Za-z]{32}$/);
      assert.notEqual(deviceKey, participantKey);
      assert.match((await getSetting(db, SETTING.DeviceRegisterKey)) ?? '', /^[0-9A-Za-z]{10}$/);
      assert.match(
        (await getSetting(db, SETTING.ServerUUID)) ?? '',
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/,
      );
      const versions = JSON.parse((await getSetting(db, SETTING.ServerVersions)) ?? '{}') as Record<
        string,
        unknown
      >;
      assert.deepEqual(Object.keys(versions).sort(), [
        'clients',
        'version_major',
        'version_minor',
        'version_patch',
        'version_string',
      ]);
      assert.deepEqual(versions.clients, {
        OpenTeraPlus: {
          client_name: 'OpenTeraPlus',
          client_description: 'OpenTeraPlus Qt Client',
          client_version: '1.0.0',
          client_documentation_url: 'https://github.com/introlab/openteraplus',
          client_windows_download_url: null,
          client_mac_download_url: null,
          client_linux_download_url: null,
        },
      });
    });

    test('system services with global roles, Default Site with its roles, device types', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const k = suite.db.kysely;
      const services = await k.selectFrom('t_services').selectAll().orderBy('id_service').execute();
      assert.deepEqual(
        services.map((s) => [s.id_service, s.service_key, s.service_system]),
        [
          [1, 'OpenTeraServer', true],
          [2, 'LoggingService', true],
          [3, 'FileTransferService', true],
          [4, 'EmailService', true],
          [5, 'VideoRehabService', true],
        ],
      );
      assert.equal(services[0]?.service_uuid, '00000000-0000-0000-0000-000000000001');
      const roles = await k
        .selectFrom('t_services_roles')
        .select(['id_service_role', 'id_service', 'id_site', 'id_project', 'service_role_name'])
        .orderBy('id_service_role')
        .execute();
      assert.deepEqual(
        roles.map((r) => [
          r.id_service_role,
          r.id_service,
          r.id_site,
          r.id_project,
          r.service_role_name,
        ]),
        [
          [1, 2, null, null, 'admin'],
          [2, 2, null, null, 'user'],
          [3, 3, null, null, 'admin'],
          [4, 3, null, null, 'user'],
          [5, 4, null, null, 'admin'],
          [6, 4, null, null, 'user'],
          [7, 5, null, null, 'admin'],
          [8, 5, null, null, 'user'],
          [9, 1, 1, null, 'admin'],
          [10, 1, 1, null, 'user'],
        ],
      );
      const sites = await k.selectFrom('t_sites').select(['id_site', 'site_name']).execute();
      assert.deepEqual(sites, [{ id_site: 1, site_name: 'Default Site' }]);
      const types = await k
        .selectFrom('t_devices_types')
        .select('device_type_key')
        .orderBy('id_device_type')
        .execute();
      assert.deepEqual(
        types.map((d) => d.device_type_key),
        ['videoconference', 'capteur', 'robot', 'bureau_actif'],
      );
      for (const table of [
        't_projects',
        't_participants',
        't_devices',
        't_sessions',
        't_users_groups',
      ] as const) {
        const { n } = await k
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(Number(n), 0, `${table} is empty`);
      }
    });

    test('admin/admin is a superadmin who must change the password', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const users = await suite.db.kysely.selectFrom('t_users').selectAll().execute();
      assert.equal(users.length, 1);
      const admin = users[0]!;
      assert.equal(admin.id_user, 1);
      assert.equal(admin.user_username, 'admin');
      assert.equal(admin.user_superadmin, true);
      assert.equal(admin.user_enabled, true);
      assert.equal(admin.user_force_password_change, true);
      assert.match(admin.user_password, /^\$2b\$12\$/);
      assert.deepEqual(report, {
        mode: 'defaults',
        credentials: [{ kind: 'user', name: 'Super Admin', username: 'admin', password: 'admin' }],
      });
    });

    test('seeding again (any mode) changes nothing', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const db = suite.db;
      const key = await getSetting(db, SETTING.TokenEncryptionKey);
      assert.equal(await seedIfEmpty(db, 'defaults'), null);
      assert.equal(await seedIfEmpty(db, 'test'), null);
      assert.equal(await getSetting(db, SETTING.TokenEncryptionKey), key);
      const users = await db.kysely.selectFrom('t_users').select('id_user').execute();
      assert.equal(users.length, 1);
      const services = await db.kysely.selectFrom('t_services').select('id_service').execute();
      assert.equal(services.length, 5);
    });
  });
}
