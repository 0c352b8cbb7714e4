/** `--seed test`: OpenTera's test dataset (spec §8.2) with OpenTera's ids, on every backend. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { seedIfEmpty, type SeedReport } from '../../src/store/seed/seed.js';
import { SETTING, getSetting } from '../../src/store/queries/settings.js';
import { verifyHs256 } from '../../src/auth/jwt.js';
import { BACKENDS, backendSuite } from '../kit/backends.js';

const pairs = <T>(rows: T[], ...keys: Array<keyof T>): unknown[][] =>
  rows.map((r) => keys.map((k) => r[k]));

for (const backend of BACKENDS) {
  describe(`seed test dataset on ${backend.name}`, () => {
    let report: SeedReport | null = null;
    const suite = backendSuite(backend, async (db) => {
      await migrateToLatest(db);
      report = await seedIfEmpty(db, 'test');
    });
    const k = (): Kysely<Database> => suite.db.kysely;

    test('sites, projects, services and their roles keep OpenTera ids', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const sites = await k().selectFrom('t_sites').selectAll().orderBy('id_site').execute();
      assert.deepEqual(pairs(sites, 'id_site', 'site_name'), [
        [1, 'Default Site'],
        [2, 'Top Secret Site'],
      ]);
      const projects = await k()
        .selectFrom('t_projects')
        .selectAll()
        .orderBy('id_project')
        .execute();
      assert.deepEqual(
        pairs(projects, 'id_project', 'project_name', 'id_site', 'project_enabled'),
        [
          [1, 'Default Project #1', 1, true],
          [2, 'Default Project #2', 1, true],
          [3, 'Secret Project #1', 2, true],
        ],
      );
      const services = await k()
        .selectFrom('t_services')
        .selectAll()
        .orderBy('id_service')
        .execute();
      assert.deepEqual(
        pairs(services, 'id_service', 'service_key', 'service_port', 'service_clientendpoint'),
        [
          [1, 'OpenTeraServer', 4040, '/'],
          [2, 'LoggingService', 4041, '/log'],
          [3, 'FileTransferService', 4042, '/file'],
          [4, 'EmailService', 4043, '/mail'],
          [5, 'BureauActif', 4050, '/bureau'],
          [6, 'VideoRehabService', 4070, '/rehab'],
          [7, 'RobotTeleOperationService', 4080, '/robot'],
        ],
      );
      const ots = services[0]!;
      assert.equal(ots.service_uuid, '00000000-0000-0000-0000-000000000001');
      assert.deepEqual(
        [ots.service_endpoint_user, ots.service_endpoint_participant, ots.service_endpoint_device],
        ['/user', '/participant', '/device'],
      );
      const roles = await k()
        .selectFrom('t_services_roles')
        .selectAll()
        .orderBy('id_service_role')
        .execute();
      // 6 non-core services × (admin, user), then sites 1–2, then projects 1–3, OpenTeraServer's.
      const expected: unknown[][] = [];
      for (let s = 2; s <= 7; s++) expected.push([s, null, null, 'admin'], [s, null, null, 'user']);
      for (const site of [1, 2]) expected.push([1, site, null, 'admin'], [1, site, null, 'user']);
      for (const p of [1, 2, 3]) expected.push([1, null, p, 'admin'], [1, null, p, 'user']);
      assert.deepEqual(
        pairs(roles, 'id_service', 'id_site', 'id_project', 'service_role_name'),
        expected,
      );
      assert.deepEqual(
        roles.map((r) => r.id_service_role),
        expected.map((_, i) => i + 1),
      );
    });

    test('users, groups, memberships and grants', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const users = await k().selectFrom('t_users').selectAll().orderBy('id_user').execute();
      assert.deepEqual(
        pairs(
          users,
          'id_user',
          'user_username',
          'user_firstname',
          'user_lastname',
          'user_superadmin',
          'user_email',
        ),
        [
          [1, 'admin', 'Super', 'Admin', true, 'admin@opentera.org'],
          [2, 'siteadmin', 'Site', 'Admin', false, null],
          [3, 'user', 'Site', 'User', false, null],
          [4, 'user2', 'MultiSite', 'User', false, null],
          [5, 'user3', 'Project', 'Admin', false, null],
          [6, 'user4', 'No Access', 'User!', false, 'noaccess@opentera.org'],
        ],
      );
      for (const u of users) {
        assert.equal(u.user_enabled, true);
        assert.equal(u.user_force_password_change, false, 'test mode: no forced change');
        assert.match(u.user_uuid, /^[0-9a-f-]{36}$/);
      }
      const groups = await k()
        .selectFrom('t_users_groups')
        .selectAll()
        .orderBy('id_user_group')
        .execute();
      assert.deepEqual(pairs(groups, 'id_user_group', 'user_group_name'), [
        [1, 'Users - Projects 1 & 2'],
        [2, 'Admins - Project 1'],
        [3, 'Admins - Default Site'],
        [4, 'Users - Project 1'],
        [5, 'No access!'],
      ]);
      const members = await k()
        .selectFrom('t_users_users_groups')
        .select(['id_user', 'id_user_group'])
        .orderBy('id_user_user_group')
        .execute();
      assert.deepEqual(pairs(members, 'id_user', 'id_user_group'), [
        [2, 3],
        [3, 1],
        [4, 4],
        [4, 3],
        [5, 2],
      ]);
      const grants = await k()
        .selectFrom('t_services_access as a')
        .innerJoin('t_services_roles as r', 'r.id_service_role', 'a.id_service_role')
        .innerJoin('t_services as s', 's.id_service', 'r.id_service')
        .select([
          'a.id_user_group',
          'a.id_participant_group',
          'a.id_device',
          's.service_key',
          'r.id_site',
        ])
        .select(['r.id_project', 'r.service_role_name'])
        .orderBy('a.id_service_access')
        .execute();
      const grantees = grants.map((g) => [
        g.id_user_group
          ? `ug${g.id_user_group}`
          : g.id_participant_group
            ? `pg${g.id_participant_group}`
            : `d${g.id_device}`,
        g.service_key,
        g.id_site ? `site${g.id_site}` : g.id_project ? `project${g.id_project}` : 'global',
        g.service_role_name,
      ]);
      assert.deepEqual(grantees, [
        ['ug1', 'OpenTeraServer', 'project1', 'user'],
        ['ug1', 'OpenTeraServer', 'project2', 'user'],
        ['ug3', 'OpenTeraServer', 'site1', 'admin'],
        ['ug2', 'OpenTeraServer', 'project1', 'admin'],
        ['ug4', 'OpenTeraServer', 'project1', 'user'],
        ['ug4', 'BureauActif', 'global', 'admin'],
        ['ug2', 'LoggingService', 'global', 'admin'],
        ['d1', 'BureauActif', 'global', 'user'],
        ['pg1', 'LoggingService', 'global', 'user'],
      ]);
    });

    test('participants, groups and static tokens', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const groups = await k()
        .selectFrom('t_participants_groups')
        .selectAll()
        .orderBy('id_participant_group')
        .execute();
      assert.deepEqual(
        pairs(groups, 'id_participant_group', 'participant_group_name', 'id_project'),
        [
          [1, 'Default Participant Group A', 1],
          [2, 'Default Participant Group B', 2],
        ],
      );
      const parts = await k()
        .selectFrom('t_participants')
        .selectAll()
        .orderBy('id_participant')
        .execute();
      assert.deepEqual(
        pairs(
          parts,
          'id_participant',
          'participant_name',
          'id_project',
          'id_participant_group',
          'participant_enabled',
          'participant_login_enabled',
          'participant_token_enabled',
          'participant_username',
        ),
        [
          [1, 'Participant #1', 1, 1, true, true, true, 'participant1'],
          [2, 'Participant #2', 1, null, false, false, false, null],
          [3, 'Participant #3', 1, null, true, false, true, null],
          [4, 'Secret Participant', 3, null, true, false, true, null],
        ],
      );
      assert.match(parts[0]!.participant_password ?? '', /^\$2b\$12\$/);
      assert.equal(parts[1]!.participant_token, null);
      assert.equal(
        parts[2]!.participant_token,
        null,
        'OpenTera generates no token for Participant #3',
      );
      const key = (await getSetting(suite.db, SETTING.ParticipantTokenEncryptionKey))!;
      for (const p of [parts[0]!, parts[3]!]) {
        const claims = await verifyHs256(p.participant_token!, key);
        assert.ok(
          claims,
          `${p.participant_name} token verifies with ParticipantTokenEncryptionKey`,
        );
        assert.deepEqual(Object.keys(claims).sort(), [
          'id_participant',
          'iss',
          'jti',
          'participant_uuid',
        ]);
        assert.equal(claims.iss, 'TeraServer');
        assert.equal(claims.participant_uuid, p.participant_uuid);
        assert.equal(claims.id_participant, p.id_participant);
        assert.match(String(claims.jti), /^[0-9a-f]{8}-[0-9a-f]{4}-4/);
      }
    });

    test('devices, types, links and device tokens', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const types = await k()
        .selectFrom('t_devices_types')
        .selectAll()
        .orderBy('id_device_type')
        .execute();
      assert.deepEqual(pairs(types, 'id_device_type', 'device_type_key', 'device_type_name'), [
        [1, 'videoconference', 'Vidéoconférence'],
        [2, 'capteur', 'Capteur'],
        [3, 'robot', 'Robot'],
        [4, 'bureau_actif', 'Bureau Actif'],
      ]);
      const subtypes = await k()
        .selectFrom('t_devices_subtypes')
        .selectAll()
        .orderBy('id_device_subtype')
        .execute();
      assert.deepEqual(
        pairs(subtypes, 'id_device_subtype', 'device_subtype_name', 'id_device_type'),
        [
          [1, 'Bureau modèle #1', 4],
          [2, 'Bureau modèle #2', 4],
        ],
      );
      const devices = await k().selectFrom('t_devices').selectAll().orderBy('id_device').execute();
      assert.deepEqual(
        pairs(
          devices,
          'id_device',
          'device_name',
          'id_device_type',
          'device_enabled',
          'device_onlineable',
        ),
        [
          [1, 'Apple Watch #W05P1', 2, true, true],
          [2, 'Kit Télé #1', 1, true, true],
          [3, 'Robot A', 3, false, true],
        ],
      );
      assert.equal(devices[0]!.device_uuid, 'b707e0b2-e649-47e7-a938-2b949c423f73');
      const key = (await getSetting(suite.db, SETTING.TokenEncryptionKey))!;
      const otherKey: string = (await getSetting(suite.db, SETTING.ParticipantTokenEncryptionKey))!;
      for (const d of devices) {
        const claims = await verifyHs256(d.device_token!, key);
        assert.ok(claims, `${d.device_name} token verifies with TokenEncryptionKey`);
        assert.deepEqual(Object.keys(claims).sort(), ['device_uuid', 'id_device', 'iss', 'jti']);
        assert.equal(claims.iss, 'TeraServer');
        assert.equal(claims.device_uuid, d.device_uuid);
        assert.equal(claims.id_device, d.id_device);
        assert.equal(await verifyHs256(d.device_token!, otherKey), null);
      }
      const link = async (
        table: 't_devices_projects' | 't_devices_sites' | 't_devices_participants',
        col: string,
      ) =>
        (await k().selectFrom(table).selectAll().execute()).map((r) => [
          r.id_device,
          (r as Record<string, unknown>)[col],
        ]);
      const sorted = (xs: unknown[][]) => xs.map((x) => x.join(':')).sort();
      assert.deepEqual(sorted(await link('t_devices_projects', 'id_project')), [
        '1:1',
        '1:3',
        '2:1',
      ]);
      assert.deepEqual(sorted(await link('t_devices_sites', 'id_site')), ['1:1', '1:2', '2:1']);
      assert.deepEqual(sorted(await link('t_devices_participants', 'id_participant')), [
        '1:1',
        '1:2',
        '2:2',
      ]);
    });

    test('session types and their projects', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const types = await k()
        .selectFrom('t_sessions_types')
        .selectAll()
        .orderBy('id_session_type')
        .execute();
      assert.deepEqual(
        pairs(
          types,
          'id_session_type',
          'session_type_name',
          'session_type_online',
          'session_type_category',
          'id_service',
        ),
        [
          [1, 'Suivi vidéo', true, 1, 6],
          [2, 'Données Capteur', false, 3, null],
          [3, 'Collecte données', true, 2, null],
          [4, 'Exercices individuels', false, 4, null],
          [5, 'FileTransfer', false, 1, 3],
        ],
      );
      const links = await k()
        .selectFrom('t_sessions_types_projects')
        .selectAll()
        .orderBy('id_session_type')
        .execute();
      assert.deepEqual(pairs(links, 'id_session_type', 'id_project'), [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 2],
      ]);
    });

    test('sessions: counts, creators and members', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const sessions = await k()
        .selectFrom('t_sessions')
        .selectAll()
        .orderBy('id_session')
        .execute();
      assert.equal(sessions.length, 28);
      const by = (f: (s: (typeof sessions)[number]) => boolean) => sessions.filter(f);
      assert.equal(by((s) => s.id_creator_user === 1).length, 8);
      assert.equal(by((s) => s.id_creator_device === 1).length, 8);
      assert.equal(by((s) => s.id_creator_participant === 1).length, 8);
      assert.equal(by((s) => s.id_creator_service === 6).length, 4);
      assert.deepEqual(
        sessions.map((s) => s.session_name),
        Array.from({ length: 28 }, (_, i) => `Séance #${i + 1}`),
      );
      assert.deepEqual(
        sessions.slice(0, 8).map((s) => s.session_status),
        [0, 0, 0, 1, 2, 2, 3, 4],
      );
      assert.equal(new Set(sessions.map((s) => s.session_uuid)).size, 28);
      for (const s of sessions) {
        assert.ok([1, 2, 3].includes(s.id_session_type));
        assert.equal(typeof s.session_start_datetime, 'string');
        assert.equal(new Date(s.session_start_datetime).toISOString(), s.session_start_datetime);
      }
      const members = async (
        table: 't_sessions_users' | 't_sessions_participants' | 't_sessions_devices',
        col: string,
      ) => {
        const rows = await k().selectFrom(table).selectAll().execute();
        const map = new Map<number, number[]>();
        for (const r of rows) {
          const list = map.get(r.id_session) ?? [];
          list.push((r as Record<string, unknown>)[col] as number);
          map.set(r.id_session, list.sort());
        }
        return (id: number) => map.get(id) ?? [];
      };
      const users = await members('t_sessions_users', 'id_user');
      const parts = await members('t_sessions_participants', 'id_participant');
      const devs = await members('t_sessions_devices', 'id_device');
      // User sessions 1–8.
      assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(parts), [
        [1],
        [1],
        [1],
        [1],
        [1],
        [1],
        [1],
        [1, 2],
      ]);
      assert.deepEqual(users(1), [1]);
      assert.deepEqual(users(5), [1, 2, 3]);
      assert.deepEqual(devs(4), [2]);
      assert.deepEqual(devs(5), []);
      // Device sessions 9–16.
      assert.deepEqual([9, 16].map(parts), [[1], [1, 2]]);
      assert.deepEqual(devs(9), [1]);
      // Participant sessions 17–24: device 1 in the first four, user3 (id 5) in the others.
      assert.deepEqual([17, 20, 21, 24].map(devs), [[1], [1], [], []]);
      assert.deepEqual([17, 21, 24].map(users), [[], [5], [5]]);
      // Service sessions 25–28: the last has participant 2 and user id 3.
      assert.deepEqual([25, 28].map(parts), [[1], [1, 2]]);
      assert.deepEqual([27, 28].map(users), [[], [3]]);
    });

    test('the report lists the test credentials', async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      assert.equal(report?.mode, 'test');
      const creds = report!.credentials;
      const users = creds
        .filter((c) => c.kind === 'user')
        .map((c) => `${c.username}/${c.password}`);
      assert.deepEqual(users, [
        'admin/admin',
        'siteadmin/siteadmin',
        'user/user',
        'user2/user2',
        'user3/user3',
        'user4/user4',
      ]);
      const p1 = creds.find((c) => c.name === 'Participant #1');
      assert.equal(p1?.username, 'participant1');
      assert.equal(p1?.password, 'opentera');
      const tokens = await k()
        .selectFrom('t_devices')
        .select(['device_name', 'device_token'])
        .orderBy('id_device')
        .execute();
      assert.deepEqual(
        creds.filter((c) => c.kind === 'device').map((c) => [c.name, c.token]),
        tokens.map((d) => [d.device_name, d.device_token]),
      );
      assert.equal(creds.find((c) => c.name === 'Participant #3')?.token, undefined);
      assert.ok(creds.find((c) => c.name === 'Secret Participant')?.token);
      assert.equal(await seedIfEmpty(suite.db, 'test'), null, 'seeding twice is a no-op');
    });
  });
}
