import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, bearer } from '../kit/server.js';
import { device, markOnline, participant, serveApi, userTokenOf } from '../kit/http.js';

type Dev = Record<string, unknown> & { device_name: string; device_token?: string | null };
type Part = Record<string, unknown> & {
  participant_name: string;
  participant_token?: string | null;
};

const WATCH = 'b707e0b2-e649-47e7-a938-2b949c423f73';

describe('GET /api/user/devices', () => {
  const suite = serveApi();
  const devices = async (q: string, who: string) => {
    const r = await suite.api.get(`/api/user/devices${q}`, basic(who, who));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Dev[]>();
  };
  const names = (rows: Array<{ device_name: string }>) => rows.map((d) => d.device_name);

  test('without a filter: every accessible device, per caller', async () => {
    assert.deepEqual(names(await devices('', 'admin')), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
      'Robot A',
    ]);
    assert.deepEqual(names(await devices('', 'siteadmin')), ['Apple Watch #W05P1', 'Kit Télé #1']);
    assert.deepEqual(names(await devices('', 'user')), ['Apple Watch #W05P1', 'Kit Télé #1']);
    assert.deepEqual(await devices('', 'user4'), []);
  });

  test('device_token only for superadmins and admins of a site of the device', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    for (const who of ['admin', 'siteadmin']) {
      const rows = await devices('', who);
      assert.equal(rows[0]!.device_token, watch.device_token, who);
      assert.ok(
        rows.every((d) => typeof d.device_token === 'string'),
        who,
      );
    }
    for (const who of ['user', 'user3']) {
      const rows = await devices('', who);
      assert.ok(rows.length > 0);
      assert.ok(
        rows.every((d) => !('device_token' in d)),
        who,
      );
    }
    const listed = await devices('?list=true', 'admin');
    assert.ok(listed.every((d) => !('device_token' in d) && !('device_config' in d)));
  });

  test('filters: id, uuid, name, project, site, type, enabled, with_status', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    const kit = await device(suite.server, 'Kit Télé #1');
    assert.deepEqual(names(await devices(`?id_device=${kit.id_device}`, 'user')), ['Kit Télé #1']);
    assert.deepEqual(names(await devices(`?device_uuid=${WATCH}`, 'user')), ['Apple Watch #W05P1']);
    assert.deepEqual(names(await devices(`?uuid=${WATCH}`, 'user')), ['Apple Watch #W05P1']);
    assert.deepEqual(names(await devices(`?name=${encodeURIComponent('Kit Télé #1')}`, 'user')), [
      'Kit Télé #1',
    ]);
    assert.deepEqual(names(await devices('?id_project=1', 'user')), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
    ]);
    assert.deepEqual(names(await devices('?id_site=2', 'admin')), ['Apple Watch #W05P1']);
    assert.deepEqual(names(await devices(`?id_device_type=${watch.id_device_type}`, 'admin')), [
      'Apple Watch #W05P1',
    ]);
    assert.deepEqual(names(await devices('?enabled=true', 'admin')), [
      'Apple Watch #W05P1',
      'Kit Télé #1',
    ]);
    assert.deepEqual(
      names(await devices('?name=Robot%20A', 'user')),
      [],
      'an inaccessible device is not found',
    );
    await markOnline(suite.server, 'device', kit.device_uuid);
    const status = await devices('?with_status=1', 'user');
    assert.deepEqual(
      status.map((d) => [d.device_name, d.device_online, d.device_busy]),
      [
        ['Apple Watch #W05P1', false, false],
        ['Kit Télé #1', true, false],
      ],
    );
  });

  test('more than one selector is 400; a bad integer is 400', async () => {
    const r = await suite.api.get(
      '/api/user/devices?id_device=1&id_site=1',
      basic('admin', 'admin'),
    );
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Too many IDs');
    const bad = await suite.api.get('/api/user/devices?id_device=abc', basic('admin', 'admin'));
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json<{ errors: object }>().errors, {
      id_device: "invalid literal for int() with base 10: 'abc'",
    });
  });
});

