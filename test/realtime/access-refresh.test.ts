/**
 * Access changes on live connections: changing access in the database and publishing the
 * matching DatabaseEvent changes what a connection receives, without reconnecting; disabling
 * the principal disconnects it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import { databaseEventsTopic, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  DatabaseEvent_EventType,
  DatabaseEventSchema,
  LeaveSessionEventSchema,
  ParticipantEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import {
  connect,
  frameTag,
  pack,
  publish,
  seeded,
  untilSentinel,
  type Seeded,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';

describe('access refresh', () => {
  let server: TestServer;
  let ids: Seeded;
  let seq = 0;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
  });
  after(() => server.close());

  /**
   * Publishes `event` (tagged by `build`), then a sentinel that `socket` (of `owner`) sees, and
   * says whether the event arrived before the sentinel.
   */
  async function sees(
    socket: TestSocket,
    owner: string,
    build: (tag: string) => Any,
  ): Promise<boolean> {
    const tag = `t${seq++}`;
    await publish(server, USER_MANAGER_EVENTS, [build(tag)]);
    return (await untilSentinel(socket, owner, server)).some((f) => frameTag(f) === tag);
  }

  /** Repeats `sees` until it answers `wanted` (the refresh runs asynchronously). */
  const settles = (wanted: boolean, check: () => Promise<boolean>): Promise<boolean> =>
    waitFor(async () => (await check()) === wanted, { what: `the event to be seen: ${wanted}` });

  const dbEvent = (model: string, value: object) =>
    publish(server, databaseEventsTopic(model), [
      pack(DatabaseEventSchema, {
        type: DatabaseEvent_EventType.DB_UPDATE,
        objectType: model,
        objectValue: JSON.stringify(value),
      }),
    ]);

  test('a new group membership takes effect on a live connection, and its removal too', async () => {
    const k = server.deps.db.kysely;
    const user4 = ids.users.user4!;
    const socket = await connect(server, 'user', user4);
    const p1 = ids.participants['Participant #1']!;
    const aboutP1 = (tag: string) =>
      pack(ParticipantEventSchema, { participantUuid: p1, type: 1, participantName: tag });
    assert.equal(await sees(socket, user4, aboutP1), false, 'no access at first');

    const group = await k
      .selectFrom('t_users_groups')
      .select('id_user_group')
      .where('user_group_name', '=', 'Users - Projects 1 & 2')
      .executeTakeFirstOrThrow();
    const user = await k
      .selectFrom('t_users')
      .select('id_user')
      .where('user_uuid', '=', user4)
      .executeTakeFirstOrThrow();
    await k
      .insertInto('t_users_users_groups')
      .values({ id_user: user.id_user, id_user_group: group.id_user_group })
      .execute();
    await dbEvent('user_group', { id_user_group: group.id_user_group });
    await settles(true, () => sees(socket, user4, aboutP1));

    await k.deleteFrom('t_users_users_groups').where('id_user', '=', user.id_user).execute();
    await dbEvent('user_group', { id_user_group: group.id_user_group });
    await settles(false, () => sees(socket, user4, aboutP1));
    socket.close();
  });

  test('a new session membership lets LeaveSessionEvents through', async () => {
    const k = server.deps.db.kysely;
    const user3 = ids.users.user3!;
    const socket = await connect(server, 'user', user3);
    const session = await k
      .selectFrom('t_sessions')
      .select(['id_session', 'session_uuid'])
      .executeTakeFirstOrThrow();
    const user = await k
      .selectFrom('t_users')
      .select('id_user')
      .where('user_uuid', '=', user3)
      .executeTakeFirstOrThrow();
    await k
      .deleteFrom('t_sessions_users')
      .where('id_session', '=', session.id_session)
      .where('id_user', '=', user.id_user)
      .execute();
    await dbEvent('session', { session_uuid: session.session_uuid });
    const leave = (tag: string) =>
      pack(LeaveSessionEventSchema, { sessionUuid: session.session_uuid, serviceUuid: tag });
    await settles(false, () => sees(socket, user3, leave));

    await k
      .insertInto('t_sessions_users')
      .values({ id_session: session.id_session, id_user: user.id_user })
      .execute();
    await dbEvent('session', { session_uuid: session.session_uuid });
    await settles(true, () => sees(socket, user3, leave));
    socket.close();
  });

  test('disabling the principal disconnects it', async () => {
    const k = server.deps.db.kysely;
    const user2 = ids.users.user2!;
    const socket = await connect(server, 'user', user2);
    await k
      .updateTable('t_users')
      .set({ user_enabled: false })
      .where('user_uuid', '=', user2)
      .execute();
    await publish(server, databaseEventsTopic('user'), [
      pack(DatabaseEventSchema, {
        type: DatabaseEvent_EventType.DB_UPDATE,
        objectType: 'user',
        objectValue: JSON.stringify({ user_uuid: user2, user_enabled: false }),
      }),
    ]);
    assert.deepEqual(await socket.waitClose(), { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' });
  });
});
