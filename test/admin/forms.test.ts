/**
 * GET /api/user/forms, porting OpenTera's test_UserQueryForms.py on SQLite and PostgreSQL:
 * each supported form's items, and its choice lists as each test user may see them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { endpoint } from './sites-kit.js';

type Item = Record<string, unknown> & {
  id: string;
  type: string;
  _order: number;
  values?: Array<{ id: number | string; value: string }>;
};
type Form = { objecttype: string; sections: Array<{ id: string; _order: number; items: Item[] }> };

const items = (f: Form) => f.sections.flatMap((s) => s.items);
const item = (f: Form, id: string) => {
  const found = items(f).find((i) => i.id === id);
  assert.ok(found, `item ${id}`);
  return found;
};
const values = (f: Form, id: string) => (item(f, id).values ?? []).map((v) => v.value);

adminSuites('/api/user/forms', (suite) => {
  const forms = endpoint(suite, '/api/user/forms');
  const get = async (who: string, query: Record<string, string | number>) => {
    const r = await forms.get(who, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    const f = r.json<Form>();
    assert.equal(f.objecttype, query.type);
    f.sections.forEach((s, i) => {
      assert.equal(s._order, i + 1);
      s.items.forEach((it, j) => assert.equal(it._order, j + 1));
    });
    return f;
  };
  const k = () => suite.server.deps.db.kysely;

  test('no auth, bad Basic credentials or a bad token: 401', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const how of ['none', 'basic', 'token'] as const)
      assert.equal((await forms.refused('GET', how)).status, 401, how);
  });

  test('missing arguments and unknown types: 400', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const none = await forms.get('admin');
    assert.equal(none.status, 400);
    assert.equal(none.json(), 'Missing arguments');
    const unknown = await forms.get('admin', { type: 'unknown' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json(), 'Unknown form type: unknown');
    const noType = await forms.get('admin', { id: 1 });
    assert.equal(noType.status, 400);
  });

  test('user form', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const f = await get('admin', { type: 'user' });
    assert.deepEqual(
      items(f).map((i) => i.id),
      [
        'id_user',
        'user_uuid',
        'user_name',
        'user_username',
        'user_enabled',
        'user_force_password_change',
        'user_2fa_enabled',
        'user_2fa_otp_enabled',
        'user_2fa_email_enabled',
        'user_firstname',
        'user_lastname',
        'user_email',
        'user_password',
        'user_superadmin',
        'user_lastonline',
        'user_notes',
        'user_profile',
      ],
    );
    assert.deepEqual(item(f, 'user_enabled'), {
      id: 'user_enabled',
      label: 'User Enabled',
      type: 'boolean',
      required: true,
      default: true,
      _order: 5,
    });
    assert.equal(item(f, 'user_password').confirm, true);
    assert.ok(!('default' in item(f, 'user_2fa_enabled')), 'a false default is left out');
    assert.deepEqual(item(f, 'user_2fa_otp_enabled').condition, {
      item: 'user_2fa_enabled',
      op: '=',
      condition: true,
    });
  });

  test('site form', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const f = await get('admin', { type: 'site' });
    assert.deepEqual(
      items(f).map((i) => i.id),
      ['id_site', 'site_name', 'site_2fa_required', 'site_role'],
    );
  });

  test('project form: the sites the caller reaches', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(values(await get('user3', { type: 'project' }), 'id_site'), ['Default Site']);
    const admin = await get('admin', { type: 'project' });
    assert.deepEqual(item(admin, 'id_site').values, [
      { id: 1, value: 'Default Site' },
      { id: 2, value: 'Top Secret Site' },
    ]);
    assert.deepEqual(
      admin.sections.map((s) => s.id),
      ['informations', 'description'],
    );
    assert.ok(!('values' in item(await get('user4', { type: 'project' }), 'id_site')));
  });

  test('device, device type and device subtype forms: every device type', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const types = await k()
      .selectFrom('t_devices_types')
      .select('device_type_name')
      .orderBy('id_device_type')
      .execute();
    const device = await get('admin', { type: 'device' });
    assert.deepEqual(
      values(device, 'id_device_type'),
      types.map((t) => t.device_type_name),
    );
    assert.equal(
      (item(device, 'id_device_subtype').condition as { hook: string }).hook,
      '/api/user/devicesubtypes?id_device_type=',
    );
    assert.deepEqual(
      device.sections.map((s) => s.id),
      ['details', 'infos', 'config', 'notes'],
    );
    const subtype = await get('admin', { type: 'device_subtype' });
    assert.deepEqual(
      values(subtype, 'id_device_type'),
      types.map((t) => t.device_type_name),
    );
    const type = await get('admin', { type: 'device_type' });
    assert.deepEqual(
      items(type).map((i) => i.id),
      ['id_device_type', 'device_type_name', 'device_type_key'],
    );
  });

  test('participant form: the groups offered, as admin and as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const groups = (who: string, q: Record<string, number> = {}) =>
      get(who, { type: 'participant', ...q }).then((f) => values(f, 'id_participant_group'));
    const both = ['Default Participant Group A', 'Default Participant Group B'];
    assert.deepEqual(await groups('admin'), both);
    assert.deepEqual(await groups('admin', { id: 1 }), ['Default Participant Group A']);
    assert.deepEqual(await groups('admin', { id_project: 2 }), ['Default Participant Group B']);
    assert.deepEqual(await groups('user'), both);
    assert.deepEqual(await groups('user', { id: 1 }), ['Default Participant Group A']);
    assert.deepEqual(await groups('user', { id_project: 2 }), ['Default Participant Group B']);
    assert.deepEqual(await groups('user4', { id: 1 }), []);
    assert.deepEqual(await groups('user3', { id_project: 2 }), ['Default Participant Group A']);
    const f = await get('admin', { type: 'participant' });
    assert.deepEqual(item(f, 'participant_username').condition, {
      item: 'participant_login_enabled',
      op: '=',
      condition: true,
    });
  });

  test('participant group form: the projects offered, as admin and as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const projects = (who: string, q: Record<string, number> = {}) =>
      get(who, { type: 'group', ...q }).then((f) => values(f, 'id_project'));
    const p1 = 'Default Project #1 [Default Site]';
    const p2 = 'Default Project #2 [Default Site]';
    const p3 = 'Secret Project #1 [Top Secret Site]';
    assert.deepEqual(await projects('admin'), [p1, p2, p3]);
    assert.deepEqual(await projects('admin', { id: 1 }), [p1, p2]);
    assert.deepEqual(await projects('admin', { id_site: 2 }), [p3]);
    assert.deepEqual(await projects('user'), [p1, p2]);
    assert.deepEqual(await projects('user4', { id: 1 }), []);
    assert.deepEqual(await projects('user3', { id: 1 }), [p1]);
    assert.deepEqual(await projects('user', { id_site: 1 }), [p1, p2]);
  });

  test('session type form: categories, and the services the caller reaches', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const admin = await get('admin', { type: 'session_type' });
    const services = await k()
      .selectFrom('t_services')
      .select('service_name')
      .orderBy('id_service')
      .execute();
    assert.deepEqual(
      values(admin, 'id_service'),
      services.map((s) => s.service_name),
    );
    assert.deepEqual(values(admin, 'session_type_category'), [
      'Service',
      'Data Collect',
      'File Transfer',
      'Protocol',
    ]);
    const user3 = await get('user3', { type: 'session_type' });
    assert.deepEqual(values(user3, 'id_service'), [
      'File Transfer Service',
      'Bureau Actif',
      'Télé-réadaptation vidéo',
    ]);
    assert.ok(!('values' in item(await get('user4', { type: 'session_type' }), 'id_service')));
  });

  test('session form: statuses and the lists the caller reaches', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const admin = await get('admin', { type: 'session' });
    assert.deepEqual(values(admin, 'session_status'), [
      'Planned',
      'In progess',
      'Completed',
      'Cancelled',
      'Interrupted',
    ]);
    const users = await k()
      .selectFrom('t_users')
      .select('id_user')
      .where('deleted_at', 'is', null)
      .execute();
    assert.equal(item(admin, 'id_creator_user').values!.length, users.length);
    assert.deepEqual(item(admin, 'id_creator_user').condition, {
      item: 'session_creator_user',
      op: 'NOT NULL',
      condition: null,
    });
    const user4 = await get('user4', { type: 'session' });
    assert.deepEqual(values(user4, 'id_creator_user'), ['No Access User!']);
    assert.ok(!('values' in item(user4, 'id_creator_participant')));
    // With a project: that project's participants, by name.
    const p1 = await get('user', { type: 'session', id_project: 1 });
    assert.deepEqual(values(p1, 'id_creator_participant'), [
      'Participant #1',
      'Participant #2',
      'Participant #3',
    ]);
    assert.deepEqual(values(p1, 'id_creator_service'), [
      'Bureau Actif',
      'File Transfer Service',
      'Télé-réadaptation vidéo',
    ]);
    // A project the caller does not reach gives the general lists.
    const p3 = await get('user', { type: 'session', id_project: 3 });
    assert.ok(!values(p3, 'id_creator_participant').includes('Secret Participant'));
  });

  test('user group and service forms', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const group = await get('admin', { type: 'user_group' });
    assert.deepEqual(
      items(group).map((i) => i.id),
      ['id_user_group', 'user_group_name'],
    );
    const service = await get('admin', { type: 'service' });
    assert.equal(items(service).length, 15);
    assert.deepEqual(item(service, 'service_uuid'), {
      id: 'service_uuid',
      label: 'Service UUID',
      type: 'label',
      _order: 2,
      readonly: false,
    });
  });
});