describe('GET /api/user/participants', () => {
  const suite = serveApi();
  const list = async (q: string, who: string) => {
    const r = await suite.api.get(
      `/api/user/participants${q}`,
      bearer(await userTokenOf(suite.server, who)),
    );
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Part[]>();
  };
  const names = (rows: Part[] | null) => (rows ?? []).map((p) => p.participant_name);

  test('an argument is required', async () => {
    const r = await suite.api.get('/api/user/participants', basic('admin', 'admin'));
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json(), 'Missing arguments');
  });

  test('filters: project, site, uuid, username, name, id, device, enabled, no_group', async () => {
    const p1 = await participant(suite.server, 'Participant #1');
    const kit = await device(suite.server, 'Kit Télé #1');
    assert.deepEqual(names(await list('?id_project=1', 'user')), [
      'Participant #1',
      'Participant #2',
      'Participant #3',
    ]);
    assert.deepEqual(names(await list('?id_site=1', 'user')), [
      'Participant #1',
      'Participant #2',
      'Participant #3',
    ]);
    assert.deepEqual(names(await list('?id_site=2', 'admin')), ['Secret Participant']);
    assert.deepEqual(names(await list(`?uuid=${p1.participant_uuid}`, 'user')), ['Participant #1']);
    assert.deepEqual(names(await list(`?participant_uuid=${p1.participant_uuid}`, 'user')), [
      'Participant #1',
    ]);
    assert.deepEqual(names(await list('?username=participant1', 'user')), ['Participant #1']);
    assert.deepEqual(names(await list(`?name=${encodeURIComponent('Participant #3')}`, 'user')), [
      'Participant #3',
    ]);
    const byId = await list(`?id=${p1.id_participant}`, 'user');
    assert.deepEqual(names(byId), ['Participant #1']);
    assert.equal(byId[0]!.id_site, 1);
    assert.deepEqual(names(await list(`?id_device=${kit.id_device}`, 'admin')), ['Participant #2']);
    assert.deepEqual(names(await list('?id_project=1&enabled=true', 'user')), [
      'Participant #1',
      'Participant #3',
    ]);
    assert.deepEqual(names(await list('?id_project=1&no_group=true', 'user')), [
      'Participant #2',
      'Participant #3',
    ]);
  });

  test('inaccessible participants are not found: OpenTera answers null', async () => {
    assert.equal(await list(`?name=${encodeURIComponent('Secret Participant')}`, 'user'), null);
    assert.equal(await list('?id_project=3', 'siteadmin'), null);
    assert.equal(await list('?id_project=1', 'user4'), null);
  });

  test('participant_token only for project admins, site admins and superadmins', async () => {
    const p1 = await participant(suite.server, 'Participant #1');
    for (const who of ['admin', 'siteadmin', 'user3']) {
      const rows = await list('?id_project=1', who);
      assert.equal(
        rows.find((p) => p.participant_name === 'Participant #1')?.participant_token,
        p1.participant_token,
        who,
      );
      assert.ok(
        rows.every((p) => 'participant_token' in p),
        who,
      );
    }
    const user = await list('?id_project=1', 'user');
    assert.ok(user.every((p) => !('participant_token' in p)));
    const minimal = await list('?id_project=1&list=true', 'admin');
    assert.ok(minimal.every((p) => !('participant_token' in p) && !('participant_username' in p)));
  });

  test('online and busy status on every row', async () => {
    const p3 = await participant(suite.server, 'Participant #3');
    await markOnline(suite.server, 'participant', p3.participant_uuid);
    const rows = await list('?id_project=1', 'user');
    assert.deepEqual(
      rows.map((p) => [p.participant_name, p.participant_online, p.participant_busy]),
      [
        ['Participant #1', false, false],
        ['Participant #2', false, false],
        ['Participant #3', true, false],
      ],
    );
  });
});
