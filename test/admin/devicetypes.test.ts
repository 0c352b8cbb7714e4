/**
 * /api/user/devicetypes: OpenTera's test_UserQueryDeviceTypes.py, over HTTPS on SQLite and
 * PostgreSQL, plus the DatabaseEvents of each write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type DeviceType = { id_device_type: number; device_type_key: string; device_type_name: string };

function checkJson(d: Record<string, unknown>): void {
  for (const k of ['id_device_type', 'device_type_key', 'device_type_name']) assert.ok(k in d, k);
}

adminSuites('/api/user/devicetypes', (suite) => {
  const ep = () => endpoint(suite, '/api/user/devicetypes');
  const k = () => suite.server.deps.db.kysely;
  const all = () =>
    k().selectFrom('t_devices_types').selectAll().orderBy('id_device_type').execute();
  const insertType = async (device_type_key: string) =>
    (
      await k()
        .insertInto('t_devices_types')
        .values({ device_type_key, device_type_name: 'Test1234' })
        .returning('id_device_type')
        .executeTakeFirstOrThrow()
    ).id_device_type;

  test('every method needs a valid login (401)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
  });

  test('GET: every type, or one by id or key', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await ep().get('admin');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json<DeviceType[]>().length, (await all()).length);
    for (const d of r.json<DeviceType[]>()) checkJson(d);
    r = await ep().get('admin', { id_device_type: 0, list: false });
    assert.deepEqual(r.json(), []);
    for (const type of await all()) {
      for (const list of [false, true]) {
        r = await ep().get('admin', { id_device_type: type.id_device_type, list });
        assert.equal(r.status, 200);
        const rows = r.json<DeviceType[]>();
        assert.equal(rows.length, 1);
        checkJson(rows[0]!);
        assert.equal(rows[0]!.device_type_name, type.device_type_name);
      }
    }
    r = await ep().get('user4', { device_type_key: 'capteur' });
    assert.deepEqual(
      r.json<DeviceType[]>().map((d) => d.device_type_name),
      ['Capteur'],
    );
    r = await ep().get('admin', { id_device_type: 999 });
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'Unexisting ID/Forbidden access');
    r = await ep().get('admin', { device_type_key: 'nothing' });
    assert.equal(r.status, 403);
  });

  test('POST as admin (OpenTera test_query_post_as_admin), with events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'device_type');
    const e = ep();
    try {
      let r = await e.post('admin', {
        device_type_name: 'New_Device_Type',
        device_type_key: 'new_device',
        id_device_type: 0,
      });
      assert.equal(r.status, 400, 'Missing device_type');
      const params = {
        device_type: {
          device_type_name: 'New_Device_Type',
          device_type_key: 'new_device',
        } as Record<string, unknown>,
      };
      r = await e.post('admin', params);
      assert.equal(r.status, 400, 'Missing id_device_type');
      params.device_type.id_device_type = 0;
      r = await e.post('admin', params);
      assert.equal(r.status, 200, r.text);
      const first = r.json<DeviceType[]>()[0]!;
      checkJson(first);
      assert.deepEqual(await events.next(), {
        type: 'create',
        object: {
          id_device_type: first.id_device_type,
          device_type_key: first.device_type_key,
          device_type_name: first.device_type_name,
        },
      });
      r = await e.post('admin', params);
      assert.equal(r.status, 500, 'Create another instance of the same object');
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'New_Device_Type_2',
          id_device_type: 0,
          device_type_key: 'new_device',
        },
      });
      assert.equal(r.status, 500, 'Same key');
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'New_Device_Type',
          id_device_type: 0,
          device_type_key: 'new_device_2',
        },
      });
      assert.equal(r.status, 200, 'Same name, other key');
      const second = r.json<DeviceType[]>()[0]!.id_device_type;
      await events.next();
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'New_Device_Type',
          id_device_type: second,
          device_type_key: 'new_device',
        },
      });
      assert.equal(r.status, 500, 'update the key to an already created key');
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'New_Device_Type',
          id_device_type: second,
          device_type_key: 'new_device_3',
        },
      });
      assert.equal(r.status, 200, 'update the key to an available key');
      assert.equal((await events.next()).type, 'update');
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'NEW_DEVICE_TYPE',
          id_device_type: second,
          device_type_key: 'new_device_3',
        },
      });
      assert.equal(r.status, 200, 'update the name');
      assert.equal(r.json<DeviceType[]>()[0]!.device_type_name, 'NEW_DEVICE_TYPE');
      await events.next();
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'NEW_DEVICE_TYPE',
          id_device_type: second + 1000,
          device_type_key: 'new_device_3',
        },
      });
      assert.equal(r.status, 400, 'a non-existing device type');
      assert.equal(r.json(), 'Invalid device type');
      r = await e.post('admin', {
        device_type: {
          device_type_name: 'NEW_DEVICE_TYPE',
          id_device_type: null,
          device_type_key: 'new_device_3',
        },
      });
      assert.equal(r.status, 400, 'no id');
      r = await e.delete('admin', { device_type_key: 'new_device' });
      assert.equal(r.status, 200);
      assert.equal(r.json(), 'Device type successfully deleted');
      assert.deepEqual(await events.next(), {
        type: 'delete',
        object: { id_device_type: first.id_device_type },
      });
      r = await e.delete('admin', { device_type_key: 'new_device_3' });
      assert.equal(r.status, 200);
    } finally {
      await events.close();
    }
  });

  test('POST by anyone but a superadmin: 403', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const params = {
      device_type: {
        device_type_name: 'NEW_DEVICE_TYPE',
        id_device_type: 0,
        device_type_key: 'new_device',
      },
    };
    for (const who of ['user4', 'siteadmin'])
      assert.equal((await ep().post(who, params)).status, 403, who);
  });

  test('DELETE as admin (OpenTera test_query_delete_as_admin)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const key = `Test Device Type ${randomUUID().slice(0, 6)}`;
    const id = await insertType(key);
    const { id_device } = await k()
      .insertInto('t_devices')
      .values({ device_uuid: randomUUID(), device_name: 'Test Device', id_device_type: id })
      .returning('id_device')
      .executeTakeFirstOrThrow();
    let r = await ep().delete('admin', { id });
    assert.equal(r.status, 500, 'a device has that type');
    assert.equal(
      r.json(),
      "Can't delete device type: please delete all associated devices before deleting.",
    );
    r = await ep().delete('admin', { id, device_type_key: key });
    assert.equal(r.status, 400, 'Try deleting 2 devices at once');
    assert.equal(r.json(), 'Tried to delete with 2 parameters');
    r = await ep().delete('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing arguments');
    const devices = endpoint(suite, '/api/user/devices');
    assert.equal((await devices.delete('admin', { id: id_device })).status, 200);
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 200);
    assert.deepEqual(
      await k()
        .selectFrom('t_devices_types')
        .select('id_device_type')
        .where('id_device_type', '=', id)
        .execute(),
      [],
    );
    r = await ep().delete('admin', { id });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Device type not found');
  });

  test('DELETE by anyone but a superadmin: 403 (OpenTera test_query_delete_as_user)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const id = await insertType(`Test Device Type ${randomUUID().slice(0, 6)}`);
    for (const who of ['user4', 'user3', 'siteadmin'])
      assert.equal((await ep().delete(who, { id })).status, 403, who);
    assert.equal((await ep().delete('admin', { id })).status, 200);
  });
});
