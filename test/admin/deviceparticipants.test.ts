/**
 * /api/user/deviceparticipants: OpenTera's test_UserQueryDeviceParticipants.py, over HTTPS on
 * SQLite and PostgreSQL, plus DELETE and the DatabaseEvents of the link changes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Link = Record<string, unknown> & {
  id_device_participant: number;
  id_device: number;
  id_participant: number;
};

adminSuites('/api/user/deviceparticipants', (suite) => {
  const ep = () => endpoint(suite, '/api/user/deviceparticipants');
  const k = () => suite.server.deps.db.kysely;
  const get = async (who: string, query: Record<string, number | boolean>) => {
    const r = await ep().get(who, query);
    assert.equal(r.status, 200, r.text);
    return r.json<Link[]>();
  };
  const links = () =>
    k()
      .selectFrom('t_devices_participants as dp')
      .innerJoin('t_devices as d', 'd.id_device', 'dp.id_device')
      .innerJoin('t_participants as p', 'p.id_participant', 'dp.id_participant')
      .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
      .select([
        'dp.id_device_participant',
        'dp.id_device',
        'dp.id_participant',
        'd.id_device_type',
        'pr.id_site',
      ])
      .orderBy('dp.id_device_participant')
      .execute();
  const ids = async (table: 't_devices' | 't_participants') =>
    table === 't_devices'
      ? (
          await k().selectFrom('t_devices').select('id_device as id').orderBy('id_device').execute()
        ).map((r) => r.id)
      : (
          await k()
            .selectFrom('t_participants')
            .select('id_participant as id')
            .orderBy('id_participant')
            .execute()
        ).map((r) => r.id);
  /** Removes the links made after `before`. */
  const resetTo = async (before: number[]) => {
    const extra = (await links())
      .map((l) => l.id_device_participant)
      .filter((id) => !before.includes(id));
    if (extra.length > 0)
      await k()
        .deleteFrom('t_devices_participants')
        .where('id_device_participant', 'in', extra)
        .execute();
  };

  test('every method needs a valid login (401); GET needs an argument (400)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
    assert.equal((await ep().get('admin')).status, 400);
  });

  test('GET by device, by participant, by site, by device type', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const all = await links();
    for (const device of await ids('t_devices')) {
      const rows = await get('admin', { id_device: device, list: true });
      const expected = all.filter((l) => l.id_device === device).map((l) => l.id_participant);
      assert.deepEqual(rows.map((r) => r.id_participant).sort(), expected.sort());
    }
    for (const participant of new Set(all.map((l) => l.id_participant))) {
      const rows = await get('admin', { id_participant: participant, list: true });
      assert.deepEqual(
        rows.map((r) => r.id_device),
        all.filter((l) => l.id_participant === participant).map((l) => l.id_device),
      );
    }
    for (const site of [1, 2]) {
      const rows = await get('admin', { id_site: site, list: true });
      assert.equal(rows.length, all.filter((l) => l.id_site === site).length);
    }
    const types = await k().selectFrom('t_devices_types').select('id_device_type').execute();
    for (const { id_device_type } of types) {
      assert.deepEqual(await get('admin', { id_device_type, list: true }), []);
      for (const participant of await ids('t_participants')) {
        const rows = await get('admin', {
          id_device_type,
          id_participant: participant,
          list: true,
        });
        assert.equal(
          rows.length,
          all.filter((l) => l.id_participant === participant && l.id_device_type === id_device_type)
            .length,
        );
      }
    }
  });

  test('GET details: names and the device JSON, its token for site admins only', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [admin] = await get('admin', { id_participant: 1 });
    assert.equal(admin?.participant_name, 'Participant #1');
    assert.equal(admin?.device_name, 'Apple Watch #W05P1');
    const device = admin?.device_participant_device as Record<string, unknown>;
    assert.equal(device.device_name, 'Apple Watch #W05P1');
    assert.ok(device.device_token);
    const [user] = await get('user', { id_participant: 1 });
    assert.ok(!('device_token' in (user?.device_participant_device as object)));
    assert.deepEqual(await get('user4', { id_participant: 1 }), []);
    assert.deepEqual(await get('user', { id_participant: 4 }), []);
  });

  test('POST as a project user is forbidden', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const participant of await ids('t_participants'))
      for (const device of await ids('t_devices')) {
        const r = await ep().post('user', {
          device_participant: { id_device: device, id_participant: participant },
        });
        assert.equal(r.status, 403);
      }
  });

  for (const who of ['user3', 'siteadmin']) {
    test(`POST as ${who}: allowed for its participants and devices`, async (t) => {
      if (suite.skip) return t.skip(suite.skip);
      const before = (await links()).map((l) => l.id_device_participant);
      const participants = new Set(
        (
          await suite.api.request('/api/user/participants?id_site=1', {
            headers: { authorization: await suite.auth(who) },
          })
        )
          .json<Array<{ id_participant: number }>>()
          .map((p) => p.id_participant),
      );
      const devices = new Set(
        (
          await suite.api.request('/api/user/devices', {
            headers: { authorization: await suite.auth(who) },
          })
        )
          .json<Array<{ id_device: number }>>()
          .map((d) => d.id_device),
      );
      try {
        for (const participant of await ids('t_participants'))
          for (const device of await ids('t_devices')) {
            const r = await ep().post(who, {
              device_participant: { id_device: device, id_participant: participant },
            });
            const allowed = participants.has(participant) && devices.has(device);
            assert.equal(
              r.status,
              allowed ? 200 : 403,
              `${who}: device ${device}, participant ${participant}`,
            );
          }
      } finally {
        await resetTo(before);
      }
    });
  }

  test('POST rules and answers; DELETE; events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'device_participant');
    try {
      let r = await ep().post('admin', {});
      assert.equal(r.status, 400);
      r = await ep().post('admin', { device_participant: { id_device: 2 } });
      assert.equal(r.status, 400);
      r = await ep().post('admin', { device_participant: { id_device: 1, id_participant: 4 } });
      assert.equal(r.status, 200, 'the Apple Watch is in Secret Project #1');
      r = await ep().post('admin', { device_participant: { id_device: 2, id_participant: 4 } });
      assert.equal(r.status, 403);
      assert.equal(r.json(), 'Device not assigned to project or participant');
      r = await ep().post('user3', { device_participant: [{ id_device: 2, id_participant: 3 }] });
      assert.equal(r.status, 200, r.text);
      const [made] = r.json<Link[]>();
      assert.equal(made?.participant_name, 'Participant #3');
      assert.equal(made?.device_name, 'Kit Télé #1');
      const again = await ep().post('user3', {
        device_participant: { id_device: 2, id_participant: 3 },
      });
      assert.equal(
        again.json<Link[]>()[0]?.id_device_participant,
        made?.id_device_participant,
        'no duplicate',
      );
      const first = await events.next();
      assert.equal(first.object.id_participant, 4);
      assert.deepEqual(await events.next(), {
        type: 'create',
        object: {
          id_device_participant: made!.id_device_participant,
          id_device: 2,
          id_participant: 3,
        },
      });

      r = await ep().delete('admin');
      assert.equal(r.status, 400);
      r = await ep().delete('admin', { id: 999999 });
      assert.equal(r.status, 400);
      r = await ep().delete('user', { id: made!.id_device_participant });
      assert.equal(r.status, 403);
      r = await ep().delete('user3', { id: made!.id_device_participant });
      assert.equal(r.status, 200);
      assert.equal((await events.next()).type, 'delete');
      r = await ep().delete('admin', { id: first.object.id_device_participant as number });
      assert.equal(r.status, 200);
      assert.deepEqual(
        (await get('admin', { id_device: 2, list: true })).map((l) => l.id_participant),
        [2],
      );
    } finally {
      await events.close();
    }
  });
});
