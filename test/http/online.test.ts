import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, bearer } from '../kit/server.js';
import { device, markOnline, participant, serveApi, userTokenOf, userUuid } from '../kit/http.js';

const USERS = ['admin', 'siteadmin', 'user', 'user2', 'user3', 'user4'];

describe('who is online, per caller', () => {
  const suite = serveApi();
  before(async () => {
    const server = suite.server;
    for (const u of USERS) await markOnline(server, 'user', await userUuid(server, u));
    for (const p of ['Participant #1', 'Secret Participant'])
      await markOnline(server, 'participant', (await participant(server, p)).participant_uuid);
    // Busy in a session while offline: listed, with participant_online false.
    await server.deps.presence.setBusy(
      'participant',
      (await participant(server, 'Participant #3')).participant_uuid,
      'session-1',
    );
    for (const d of ['Apple Watch #W05P1', 'Kit Télé #1', 'Robot A'])
      await markOnline(server, 'device', (await device(server, d)).device_uuid);
  });

  const names = <T>(rows: T[], key: keyof T) => rows.map((r) => r[key]);

  test('users: admin sees all, a site admin the users of its projects and itself, a user without access only itself', async () => {
    const all = (await suite.api.get('/api/user/users/online', basic('admin', 'admin'))).json<
      Array<{ user_name: string; user_online: boolean; user_busy: boolean }>
    >();
    assert.deepEqual(names(all, 'user_name'), [
      'MultiSite User',
      'No Access User!',
      'Project Admin',
      'Site Admin',
      'Site User',
      'Super Admin',
    ]);
    assert.ok(all.every((u) => u.user_online && !u.user_busy));
    const site = (
      await suite.api.get(
        '/api/user/users/online',
        bearer(await userTokenOf(suite.server, 'siteadmin')),
      )
    ).json<Array<{ user_name: string }>>();
    assert.deepEqual(names(site, 'user_name'), [
      'MultiSite User',
      'Project Admin',
      'Site Admin',
      'Site User',
    ]);
    const project = (await suite.api.get('/api/user/users/online', basic('user', 'user'))).json<
      Array<{ user_name: string }>
    >();
    assert.deepEqual(names(project, 'user_name'), ['MultiSite User', 'Project Admin', 'Site User']);
    const none = (await suite.api.get('/api/user/users/online', basic('user4', 'user4'))).json<
      Array<{ user_name: string }>
    >();
    assert.deepEqual(names(none, 'user_name'), ['No Access User!']);
  });

  test('participants: online or busy ones in accessible projects, with_projects and with_sites', async () => {
    type P = {
      participant_name: string;
      participant_online: boolean;
      participant_busy: boolean;
      project_name?: string;
      site_name?: string;
      id_site?: number;
    };
    const plain = (
      await suite.api.get('/api/user/participants/online', basic('user', 'user'))
    ).json<P[]>();
    assert.deepEqual(
      plain.map((p) => [p.participant_name, p.participant_online, p.participant_busy]),
      [
        ['Participant #1', true, false],
        ['Participant #3', false, true],
      ],
    );
    assert.equal(plain[0]!.project_name, undefined);
    const full = (
      await suite.api.get(
        '/api/user/participants/online?with_projects=true&with_sites=1',
        basic('user', 'user'),
      )
    ).json<P[]>();
    assert.equal(full[0]!.project_name, 'Default Project #1');
    assert.equal(full[0]!.site_name, 'Default Site');
    assert.equal(full[0]!.id_site, 1);
    const admin = (
      await suite.api.get('/api/user/participants/online', basic('admin', 'admin'))
    ).json<P[]>();
    assert.deepEqual(names(admin, 'participant_name'), [
      'Participant #1',
      'Participant #3',
      'Secret Participant',
    ]);
    assert.deepEqual(
      (await suite.api.get('/api/user/participants/online', basic('user4', 'user4'))).json(),
      [],
    );
    assert.equal(
      (await suite.api.get('/api/user/participants/online?with_sites=x', basic('user', 'user')))
        .status,
      400,
    );
  });

  test('devices: accessible ones with their last status entry', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    await suite.server.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: bearer(watch.device_token!) },
      body: { status: { battery: 10 }, timestamp: 42 },
    });
    type D = {
      device_name: string;
      device_online: boolean;
      device_status: { online: boolean; busy: boolean; status: unknown };
    };
    const rows = (await suite.api.get('/api/user/devices/online', basic('user', 'user'))).json<
      D[]
    >();
    assert.deepEqual(names(rows, 'device_name'), ['Apple Watch #W05P1', 'Kit Télé #1']);
    assert.deepEqual(rows[0]!.device_status, {
      online: true,
      busy: false,
      status: { status: '{"battery": 10}', timestamp: 42 },
    });
    assert.deepEqual(rows[1]!.device_status, { online: true, busy: false, status: null });
    const admin = (await suite.api.get('/api/user/devices/online', basic('admin', 'admin'))).json<
      D[]
    >();
    assert.deepEqual(names(admin, 'device_name'), ['Apple Watch #W05P1', 'Kit Télé #1', 'Robot A']);
    assert.deepEqual(
      (await suite.api.get('/api/user/devices/online', basic('user4', 'user4'))).json(),
      [],
    );
  });

  test('each list, and its argument error, is exactly application/json', async () => {
    const token = bearer(await userTokenOf(suite.server, 'admin'));
    for (const path of [
      '/api/user/users/online',
      '/api/user/participants/online',
      '/api/user/devices/online',
    ]) {
      const r = await suite.api.get(path, token);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'application/json', path);
    }
    const bad = await suite.api.get('/api/user/participants/online?with_sites=x', token);
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['content-type'], 'application/json');
  });

  test('the lists need a user: no auth or a participant token get 401', async () => {
    for (const path of [
      '/api/user/users/online',
      '/api/user/participants/online',
      '/api/user/devices/online',
    ]) {
      assert.equal((await suite.api.get(path)).status, 401);
      const p = await participant(suite.server, 'Participant #1');
      assert.equal((await suite.api.get(path, bearer(p.participant_token!))).status, 401);
    }
  });
});
