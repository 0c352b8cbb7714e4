/**
 * /api/user/participants: OpenTera's test_UserQueryParticipants.py, over HTTPS on SQLite and
 * PostgreSQL, plus TeraRelay's fixes (`null` for what the caller may not see,
 * `participant_project_enabled` in full records), static tokens, bcrypt passwords, unique
 * usernames and DatabaseEvents. Left out: `search`/`search_value` (not in OpenTera 1.3),
 * and the asset and test dependants of a delete (out of scope).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites } from '../kit/admin.js';
import { basic, bearer, type TestServer } from '../kit/server.js';
import { markOnline } from '../kit/http.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Part = Record<string, unknown> & { id_participant: number; participant_uuid: string };

function checkJson(p: Record<string, unknown>, minimal: boolean, withToken = true): void {
  for (const k of [
    'id_participant',
    'id_participant_group',
    'participant_uuid',
    'participant_name',
    'participant_email',
    'participant_token_enabled',
    'participant_enabled',
  ])
    assert.ok(k in p, k);
  assert.ok(!('participant_password' in p));
  const full = [
    'participant_username',
    'participant_lastonline',
    'participant_login_enabled',
    'participant_project_enabled',
  ];
  for (const k of full) assert.equal(k in p, !minimal, k);
  assert.equal('participant_token' in p, !minimal && withToken, 'participant_token');
  assert.equal(typeof p.participant_online, 'boolean');
  assert.equal(typeof p.participant_busy, 'boolean');
}

async function count(
  server: TestServer,
  where: 'site1' | 'site1-enabled' | 'project1' | 'project1-enabled',
) {
  let q = server.deps.db.kysely
    .selectFrom('t_participants as p')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.deleted_at', 'is', null);
  if (where.startsWith('site1')) q = q.where('pr.id_site', '=', 1);
  else q = q.where('p.id_project', '=', 1);
  if (where.endsWith('enabled')) q = q.where('p.participant_enabled', '=', true);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function setProjectEnabled(server: TestServer, id: number, enabled: boolean) {
  await server.deps.db.kysely
    .updateTable('t_projects')
    .set({ project_enabled: enabled })
    .where('id_project', '=', id)
    .execute();
}

async function insertSession(
  server: TestServer,
  members: { participant?: number; creator?: number },
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
      id_creator_participant: members.creator ?? null,
    })
    .returning('id_session')
    .executeTakeFirstOrThrow();
  if (members.participant)
    await k
      .insertInto('t_sessions_participants')
      .values({ id_session, id_participant: members.participant })
      .execute();
  return id_session;
}

const softDeleteSession = (server: TestServer, id: number) =>
  server.deps.db.kysely
    .updateTable('t_sessions')
    .set({ deleted_at: new Date().toISOString() })
    .where('id_session', '=', id)
    .execute();

adminSuites('/api/user/participants', (suite) => {
  const ep = () => endpoint(suite, '/api/user/participants');
  const list = async (who: string, query: Record<string, string | number | boolean>) => {
    const r = await ep().get(who, query);
    assert.equal(r.status, 200, r.text);
    return r.json<Part[] | null>();
  };
  const rows = async (who: string, query: Record<string, string | number | boolean>) => {
    const body = await list(who, query);
    assert.ok(Array.isArray(body), `a list for ${JSON.stringify(query)}: ${JSON.stringify(body)}`);
    return body;
  };

  test('every method needs a valid login (401)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
  });

  test('no argument: 400 Missing arguments', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await ep().get('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing arguments');
  });

  test('a specific participant as admin: by id, uuid, username; list', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [p] = await rows('admin', { id_participant: 1 });
    assert.ok(p);
    checkJson(p, false);
    assert.equal(p.id_site, 1);
    assert.ok('participant_lastsession' in p);
    const byUuid = await rows('admin', { participant_uuid: p.participant_uuid });
    assert.deepEqual(
      byUuid.map((x) => x.id_participant),
      [1],
    );
    checkJson(byUuid[0]!, false);
    const byUsername = await rows('admin', { username: String(p.participant_username) });
    assert.deepEqual(
      byUsername.map((x) => x.id_participant),
      [1],
    );
    const minimal = await rows('admin', { id_participant: 1, list: 1 });
    assert.equal(minimal.length, 1);
    checkJson(minimal[0]!, true);
  });

  test('a specific participant as users: out of reach is null, else as admin', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.equal(await list('user4', { id_participant: 1 }), null);
    const [p] = await rows('user3', { id_participant: 1 });
    assert.ok(p);
    checkJson(p, false);
    assert.deepEqual(
      (await rows('user3', { participant_uuid: p.participant_uuid })).map((x) => x.id_participant),
      [1],
    );
    assert.deepEqual(
      (await rows('user3', { username: 'participant1' })).map((x) => x.id_participant),
      [1],
    );
    checkJson((await rows('user3', { id_participant: 1, list: 1 }))[0]!, true);
    // A project user sees the participant but not its static token.
    checkJson((await rows('user', { id_participant: 1 }))[0]!, false, false);
    assert.equal(await list('user', { participant_uuid: randomUUID() }), null);
    assert.equal(await list('user', { name: 'Secret Participant' }), null);
  });

  test('by site and by project, with enabled', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.equal(await list('user4', { id_site: 1 }), null);
    assert.equal(await list('user4', { id_project: 1 }), null);
    assert.equal(await list('siteadmin', { id_project: 3 }), null);
    const site = await rows('admin', { id_site: 1 });
    assert.equal(site.length, await count(suite.server, 'site1'));
    for (const p of site) checkJson(p, false);
    const siteEnabled = await rows('admin', { id_site: 1, enabled: 1 });
    assert.equal(siteEnabled.length, await count(suite.server, 'site1-enabled'));
    const project = await rows('admin', { id_project: 1 });
    assert.equal(project.length, await count(suite.server, 'project1'));
    const projectEnabled = await rows('admin', { id_project: 1, enabled: 1 });
    assert.equal(projectEnabled.length, await count(suite.server, 'project1-enabled'));
    assert.deepEqual(
      (await rows('admin', { id_site: 2 })).map((p) => p.participant_name),
      ['Secret Participant'],
    );
  });

  test('by group, by session, by device', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.equal(await list('user4', { id_group: 1 }), null);
    const group = await rows('admin', { id_group: 1 });
    assert.deepEqual(
      group.map((p) => p.id_participant),
      [1],
    );
    checkJson(group[0]!, false);
    assert.ok('participant_lastsession' in group[0]!);

    assert.equal(await list('user4', { id_session: 2 }), null);
    const members = await suite.server.deps.db.kysely
      .selectFrom('t_sessions_participants')
      .select('id_participant')
      .where('id_session', '=', 2)
      .execute();
    assert.equal((await rows('admin', { id_session: 2 })).length, members.length);

    assert.equal(await list('user4', { id_device: 1 }), null);
    const device = await rows('admin', { id_device: 1 });
    assert.deepEqual(
      device.map((p) => p.id_participant),
      [1, 2],
    );
    for (const p of device) checkJson(p, false);
  });

  test('full: group, project and devices of each participant', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [p] = await rows('admin', { id_participant: 1, full: 1 });
    assert.ok(p);
    checkJson(p, false);
    assert.deepEqual(p.participant_participant_group, {
      id_participant_group: 1,
      id_project: 1,
      participant_group_name: 'Default Participant Group A',
      project_name: 'Default Project #1',
    });
    assert.equal(
      (p.participant_project as { project_name: string }).project_name,
      'Default Project #1',
    );
    const devices = p.participant_devices as Array<{ device_name: string; device_token?: string }>;
    assert.deepEqual(
      devices.map((d) => d.device_name),
      ['Apple Watch #W05P1'],
    );
    assert.ok(devices[0]!.device_token, 'a superadmin sees the device token');
  });

  test('full records carry participant_project_enabled, minimal ones do not', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [p] = await rows('admin', { id_participant: 1 });
    assert.equal(p?.participant_project_enabled, true);
    await setProjectEnabled(suite.server, 1, false);
    try {
      const [off] = await rows('admin', { id_participant: 1 });
      assert.equal(off?.participant_project_enabled, false);
    } finally {
      await setProjectEnabled(suite.server, 1, true);
    }
    const [minimal] = await rows('admin', { id_participant: 1, list: 1 });
    assert.ok(!('participant_project_enabled' in minimal!));
  });

  test('limit, offset, orderby_recents and no_group', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const ids = async (q: Record<string, number>) =>
      (await rows('admin', q)).map((p) => p.id_participant);
    assert.deepEqual(await ids({ id_site: 1, limit: 2 }), [1, 2]);
    assert.deepEqual(await ids({ id_site: 1, offset: 2 }), [3]);
    assert.deepEqual(await ids({ id_site: 1, offset: 1, limit: 1 }), [2]);
    assert.deepEqual(await ids({ id_project: 1, limit: 1 }), [1]);
    assert.deepEqual(await ids({ id_project: 1, offset: 1 }), [2, 3]);
    assert.deepEqual(await ids({ id_project: 1, offset: 1, limit: 1 }), [2]);
    assert.deepEqual(await ids({ id_group: 1, limit: 1 }), [1]);
    assert.deepEqual(await ids({ id_group: 1, offset: 1 }), []);
    assert.deepEqual(await ids({ id_device: 1, offset: 1, limit: 1 }), [2]);
    assert.deepEqual(await ids({ id_project: 1, no_group: 1 }), [2, 3]);

    const k = suite.server.deps.db.kysely;
    await k
      .updateTable('t_participants')
      .set({ participant_lastonline: new Date().toISOString() })
      .where('id_participant', '=', 3)
      .execute();
    try {
      assert.deepEqual(await ids({ id_site: 1, orderby_recents: 1 }), [3, 2, 1]);
      assert.deepEqual(await ids({ id_site: 1, orderby_recents: 1, limit: 1 }), [3]);
    } finally {
      await k
        .updateTable('t_participants')
        .set({ participant_lastonline: null })
        .where('id_participant', '=', 3)
        .execute();
    }
  });

  test('online and busy status on every row', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [p3] = await rows('admin', { id_participant: 3 });
    await markOnline(suite.server, 'participant', p3!.participant_uuid, 'participants-test');
    try {
      const [online] = await rows('admin', { id_participant: 3 });
      assert.equal(online?.participant_online, true);
      assert.equal(online?.participant_busy, false);
    } finally {
      await suite.server.deps.presence.leave(
        'participant',
        p3!.participant_uuid,
        'participants-test',
      );
    }
  });

  test('post and delete (OpenTera test_post_and_delete)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const e = ep();
    let r = await e.post('admin', { participant_name: 'Testing123' });
    assert.equal(r.status, 400, 'Missing participant struct');
    assert.equal(r.json(), 'Missing participant');
    const json: { participant: Record<string, unknown> } = {
      participant: { participant_name: 'Testing123' },
    };
    r = await e.post('admin', json);
    assert.equal(r.status, 400, 'Missing id_participant');
    json.participant.id_participant = 0;
    r = await e.post('admin', json);
    assert.equal(r.status, 400, 'Missing id_project or participant group');
    assert.equal(r.json(), 'Missing id_participant, id_project or id_participant_group');
    json.participant.id_project = 1;
    r = await e.post('user4', json);
    assert.equal(r.status, 403, 'No access to project');
    r = await e.post('user3', json);
    assert.equal(r.status, 200, r.text);
    const first = r.json<Part[]>()[0]!;
    checkJson(first, false);
    const firstId = first.id_participant;

    delete json.participant.id_project;
    json.participant.id_participant_group = 1;
    r = await e.post('user4', json);
    assert.equal(r.status, 403, 'No access to participant group');
    json.participant.id_project = 2;
    r = await e.post('admin', json);
    assert.equal(r.status, 400, 'Mismatch between project and group');
    assert.equal(r.json(), "Mismatch between id_project and group's project");

    delete json.participant.id_participant_group;
    await setProjectEnabled(suite.server, 2, false);
    let secondId: number | undefined;
    try {
      r = await e.post('siteadmin', json);
      assert.equal(r.status, 400, 'Project disabled');
      assert.equal(r.json(), 'Participant project disabled - no insert allowed');
      await setProjectEnabled(suite.server, 2, true);
      r = await e.post('siteadmin', json);
      assert.equal(r.status, 200, r.text);
      const second = r.json<Part[]>()[0]!;
      checkJson(second, false);
      secondId = second.id_participant;

      const update: { participant: Record<string, unknown> } = {
        participant: {
          id_participant: secondId,
          participant_enabled: true,
          id_participant_group: 5,
        },
      };
      r = await e.post('admin', update);
      assert.equal(r.status, 403, 'Participant group not found');
      delete update.participant.id_participant_group;
      r = await e.post('user4', update);
      assert.equal(r.status, 403, 'Update forbidden');

      await setProjectEnabled(suite.server, 2, false);
      r = await e.post('admin', update);
      assert.equal(r.status, 400, 'No update - project disabled');
      assert.equal(r.json(), 'Participant project disabled - no update allowed');
      update.participant.participant_enabled = false;
      update.participant.participant_name = 'TestingNameChange';
      r = await e.post('admin', update);
      assert.equal(r.status, 200, 'Update other than enabled = OK');
      let part = r.json<Part[]>()[0]!;
      assert.equal(part.participant_name, 'TestingNameChange');
      assert.equal(part.participant_enabled, false);
      await setProjectEnabled(suite.server, 2, true);
      update.participant.participant_enabled = true;
      r = await e.post('admin', update);
      assert.equal(r.status, 200, 'Update completed');
      part = r.json<Part[]>()[0]!;
      checkJson(part, false);
      assert.equal(part.participant_enabled, true);
    } finally {
      await setProjectEnabled(suite.server, 2, true);
    }

    r = await e.delete('user4', { id: secondId });
    assert.equal(r.status, 403, 'Delete denied');
    r = await e.delete('admin', { id: secondId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.equal(r.json(), '');

    const member = await insertSession(suite.server, { participant: firstId });
    const created = await insertSession(suite.server, { creator: firstId });
    r = await e.delete('admin', { id: firstId });
    assert.equal(r.status, 500, "Can't delete, has sessions");
    assert.equal(r.json(), "Can't delete participant: please delete all sessions before deleting.");
    await softDeleteSession(suite.server, member);
    r = await e.delete('admin', { id: firstId });
    assert.equal(r.status, 500, "Can't delete, has created sessions");
    await softDeleteSession(suite.server, created);
    r = await e.delete('user', { id: firstId });
    assert.equal(r.status, 403, 'a project user does not delete');
    r = await e.delete('user3', { id: firstId });
    assert.equal(r.status, 200, 'Delete OK');
    assert.equal(await list('admin', { id_participant: firstId }), null, 'deleted');
  });

  test('DELETE without id, with an unknown id', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await ep().delete('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json<{ message: string }>().message, 'Input payload validation failed');
    const unknown = await ep().delete('admin', { id: 999999 });
    assert.equal(unknown.status, 400);
  });

  test('a new participant: static token, hashed password, unique username; events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'participant');
    try {
      const username = `enrolled-${randomUUID().slice(0, 8)}`;
      const r = await ep().post('user3', {
        participant: {
          id_participant: 0,
          id_project: 1,
          participant_name: 'Enrolled',
          participant_username: username,
          participant_password: 'S3cret!pass',
          participant_login_enabled: true,
          participant_token_enabled: true,
        },
      });
      assert.equal(r.status, 200, r.text);
      const p = r.json<Part[]>()[0]!;
      assert.ok(!('participant_password' in p));
      assert.ok(!r.text.includes('S3cret'));
      assert.match(String(p.participant_token), /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const created = await events.next();
      assert.equal(created.type, 'create');
      assert.equal(created.object.participant_uuid, p.participant_uuid);
      assert.equal(created.object.participant_enabled, true);
      assert.ok(!('participant_token' in created.object));

      const stored = await suite.server.deps.db.kysely
        .selectFrom('t_participants')
        .select(['participant_password', 'participant_token'])
        .where('id_participant', '=', p.id_participant)
        .executeTakeFirstOrThrow();
      assert.match(String(stored.participant_password), /^\$2[aby]\$12\$/);
      assert.equal(stored.participant_token, p.participant_token);

      // The static token and the password log the participant in.
      const byToken = await suite.api.get(
        '/api/participant/login',
        bearer(String(p.participant_token)),
      );
      assert.equal(byToken.status, 200, byToken.text);
      const byPassword = await suite.api.get(
        '/api/participant/login',
        basic(username, 'S3cret!pass'),
      );
      assert.equal(byPassword.status, 200, byPassword.text);

      // Usernames stay unique; uuids are the server's.
      const taken = await ep().post('admin', {
        participant: {
          id_participant: 0,
          id_project: 1,
          participant_name: 'Dup',
          participant_username: username,
        },
      });
      assert.equal(taken.status, 409);
      assert.equal(taken.json(), 'Participant username already in use.');
      const rename = await ep().post('admin', {
        participant: {
          id_participant: 1,
          participant_username: username,
          participant_uuid: randomUUID(),
        },
      });
      assert.equal(rename.status, 409);

      // Turning tokens off clears the token; back on makes a new one.
      let u = await ep().post('admin', {
        participant: { id_participant: p.id_participant, participant_token_enabled: false },
      });
      assert.equal(u.status, 200);
      assert.equal(u.json<Part[]>()[0]!.participant_token, null);
      assert.equal((await events.next()).type, 'update');
      u = await ep().post('admin', {
        participant: { id_participant: p.id_participant, participant_token_enabled: true },
      });
      const again = u.json<Part[]>()[0]!;
      assert.ok(again.participant_token && again.participant_token !== p.participant_token);
      assert.equal(again.participant_uuid, p.participant_uuid);
      await events.next();

      const d = await ep().delete('admin', { id: p.id_participant });
      assert.equal(d.status, 200);
      const deleted = await events.next();
      assert.deepEqual(deleted, {
        type: 'delete',
        object: { id_participant: p.id_participant, participant_uuid: p.participant_uuid },
      });
      // A deleted participant's username is free again.
      const reuse = await ep().post('admin', {
        participant: {
          id_participant: 0,
          id_project: 1,
          participant_name: 'Reuse',
          participant_username: username,
        },
      });
      assert.equal(reuse.status, 200, reuse.text);
      await ep().delete('admin', { id: reuse.json<Part[]>()[0]!.id_participant });
    } finally {
      await events.close();
    }
  });
});
