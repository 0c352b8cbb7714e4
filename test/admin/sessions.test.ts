/**
 * /api/user/sessions, porting OpenTera's test_UserQuerySessions.py (its GET tests and
 * TeraSessionPostTest), plus access refusals and the DatabaseEvents every write publishes, on
 * SQLite and PostgreSQL.
 *
 * The date tests: OpenTera's test counts come from its SQLite test database, where
 * `date(start) >= '<day> 00:00:00'` is false on the start day itself, so its start date behaves
 * as exclusive there. TeraRelay keeps OpenTera's documented (and PostgreSQL) meaning: both days
 * inclusive. The expected counts below are those of the same dataset with inclusive days, and
 * each names OpenTera's count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites, type AdminSuite } from '../kit/admin.js';
import { connect, frameTag, pack, publish, untilSentinel } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { LeaveSessionEventSchema } from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

interface Session {
  id_session: number;
  session_uuid: string;
  session_name: string;
  session_status: number;
  session_parameters?: unknown;
  session_participants?: Array<{ id_participant: number }>;
  session_users?: Array<{ id_user: number }>;
  session_devices?: Array<{ id_device: number }>;
  [key: string]: unknown;
}

function checkSession(s: Session, minimal = false): void {
  assert.ok(Object.keys(s).length > 0);
  for (const key of [
    'id_session',
    'id_creator_device',
    'id_creator_participant',
    'id_creator_service',
    'id_creator_user',
    'id_session_type',
    'session_name',
    'session_status',
    'session_uuid',
  ])
    assert.ok(key in s, key);
  const full = [
    'session_comments',
    'session_duration',
    'session_participants',
    'session_users',
    'session_start_datetime',
    'session_parameters',
  ];
  if (!minimal) for (const key of full) assert.ok(key in s, key);
  else
    for (const key of ['session_comments', 'session_participants', 'session_users'])
      assert.ok(!(key in s), `${key} is not in the minimal form`);
}

/** `YYYY-mm-dd` of the UTC day `daysAgo` days before the day the dataset's newest sessions start. */
async function day(suite: AdminSuite, daysAgo: number): Promise<string> {
  const newest = await suite.server.deps.db.kysely
    .selectFrom('t_sessions')
    .select('session_start_datetime')
    .where('id_creator_user', '=', 1)
    .where('session_name', '=', 'Séance #1')
    .executeTakeFirstOrThrow();
  const t = new Date(newest.session_start_datetime).getTime() - daysAgo * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

adminSuites('/api/user/sessions', (suite) => {
  const sessions = () => endpoint(suite, '/api/user/sessions');
  const list = async (username: string, query: Record<string, string | number | boolean>) => {
    const r = await sessions().get(username, query);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    return r.json<Session[]>();
  };

  test('refuses requests without valid credentials', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(sessions());
  });

  test('a query without arguments is refused', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const r = await sessions().get('admin');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing arguments');
    // 0 and false count as absent, as in OpenTera's `any(args.values())`.
    assert.equal((await sessions().get('admin', { status: 0, list: false })).status, 400);
  });

  test('one session, full and minimal, and an unknown one', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const minimal = await list('admin', { id_session: 1, list: 1 });
    assert.ok(minimal.length > 0);
    for (const s of minimal) checkSession(s, true);
    const full = await list('admin', { id_session: 1 });
    assert.equal(full.length, 1);
    checkSession(full[0]!);
    assert.deepEqual(await list('admin', { id_session: -1 }), []);
    const byUuid = await list('admin', { session_uuid: full[0]!.session_uuid });
    assert.deepEqual(byUuid, full);
  });

  test("a participant's sessions, with list, limit, offset and status", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const all = await list('admin', { id_participant: 1 });
    assert.equal(all.length, 28);
    for (const s of all) {
      checkSession(s);
      assert.equal(s.session_participants!.filter((p) => p.id_participant === 1).length, 1);
    }
    for (const s of await list('admin', { id_participant: 1, list: 1 })) checkSession(s, true);
    assert.equal((await list('admin', { id_participant: 1, limit: 2 })).length, 2);
    assert.deepEqual(
      (await list('admin', { id_participant: 1, limit: 2 })).map((s) => s.id_session),
      all.slice(0, 2).map((s) => s.id_session),
      'newest first',
    );
    assert.equal((await list('admin', { id_participant: 1, limit: 2, offset: 27 })).length, 1);
    const status0 = await list('admin', { id_participant: 1, status: 0 });
    assert.equal(status0.length, 12);
    for (const s of status0) assert.equal(s.session_status, 0);
    const page = await list('admin', {
      id_participant: 1,
      list: 1,
      limit: 2,
      offset: 11,
      status: 0,
    });
    assert.equal(page.length, 1);
    assert.equal(page[0]!.session_status, 0);
  });

  test("a participant's sessions between dates", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const range = { start_date: await day(suite, 6), end_date: await day(suite, 4) };
    // OpenTera's SQLite counts: 6, 12 and 9.
    assert.equal((await list('admin', { id_participant: 1, ...range })).length, 9);
    const from3 = { start_date: await day(suite, 3) };
    assert.equal((await list('admin', { id_participant: 1, ...from3 })).length, 16);
    const until5 = { end_date: await day(suite, 5) };
    assert.equal((await list('admin', { id_participant: 1, ...until5 })).length, 9);
  });

  test('with_session_type adds the type name and color', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const all = await list('admin', { id_participant: 1, with_session_type: 1 });
    assert.equal(all.length, 28);
    for (const s of all) {
      checkSession(s);
      assert.equal(typeof s.session_type_name, 'string');
      assert.equal(typeof s.session_type_color, 'string');
    }
  });

  test("a user's sessions, with list, limit, offset, status and dates", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const s of await list('admin', { id_user: 2 })) {
      checkSession(s);
      assert.equal(s.session_users!.filter((u) => u.id_user === 2).length, 1);
    }
    for (const s of await list('admin', { id_user: 2, list: 1 })) checkSession(s, true);
    assert.equal((await list('admin', { id_user: 1, limit: 2 })).length, 2);
    assert.equal((await list('admin', { id_user: 1, limit: 2, offset: 7 })).length, 1);
    const status0 = await list('admin', { id_user: 1, status: 0 });
    assert.equal(status0.length, 3);
    for (const s of status0) assert.equal(s.session_status, 0);
    const page = await list('admin', { id_user: 1, list: 1, limit: 2, offset: 2, status: 0 });
    assert.equal(page.length, 1);
    // OpenTera's SQLite counts: 2, 3 and 4.
    const range = { start_date: await day(suite, 6), end_date: await day(suite, 4) };
    assert.equal((await list('admin', { id_user: 3, ...range })).length, 3);
    const from6 = { start_date: await day(suite, 6) };
    assert.equal((await list('admin', { id_user: 3, ...from6 })).length, 4);
    const until4 = { end_date: await day(suite, 4) };
    assert.equal((await list('admin', { id_user: 3, ...until4 })).length, 4);
  });

  test("a device's sessions, with list, limit, offset, status and dates", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const of2 = await list('admin', { id_device: 2 });
    assert.ok(of2.length > 0);
    for (const s of of2) {
      checkSession(s);
      assert.equal(s.session_devices!.filter((d) => d.id_device === 2).length, 1);
    }
    for (const s of await list('admin', { id_device: 2, list: 1 })) checkSession(s, true);
    assert.equal((await list('admin', { id_device: 1, limit: 2 })).length, 2);
    assert.equal((await list('admin', { id_device: 1, limit: 2, offset: 11 })).length, 1);
    const status0 = await list('admin', { id_device: 1, status: 0 });
    assert.equal(status0.length, 6);
    for (const s of status0) assert.equal(s.session_status, 0);
    const page = await list('admin', { id_device: 1, list: 1, limit: 2, offset: 5, status: 0 });
    assert.equal(page.length, 1);
    // OpenTera's SQLite counts: 1, 4, 6 and 6.
    const range = { start_date: await day(suite, 3), end_date: await day(suite, 1) };
    assert.equal((await list('admin', { id_device: 1, list: 1, limit: 1, ...range })).length, 1);
    assert.equal((await list('admin', { id_device: 1, ...range })).length, 6);
    const from3 = { start_date: await day(suite, 3) };
    assert.equal((await list('admin', { id_device: 1, ...from3 })).length, 8);
    const until3 = { end_date: await day(suite, 3) };
    assert.equal((await list('admin', { id_device: 1, ...until3 })).length, 6);
  });

  test('bad argument values get flask-restx errors', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sessions().get('admin', { id_participant: 1, start_date: '2024-13-01' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      errors: { start_date: "time data '2024-13-01' does not match format '%Y-%m-%d'" },
      message: 'Input payload validation failed',
    });
    r = await sessions().get('admin', { id_user: 'one' });
    assert.equal(r.status, 400);
    assert.equal(r.json<{ message: string }>().message, 'Input payload validation failed');
  });

  test('users see only the sessions OpenTera lets them read', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.deepEqual(await list('user4', { id_participant: 1 }), []);
    assert.deepEqual(await list('user4', { id_session: 1 }), []);
    assert.deepEqual(await list('user4', { id_device: 1 }), []);
    // `user` is a user of project 1, where participant 1 is.
    assert.equal((await list('user', { id_session: 1 })).length, 1);
    assert.equal((await list('user', { id_participant: 1 })).length, 28);
    // Participant 4 belongs to the secret project.
    assert.deepEqual(await list('user', { id_participant: 4 }), []);
  });

  test('post and delete, as TeraSessionPostTest', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'session');
    t.after(() => events.close());
    const session: Record<string, unknown> = {
      session_name: 'Test Session',
      session_start_datetime: '2024-03-01 10:20:30.123456',
      id_session_type: 1,
      session_status: 2,
    };
    let r = await sessions().post('admin', { session });
    assert.equal(r.status, 400, 'Missing id_session');
    assert.equal(r.json(), 'Missing id_session');
    session.id_session = 0;
    r = await sessions().post('admin', { session });
    assert.equal(r.status, 400, 'Missing participants');
    assert.equal(r.json(), 'Missing session participants and users');
    session.session_participants_ids = [1, 2];
    r = await sessions().post('user4', { session });
    assert.equal(r.status, 403, 'Post denied for user');
    assert.equal(r.json(), "User doesn't have access to at least one participant of that session.");
    session.session_users_ids = [1];
    r = await sessions().post('admin', { session });
    assert.equal(r.status, 200, r.text);
    let [created] = r.json<Session[]>();
    checkSession(created!);
    assert.equal(created!.session_start_datetime, '2024-03-01T10:20:30.123Z');
    assert.deepEqual(
      created!.session_participants!.map((p) => p.id_participant),
      [1, 2],
    );
    assert.deepEqual(
      created!.session_users!.map((u) => u.id_user),
      [1],
    );
    const id = created!.id_session;
    let event = await events.next();
    assert.equal(event.type, 'create');
    assert.equal(event.object.id_session, id);
    assert.equal(event.object.session_uuid, created!.session_uuid);
    assert.ok(!('session_participants' in event.object), 'events carry the minimal form');

    r = await sessions().post('admin', {
      session: { id_session: id, session_status: 2, session_name: 'Test Session 2' },
    });
    assert.equal(r.status, 200, 'Post update');
    [created] = r.json<Session[]>();
    checkSession(created!);
    assert.equal(created!.session_name, 'Test Session 2');
    assert.equal(created!.session_status, 2);
    event = await events.next();
    assert.equal(event.type, 'update');
    assert.equal(event.object.session_name, 'Test Session 2');

    r = await sessions().post('admin', {
      session: { id_session: id, session_participants_ids: [2, 3] },
    });
    assert.equal(r.status, 200, 'Remove participants');
    [created] = r.json<Session[]>();
    checkSession(created!);
    assert.equal(created!.session_participants!.length, 2);
    assert.deepEqual(created!.session_participants!.map((p) => p.id_participant).sort(), [2, 3]);
    assert.deepEqual(
      created!.session_users!.map((u) => u.id_user),
      [1],
      'an absent list leaves those members alone',
    );
    event = await events.next();
    assert.equal(event.type, 'update', 'a member change publishes the session');
    assert.equal(event.object.id_session, id);

    const parameters = {
      session: { id_session: id, session_parameters: 'ParametersXYZJSONString' },
    };
    r = await sessions().post('admin', parameters);
    assert.equal(r.status, 200, 'Adding Parameters');
    assert.equal(r.json<Session[]>()[0]!.session_parameters, 'ParametersXYZJSONString');
    await events.next();
    r = await sessions().post('admin', {
      session: { id_session: id, session_parameters: { room: 'A', level: 2 } },
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json<Session[]>()[0]!.session_parameters, { room: 'A', level: 2 });
    const stored = await suite.server.deps.db.kysely
      .selectFrom('t_sessions')
      .select('session_parameters')
      .where('id_session', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.session_parameters, '{"room": "A", "level": 2}', "Python's json.dumps");
    await events.next();

    r = await sessions().delete('user4', { id });
    assert.equal(r.status, 403, 'Delete denied');
    r = await sessions().delete('admin', { id });
    assert.equal(r.status, 200, 'Delete OK');
    assert.equal(r.json(), '');
    event = await events.next();
    assert.deepEqual(event, {
      type: 'delete',
      object: { id_session: id, session_uuid: created!.session_uuid },
    });
    assert.deepEqual(await list('admin', { id_session: id }), [], 'soft-deleted: gone from reads');
    const row = await suite.server.deps.db.kysely
      .selectFrom('t_sessions')
      .select('deleted_at')
      .where('id_session', '=', id)
      .executeTakeFirstOrThrow();
    assert.notEqual(row.deleted_at, null, 'the row is kept');
  });

  test('updates need read access to the session; bad values are refused', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    let r = await sessions().post('user4', { session: { id_session: 1, session_name: 'x' } });
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'No access to session.');
    r = await sessions().post('admin', { session: { id_session: 99999, session_name: 'x' } });
    assert.equal(r.status, 403);
    r = await sessions().post('admin', { nosession: {} });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Missing session');
    r = await sessions().post('admin', { session: { id_session: 1, not_a_column: 1 } });
    assert.equal(r.status, 500, "OpenTera's update refuses fields that are not columns");
    assert.equal(r.json(), 'Database error');
    r = await sessions().post('admin', { session: { id_session: 1, session_status: 'done' } });
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Invalid value for session_status');
    r = await sessions().post('admin', {
      session: { id_session: 1, session_start_datetime: 'yesterday' },
    });
    assert.equal(r.status, 400);
    r = await sessions().post('admin', { session: { id_session: 0, session_users_ids: 'all' } });
    assert.equal(r.status, 400);
    // A new session without its required columns: OpenTera's database refuses it.
    r = await sessions().post('admin', { session: { id_session: 0, session_users_ids: [1] } });
    assert.equal(r.status, 500);
    assert.equal(r.json(), 'Database error');
    r = await sessions().post('admin', {
      session: {
        id_session: 0,
        session_users_ids: [1],
        session_name: 'bad type',
        id_session_type: 999,
        session_status: 0,
        session_start_datetime: '2024-01-01T00:00:00Z',
      },
    });
    assert.equal(r.status, 500, 'an unknown session type');
    const unchanged = await list('admin', { id_session: 1 });
    assert.equal(unchanged[0]!.session_name, 'Séance #1');
  });

  test('a project user may create sessions with accessible members only', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const base = {
      id_session: 0,
      session_name: 'By user3',
      session_start_datetime: '2024-02-02T08:00:00+02:00',
      id_session_type: 1,
      session_status: 0,
    };
    // user3 administers project 1 only: participant 4 (secret project) and device 3 (no site).
    let r = await sessions().post('user3', { session: { ...base, session_participants_ids: [4] } });
    assert.equal(r.status, 403);
    r = await sessions().post('user3', {
      session: { ...base, session_participants_ids: [1], session_devices_ids: [3] },
    });
    assert.equal(r.status, 403);
    assert.equal(r.json(), "User doesn't have access to at least one device of that session.");
    r = await sessions().post('user3', {
      session: { ...base, session_participants_ids: [1], session_users_ids: [6] },
    });
    assert.equal(r.status, 403);
    assert.equal(r.json(), "User doesn't have access to at least one user of that session.");
    r = await sessions().post('user3', {
      session: { ...base, session_participants_ids: [1], session_devices_ids: [1] },
    });
    assert.equal(r.status, 200, r.text);
    const [s] = r.json<Session[]>();
    assert.equal(s!.session_start_datetime, '2024-02-02T06:00:00.000Z');
    assert.equal(s!.id_creator_user, null, 'OpenTera does not record the creating user');
    r = await sessions().delete('user3', { id: s!.id_session });
    assert.equal(r.status, 200);
  });

  test('deletes are refused while a member is out of reach or the session is in progress', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const create = async (extra: Record<string, unknown>) => {
      const r = await sessions().post('admin', {
        session: {
          id_session: 0,
          session_name: 'To delete',
          session_start_datetime: '2024-02-02T08:00:00Z',
          id_session_type: 1,
          session_status: 0,
          ...extra,
        },
      });
      assert.equal(r.status, 200, r.text);
      return r.json<Session[]>()[0]!.id_session;
    };
    let r = await sessions().delete('admin');
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), {
      errors: { id: 'Missing required parameter in the query string' },
      message: 'Input payload validation failed',
    });
    r = await sessions().delete('admin', { id: 99999 });
    assert.equal(r.status, 400);
    const secret = await create({ session_participants_ids: [4] });
    r = await sessions().delete('user3', { id: secret });
    assert.equal(r.status, 403);
    assert.equal(r.json(), "User doesn't have access to at least one participant of that session.");
    const running = await create({ session_participants_ids: [1], session_status: 1 });
    r = await sessions().delete('admin', { id: running });
    assert.equal(r.status, 403);
    assert.equal(r.json(), "Session is in progress: can't delete that session.");
    // OpenTera counts site access for deletes only: siteadmin (user 2) administers Default Site
    // without being in a project group, so user3 may not list it in a session but may delete
    // a session it is in.
    r = await sessions().post('user3', {
      session: { id_session: running, session_users_ids: [2] },
    });
    assert.equal(r.status, 403);
    const withSiteAdmin = await create({ session_participants_ids: [1], session_users_ids: [2] });
    r = await sessions().delete('user3', { id: withSiteAdmin });
    assert.equal(r.status, 200, r.text);
    for (const id of [secret, running])
      await suite.server.deps.db.kysely
        .updateTable('t_sessions')
        .set({ deleted_at: new Date().toISOString() })
        .where('id_session', '=', id)
        .execute();
  });

  test("member changes reach live connections: a participant sees its new session's events", async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const server = suite.server;
    const p3 = await server.deps.db.kysely
      .selectFrom('t_participants')
      .select('participant_uuid')
      .where('id_participant', '=', 3)
      .executeTakeFirstOrThrow();
    const socket = await connect(server, 'participant', p3.participant_uuid);
    t.after(() => socket.close());
    let r = await sessions().post('admin', {
      session: {
        id_session: 0,
        session_name: 'Live',
        session_start_datetime: '2024-05-05T05:05:05Z',
        id_session_type: 1,
        session_status: 0,
        session_participants_ids: [1],
      },
    });
    assert.equal(r.status, 200, r.text);
    const [session] = r.json<Session[]>();
    let seq = 0;
    /** Whether the socket receives a LeaveSessionEvent of the session (before a sentinel). */
    const seesLeave = async () => {
      const tag = `leave-${seq++}`;
      await publish(server, USER_MANAGER_EVENTS, [
        pack(LeaveSessionEventSchema, { sessionUuid: session!.session_uuid, serviceUuid: tag }),
      ]);
      const frames = await untilSentinel(socket, p3.participant_uuid, server);
      return frames.some((f) => frameTag(f) === tag);
    };
    const settles = (wanted: boolean) =>
      waitFor(async () => (await seesLeave()) === wanted, { what: `membership ${wanted}` });
    assert.equal(await seesLeave(), false, 'not a member yet');
    r = await sessions().post('admin', {
      session: { id_session: session!.id_session, session_participants_ids: [1, 3] },
    });
    assert.equal(r.status, 200);
    await settles(true);
    r = await sessions().post('admin', {
      session: { id_session: session!.id_session, session_participants_ids: [1] },
    });
    assert.equal(r.status, 200);
    await settles(false);
    assert.equal((await sessions().delete('admin', { id: session!.id_session })).status, 200);
  });
});
