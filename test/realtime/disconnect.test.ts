/**
 * Forced disconnects: every connection of the principal closes with 4000 CMD_CLIENT_DISCONNECT
 * on logout, on an admin's /api/user/disconnect, and when a DatabaseEvent says the principal
 * was disabled or deleted. Other principals stay connected.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, startTestServer, type TestServer } from '../kit/server.js';
import { databaseEventsTopic, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  DatabaseEvent_EventType,
  DatabaseEventSchema,
  UserEventSchema,
} from '../../src/protocol/messages.js';
import { connect, nextMatching, pack, publish, seeded, type Seeded } from '../kit/sockets.js';

describe('forced disconnect', () => {
  let server: TestServer;
  let ids: Seeded;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
  });
  after(() => server.close());

  const assertClosed4000 = async (socket: {
    waitClose(): Promise<{ code: number; reason: string }>;
  }) => {
    const closed = await socket.waitClose();
    assert.deepEqual(closed, { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' });
  };

  test('logout closes every connection of the user with 4000', async () => {
    const user = ids.users.user!;
    const a = await connect(server, 'user', user);
    const b = await connect(server, 'user', user, { protocols: ['opentera-protobuf'] });
    const bystander = await connect(server, 'user', ids.users.user2!);
    const res = await server.request('/api/user/logout', {
      headers: { authorization: basic('user', 'user') },
    });
    assert.equal(res.status, 200);
    await assertClosed4000(a);
    await assertClosed4000(b);
    // The bystander still receives: it sees the user go offline.
    const gone = await nextMatching(bystander, (f) => f.fields.userUuid === user);
    assert.equal(gone.fields.type, 'USER_DISCONNECTED');
    bystander.close();
  });

  test('an admin disconnect closes the target with 4000', async () => {
    const p1 = ids.participants['Participant #1']!;
    const target = await connect(server, 'participant', p1);
    const res = await server.request(`/api/user/disconnect?participant_uuid=${p1}`, {
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(res.status, 200);
    await assertClosed4000(target);
  });

  test('a DatabaseEvent disabling or deleting a principal disconnects it', async () => {
    const cases = [
      {
        kind: 'user' as const,
        uuid: ids.users.user3!,
        type: DatabaseEvent_EventType.DB_UPDATE,
        value: { user_uuid: ids.users.user3, user_enabled: false },
      },
      {
        kind: 'participant' as const,
        uuid: ids.participants['Participant #3']!,
        type: DatabaseEvent_EventType.DB_UPDATE,
        value: {
          participant_uuid: ids.participants['Participant #3'],
          deleted_at: '2025-01-01T00:00:00',
        },
      },
      {
        kind: 'device' as const,
        uuid: ids.devices['Kit Télé #1']!,
        type: DatabaseEvent_EventType.DB_DELETE,
        value: { device_uuid: ids.devices['Kit Télé #1'], id_device: 2 },
      },
    ];
    for (const c of cases) {
      const socket = await connect(server, c.kind, c.uuid);
      // An update that leaves the principal enabled and alive changes nothing.
      const harmless = {
        [`${c.kind}_uuid`]: c.uuid,
        [`${c.kind}_enabled`]: true,
        deleted_at: null,
      };
      await publish(server, databaseEventsTopic(c.kind), [
        pack(DatabaseEventSchema, {
          type: DatabaseEvent_EventType.DB_UPDATE,
          objectType: c.kind,
          objectValue: JSON.stringify(harmless),
        }),
      ]);
      await publish(server, databaseEventsTopic(c.kind), [
        pack(DatabaseEventSchema, {
          type: c.type,
          objectType: c.kind,
          objectValue: JSON.stringify(c.value),
        }),
      ]);
      await assertClosed4000(socket);
    }
  });

  test('a disconnect command for one uuid leaves the others receiving', async () => {
    const admin = await connect(server, 'user', ids.users.admin!);
    const user2 = ids.users.user2!;
    const target = await connect(server, 'user', user2);
    await server.request(`/api/user/disconnect?user_uuid=${user2}`, {
      headers: { authorization: basic('admin', 'admin') },
    });
    await assertClosed4000(target);
    await publish(server, USER_MANAGER_EVENTS, [
      pack(UserEventSchema, { userUuid: ids.users.user4!, type: 1, userFullname: 'probe' }),
    ]);
    const probe = await nextMatching(admin, (f) => f.fields.userFullname === 'probe');
    assert.equal(probe.fields.userUuid, ids.users.user4);
    admin.close();
  });
});
