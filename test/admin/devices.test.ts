/**
 * /api/user/devices: OpenTera's test_UserQueryDevices.py, over HTTPS on SQLite and PostgreSQL,
 * plus the earlier GET tests (filters, tokens per caller), TeraRelay's fixes (`device_status`
 * with `with_status`; `device_uuid` and `uuid` together are 400 even when naming the same
 * device), static tokens and DatabaseEvents. Left out: the asset and test dependants of a
 * delete (out of scope).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites } from '../kit/admin.js';
import { bearer, type TestServer } from '../kit/server.js';
import { markOnline } from '../kit/http.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

const WATCH = 'b707e0b2-e649-47e7-a938-2b949c423f73';

type Dev = Record<string, unknown> & {
  id_device: number;
  device_name: string;
  device_uuid: string;
};
type Params = Record<string, number | string>;

function checkJson(rows: Dev[], params: Params): void {
  for (const d of rows) {
    for (const k of [
      'device_enabled',
      'device_name',
      'device_uuid',
      'id_device',
      'id_device_subtype',
      'id_device_type',
    ])
      assert.ok(k in d, k);
    if (params.projects) {
      const projects = d.device_projects as Array<Record<string, unknown>>;
      for (const dp of projects)
        for (const k of ['id_device', 'id_device_project', 'id_project']) assert.ok(k in dp, k);
    }
    if (!params.list)
      for (const k of [
        'device_config',
        'device_infos',
        'device_lastonline',
        'device_notes',
        'device_onlineable',
        'device_token',
      ])
        assert.ok(k in d, k);
    if (params.with_participants)
      for (const p of d.device_participants as Array<Record<string, unknown>>)
        for (const k of ['id_participant', 'id_project', 'participant_name']) assert.ok(k in p, k);
    if (params.with_sites)
      for (const s of d.device_sites as Array<Record<string, unknown>>) assert.ok('id_site' in s);
    if (params.with_status) {
      assert.ok('device_busy' in d);
      assert.ok('device_online' in d);
      assert.ok('device_status' in d);
    }
  }
}

async function insertSession(
  server: TestServer,
  device: number,
  creator: boolean,
): Promise<number> {
  const k = server.deps.db.kysely;
  const { id_session } = await k
    .insertInto('t_sessions')
    .values({
      session_uuid: randomUUID(),
      id_session_type: 1,
      session_name: 'Session',
      session_start_datetime: new Date().toISOString(),
      session_status: 0,
      id_creator_device: creator ? device : null,
    })
    .returning('id_session')
    .executeTakeFirstOrThrow();
  if (!creator)
    await k.insertInto('t_sessions_devices').values({ id_session, id_device: device }).execute();
  return id_session;
}

adminSuites('/api/user/devices', (suite) => {
  const ep = () => endpoint(suite, '/api/user/devices');
  const get = async (who: string, params: Params) => {
    const r = await ep().get(who, params);
    assert.equal(r.status, 200, `${JSON.stringify(params)}: ${r.text}`);
    return r.json<Dev[]>();
  };
  const names = (rows: Dev[]) => rows.map((d) => d.device_name);
  const post = (who: string, device: Record<string, unknown>) => ep().post(who, { device });

  test('every method needs a valid login (401); no argument lists the devices', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
    assert.equal((await ep().get('admin')).status, 200);
  });

  test('GET as admin: OpenTera test_query_get_as_admin', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const flags = (
      projects: number,
      enabled: number,
      list: number,
      withParticipants: number,
      withSites: number,
      withStatus: number,
    ) => ({
      projects,
      enabled,
      list,
      with_participants: withParticipants,
      with_sites: withSites,
      with_status: withStatus,
    });
    const ok = async (params: Params) => {
      const rows = await get('admin', params);
      assert.ok(rows.length > 0, JSON.stringify(params));
      checkJson(rows, params);
    };
    const empty = async (params: Params) =>
      assert.deepEqual(await get('admin', params), [], JSON.stringify(params));
    const tooMany = async (params: Params) => {
      const r = await ep().get('admin', params);
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.equal(r.json(), 'Too many IDs');
    };
    await ok(flags(1, 1, 1, 1, 1, 1));
    await empty({ id_device: 0, ...flags(0, 1, 1, 1, 1, 1) });
    await ok({ id_device: 1, ...flags(1, 0, 1, 1, 1, 1) });
    await empty({ id_device: 100, ...flags(1, 1, 0, 1, 1, 1) });
    await tooMany({ id_device: 1, device_uuid: WATCH, ...flags(1, 1, 1, 0, 1, 1) });
    await ok({ device_uuid: WATCH, ...flags(1, 1, 1, 1, 1, 0) });
    await ok({ uuid: WATCH, ...flags(1, 0, 1, 0, 1, 0) });
    await empty({ uuid: 'b707e0b2-e649-47e7-a938-2b949e423f73', ...flags(0, 1, 0, 1, 0, 1) });
    await tooMany({ device_uuid: WATCH, uuid: 'b707e0b2-e649-47e7-a938-2b949e423f73' });
    await empty({ id_site: 0, ...flags(0, 0, 0, 1, 1, 1) });
    await ok({ id_site: 1, ...flags(1, 1, 0, 0, 1, 1) });
    await empty({ id_site: 100, ...flags(0, 0, 1, 1, 0, 0) });
    await empty({ id_project: 0, ...flags(1, 0, 1, 1, 1, 0) });
    await ok({ id_project: 1, ...flags(1, 1, 1, 1, 0, 0) });
    await empty({ id_project: 100, ...flags(1, 0, 0, 1, 1, 1) });
    await empty({ id_device_type: 0, ...flags(1, 0, 0, 1, 1, 1) });
    await ok({ id_device_type: 1, ...flags(1, 0, 0, 1, 0, 1) });
    await empty({ id_device_type: 100, ...flags(0, 0, 1, 1, 1, 0) });
    await empty({ id_device_subtype: 0, ...flags(1, 0, 0, 1, 1, 0) });
    await empty({ id_device_subtype: 100, ...flags(0, 1, 0, 0, 0, 0) });
    await empty({ name: ' ', projects: 1, with_sites: 1, with_status: 0 });
    await ok({ name: 'Apple Watch #W05P1', enabled: 0, list: 1, with_participants: 0 });
    await empty({ name: 'Apple Watch', ...flags(0, 0, 0, 1, 0, 1) });
  });

  test('device_uuid and uuid naming the same device: 400 Too many IDs', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await ep().get('admin', { device_uuid: WATCH, uuid: WATCH });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Too many IDs');
  });

  test('every accessible device, per caller; filters', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(names(await get('admin', {})), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
      'Robot A',
    ]);
    assert.deepEqual(names(await get('siteadmin', {})), ['Apple Watch #W05P1', 'Kit Télé #1']);
    assert.deepEqual(names(await get('user', {})), ['Apple Watch #W05P1', 'Kit Télé #1']);
    assert.deepEqual(await get('user4', {}), []);
    assert.deepEqual(names(await get('user', { id_device: 2 })), ['Kit Télé #1']);
    assert.deepEqual(names(await get('user', { id: 2 })), ['Kit Télé #1']);
    assert.deepEqual(names(await get('user', { uuid: WATCH })), ['Apple Watch #W05P1']);
    assert.deepEqual(names(await get('user', { name: 'Kit Télé #1' })), ['Kit Télé #1']);
    assert.deepEqual(names(await get('user', { id_project: 1 })), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
    ]);
    assert.deepEqual(names(await get('admin', { id_site: 2 })), ['Apple Watch #W05P1']);
    assert.deepEqual(names(await get('admin', { id_site: 1, id_device_type: 2 })), [
      'Apple Watch #W05P1',
    ]);
    assert.deepEqual(names(await get('admin', { id_device_type: 3 })), ['Robot A']);
    assert.deepEqual(names(await get('admin', { enabled: 'true' })), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
    ]);
    assert.deepEqual(
      await get('user', { name: 'Robot A' }),
      [],
      'an inaccessible device is not found',
    );
    assert.deepEqual(await get('user', { id_site: 2 }), [], 'nor an inaccessible site');
    const bad = await ep().get('admin', { id_device: 'abc' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json<{ errors: object }>().errors, {
      id_device: "invalid literal for int() with base 10: 'abc'",
    });
  });

  test('device_token for superadmins and admins of a site of the device only', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const stored = await suite.server.deps.db.kysely
      .selectFrom('t_devices')
      .select('device_token')
      .where('device_uuid', '=', WATCH)
      .executeTakeFirstOrThrow();
    for (const who of ['admin', 'siteadmin']) {
      const rows = await get(who, {});
      assert.equal(rows[0]!.device_token, stored.device_token, who);
    }
    for (const who of ['user', 'user3']) {
      const rows = await get(who, {});
      assert.ok(rows.length > 0 && rows.every((d) => !('device_token' in d)), who);
    }
    assert.ok(
      (await get('admin', { list: 1 })).every(
        (d) => !('device_token' in d) && !('device_config' in d),
      ),
    );
  });

  test('with_participants, with_sites and projects are limited to what the caller sees', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [admin] = await get('admin', {
      id_device: 1,
      with_participants: 1,
      with_sites: 1,
      projects: 1,
    });
    assert.deepEqual(
      (admin!.device_sites as Array<{ id_site: number }>).map((s) => s.id_site),
      [1, 2],
    );
    assert.deepEqual(
      (admin!.device_projects as Array<{ id_project: number }>).map((p) => p.id_project),
      [1, 3],
    );
    assert.deepEqual(
      (admin!.device_participants as Array<{ participant_name: string }>).map(
        (p) => p.participant_name,
      ),
      ['Participant #1', 'Participant #2'],
    );
    const [user] = await get('user', { id_device: 1, with_sites: 1, projects: 1 });
    assert.deepEqual(
      (user!.device_sites as Array<{ id_site: number; site_name: string }>).map((s) => [
        s.id_site,
        s.site_name,
      ]),
      [[1, 'Default Site']],
    );
    assert.deepEqual(
      (user!.device_projects as Array<{ id_project: number }>).map((p) => p.id_project),
      [1],
    );
  });

  test('with_status: device_online, device_busy and device_status (null while offline)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [kit] = await get('admin', { id_device: 2 });
    await markOnline(suite.server, 'device', kit!.device_uuid, 'devices-test');
    await suite.server.deps.presence.setDeviceStatus(kit!.device_uuid, {
      status: '{"battery": 80}',
      timestamp: 1700000000,
    });
    try {
      const rows = await get('user', { with_status: 'true' });
      checkJson(rows, { with_status: 1, list: 1 });
      assert.deepEqual(
        rows.map((d) => [d.device_name, d.device_online, d.device_busy, d.device_status]),
        [
          ['Apple Watch #W05P1', false, false, null],
          [
            'Kit Télé #1',
            true,
            false,
            {
              online: true,
              busy: false,
              status: { status: '{"battery": 80}', timestamp: 1700000000 },
            },
          ],
        ],
      );
      assert.ok((await get('user', {})).every((d) => !('device_status' in d)));
    } finally {
      await suite.server.deps.presence.leave('device', kit!.device_uuid, 'devices-test');
    }
  });

  test('POST as admin: OpenTera test_query_post_as_admin', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const ids: number[] = [];
    let r = await ep().post('admin', {});
    assert.equal(r.status, 400);
    r = await post('admin', { device_name: 'Test', id_device: 0 });
    assert.equal(r.status, 500, 'no type');
    r = await post('admin', { id_device_type: 2, id_device: 0 });
    assert.equal(r.status, 500, 'no name');
    r = await post('admin', { device_name: 'Test', id_device: 0, id_device_type: 100 });
    assert.equal(r.status, 500, 'bad type');
    r = await post('admin', { device_name: 'Test', id_device: 0, id_device_type: 3 });
    assert.equal(r.status, 200, r.text);
    ids.push(r.json<Dev[]>()[0]!.id_device);
    checkJson(r.json<Dev[]>(), {});
    r = await post('admin', {
      device_name: 'Test',
      id_device: 0,
      id_device_type: 3,
      id_device_subtype: 100,
    });
    assert.equal(r.status, 500, 'bad subtype');
    r = await post('admin', {
      device_name: 'Test',
      id_device: 0,
      id_device_type: 3,
      id_device_subtype: 2,
    });
    assert.equal(r.status, 200, r.text);
    ids.push(r.json<Dev[]>()[0]!.id_device);
    r = await post('admin', {
      device_certificate: 'Un certificat',
      device_config: 'Une configuration',
      device_enabled: false,
      device_infos: 'Une info',
      device_name: 'Un nom',
      device_notes: 'Une note',
      device_onlineable: false,
      device_token: 'Un Token',
      device_uuid: 'Un uuid',
      id_device: 0,
      id_device_subtype: 1,
      id_device_type: 1,
    });
    assert.equal(r.status, 200, r.text);
    const full = r.json<Dev[]>()[0]!;
    checkJson([full], {});
    ids.push(full.id_device);
    assert.notEqual(full.device_uuid, 'Un uuid', 'the server makes the uuid');
    assert.notEqual(full.device_token, 'Un Token', 'and the token');
    const bad = {
      device_certificate: 'Un certificat 2',
      device_config: 'Une configuration 2',
      device_enabled: true,
      device_infos: 'Une info 2',
      device_name: 'Un nom 2',
      device_notes: 'Une note 2',
      device_onlineable: true,
      device_token: 'Un Token @',
      device_uuid: 'Un uuid @',
      id_device: ids[2],
      id_device_subtype: 100,
      id_device_type: 1,
    };
    r = await post('admin', bad);
    assert.equal(r.status, 500, 'bad subtype on update');
    r = await post('admin', { ...bad, id_device_subtype: 2, id_device_type: 2 });
    assert.equal(r.status, 200, r.text);
    const updated = r.json<Dev[]>()[0]!;
    assert.equal(updated.device_name, 'Un nom 2');
    assert.equal(updated.device_uuid, full.device_uuid, 'the uuid never changes');
    assert.equal(updated.device_token, full.device_token, 'nor the token');
    r = await post('admin', { id_device: ids[2], id_device_subtype: 1, id_device_type: 1 });
    assert.equal(r.status, 200);
    checkJson(r.json<Dev[]>(), {});
    for (const id of ids) {
      const d = await ep().delete('admin', { id });
      assert.equal(d.status, 200);
      assert.equal(d.json(), 'Device successfully deleted');
    }
  });

  test('a new device logs in with its static token; events for create, update, delete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'device');
    const sites = await dbEvents(suite.server, 'device_site');
    try {
      const r = await post('siteadmin', {
        id_device: 0,
        device_name: 'Site device',
        id_device_type: 1,
        device_enabled: true,
        device_sites: [{ id_site: 1 }],
      });
      assert.equal(r.status, 200, r.text);
      const d = r.json<Dev[]>()[0]!;
      const created = await events.next();
      assert.equal(created.type, 'create');
      assert.equal(created.object.device_uuid, d.device_uuid);
      assert.equal(created.object.device_enabled, true);
      assert.ok(!('device_token' in created.object));
      assert.equal((await sites.next()).object.id_site, 1);
      const login = await suite.api.get('/api/device/login', bearer(String(d.device_token)));
      assert.equal(login.status, 200, login.text);
      assert.deepEqual(names(await get('siteadmin', { id_site: 1 })).includes('Site device'), true);

      const u = await post('siteadmin', { id_device: d.id_device, device_enabled: false });
      assert.equal(u.status, 200);
      assert.deepEqual((await events.next()).type, 'update');
      const del = await ep().delete('siteadmin', { id: d.id_device });
      assert.equal(del.status, 200, del.text);
      assert.deepEqual(await events.next(), {
        type: 'delete',
        object: { id_device: d.id_device, device_uuid: d.device_uuid },
      });
      assert.deepEqual(await get('admin', { id_device: d.id_device }), []);
    } finally {
      await events.close();
      await sites.close();
    }
  });

  test('POST rules: superadmins create, site admins in their sites, others may not', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await post('user4', { device_name: 'Test', id_device: 0, id_device_type: 3 });
    assert.equal(r.status, 403);
    r = await post('siteadmin', { device_name: 'Test', id_device: 0, id_device_type: 3 });
    assert.equal(r.status, 403, 'a site admin names a site or a project');
    r = await post('siteadmin', {
      device_name: 'Test',
      id_device: 0,
      id_device_type: 3,
      device_sites: [{ id_site: 2 }],
    });
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'No site admin access for at a least one site in the list');
    r = await post('siteadmin', {
      device_name: 'Test',
      id_device: 0,
      id_device_type: 3,
      device_projects: [{ id_project: 3 }],
    });
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'No site admin access for at a least one project in the list');
    r = await post('siteadmin', {
      device_name: 'Project device',
      id_device: 0,
      id_device_type: 3,
      device_projects: [{ id_project: 2 }],
    });
    assert.equal(r.status, 200, r.text);
    const made = r.json<Dev[]>()[0]!;
    const [seen] = await get('siteadmin', {
      id_device: made.id_device,
      projects: 1,
      with_sites: 1,
    });
    assert.deepEqual(
      (seen!.device_projects as Array<{ id_project: number }>).map((p) => p.id_project),
      [2],
    );
    assert.deepEqual(
      (seen!.device_sites as Array<{ id_site: number }>).map((p) => p.id_site),
      [1],
      'it joined the site of its project',
    );
    assert.equal((await ep().delete('siteadmin', { id: made.id_device })).status, 200);
    r = await post('user', { id_device: 1, device_name: 'Renamed' });
    assert.equal(r.status, 403, 'a project user updates no device');
    r = await post('admin', { id_device: 'one' });
    assert.equal(r.status, 400);
    r = await ep().post('admin', { device: { device_name: 'x' } });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing id_device');
  });

  test('DELETE: without id, unknown id, forbidden, blocked by dependants', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await post('admin', { device_name: 'Test', id_device: 0, id_device_type: 3 });
    const id = r.json<Dev[]>()[0]!.id_device;
    r = await ep().delete('admin');
    assert.equal(r.status, 400);
    r = await ep().delete('admin', { id: id + 1000 });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Invalid id');
    r = await ep().delete('user4', { id });
    assert.equal(r.status, 403);

    const k = suite.server.deps.db.kysely;
    const { id_device_participant } = await k
      .insertInto('t_devices_participants')
      .values({ id_device: id, id_participant: 1 })
      .returning('id_device_participant')
      .executeTakeFirstOrThrow();
    const member = await insertSession(suite.server, id, false);
    const created = await insertSession(suite.server, id, true);
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 500, "Can't delete, associated to participants");
    assert.equal(
      r.json(),
      "Can't delete device: please delete all participants association before deleting.",
    );
    await k
      .deleteFrom('t_devices_participants')
      .where('id_device_participant', '=', id_device_participant)
      .execute();
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 500, "Can't delete, associated to sessions");
    await k
      .updateTable('t_sessions')
      .set({ deleted_at: new Date().toISOString() })
      .where('id_session', '=', member)
      .execute();
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 500, "Can't delete, has created sessions");
    await k
      .updateTable('t_sessions')
      .set({ deleted_at: new Date().toISOString() })
      .where('id_session', '=', created)
      .execute();
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 200, 'Delete OK');
  });
});
