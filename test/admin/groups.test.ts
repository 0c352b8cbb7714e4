/**
 * /api/user/groups: OpenTera's test_UserQueryParticipantGroup.py, over HTTPS on SQLite and
 * PostgreSQL, plus the DatabaseEvents of each write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminSuites } from '../kit/admin.js';
import { assertAuthRequired, dbEvents, endpoint } from './sites-kit.js';

type Group = Record<string, unknown> & { id_participant_group: number; id_project: number };

function checkJson(g: Record<string, unknown>, minimal = false): void {
  for (const k of ['id_participant_group', 'id_project', 'participant_group_name'])
    assert.ok(k in g, k);
  assert.equal('group_participant_count' in g, minimal);
  assert.equal('project_name' in g, !minimal);
}

adminSuites('/api/user/groups', (suite) => {
  const ep = () => endpoint(suite, '/api/user/groups');
  const get = async (who: string, query: Record<string, string | number> = {}) => {
    const r = await ep().get(who, query);
    assert.equal(r.status, 200, r.text);
    return r.json<Group[]>();
  };
  const groupsOfProject = async (id: number) =>
    (
      await suite.server.deps.db.kysely
        .selectFrom('t_participants_groups')
        .select('id_participant_group')
        .where('id_project', '=', id)
        .where('deleted_at', 'is', null)
        .execute()
    ).length;

  test('every method needs a valid login (401)', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    await assertAuthRequired(ep());
  });

  test('a specific group, as admin and as users', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const [g] = await get('admin', { id_group: 1 });
    assert.ok(g);
    checkJson(g);
    assert.equal(g.project_name, 'Default Project #1');
    const [minimal] = await get('admin', { id_group: 1, list: 1 });
    checkJson(minimal!, true);
    assert.equal(minimal!.group_participant_count, 1);
    assert.deepEqual(await get('user4', { id_group: 1 }), []);
    assert.equal((await get('user3', { id_group: 1 })).length, 1);
    checkJson((await get('user3', { id: 1, list: 1 }))[0]!, true);
  });

  test('the groups of a project; without arguments, every accessible group', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const admin = await get('admin', { id_project: 1 });
    assert.equal(admin.length, await groupsOfProject(1));
    for (const g of admin) checkJson(g);
    assert.deepEqual(await get('user4', { id_project: 1 }), []);
    assert.equal((await get('user3', { id_project: 1 })).length, await groupsOfProject(1));
    assert.deepEqual(await get('user3', { id_project: 2 }), []);
    assert.deepEqual((await get('admin')).map((g) => g.participant_group_name).slice(0, 2), [
      'Default Participant Group A',
      'Default Participant Group B',
    ]);
    assert.deepEqual(
      (await get('user')).map((g) => g.id_participant_group).filter((id) => id <= 2),
      [1, 2],
    );
    assert.deepEqual(await get('user4'), []);
  });

  test('post and delete (OpenTera test_post_and_delete), with events', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const e = ep();
    const events = await dbEvents(suite.server, 'participant_group');
    const participantEvents = await dbEvents(suite.server, 'participant');
    try {
      let r = await e.post('admin', { participant_group_name: 'Testing123' });
      assert.equal(r.status, 400, 'Missing group struct');
      const json: { participant_group: Record<string, unknown> } = {
        participant_group: { participant_group_name: 'Testing123' },
      };
      r = await e.post('admin', json);
      assert.equal(r.status, 400, 'Missing id_participant_group');
      json.participant_group.id_participant_group = 0;
      r = await e.post('admin', json);
      assert.equal(r.status, 400, 'Missing id_project');
      json.participant_group.id_project = 1;
      r = await e.post('user4', json);
      assert.equal(r.status, 403, 'No access to project');
      r = await e.post('user', json);
      assert.equal(r.status, 403, 'a project user is not a project admin');
      r = await e.post('user3', json);
      assert.equal(r.status, 200, r.text);
      const created = r.json<Group[]>()[0]!;
      checkJson(created);
      const id = created.id_participant_group;
      assert.deepEqual(await events.next(), {
        type: 'create',
        object: { id_participant_group: id, id_project: 1, participant_group_name: 'Testing123' },
      });

      const update = { participant_group: { id_participant_group: id, id_project: 3 } };
      r = await e.post('user3', update);
      assert.equal(r.status, 403, 'No access to new project');
      update.participant_group.id_project = 2;
      r = await e.post('user4', update);
      assert.equal(r.status, 403, 'No access to group');
      r = await e.post('admin', update);
      assert.equal(r.status, 200, 'Update completed');
      const updated = r.json<Group[]>()[0]!;
      checkJson(updated);
      assert.equal(updated.id_project, 2);
      assert.equal((await events.next()).type, 'update');

      const k = suite.server.deps.db.kysely;
      const parts = await k
        .insertInto('t_participants')
        .values(
          ['Test Part #1', 'Test Part #2'].map((participant_name) => ({
            participant_uuid: randomUUID(),
            participant_name,
            id_participant_group: id,
            id_project: 2,
          })),
        )
        .returning(['id_participant', 'participant_uuid'])
        .execute();
      const { id_session } = await k
        .insertInto('t_sessions')
        .values({
          session_uuid: randomUUID(),
          id_session_type: 1,
          session_name: 'Session #1',
          session_start_datetime: new Date().toISOString(),
          session_status: 0,
          id_creator_participant: parts[1]!.id_participant,
        })
        .returning('id_session')
        .executeTakeFirstOrThrow();
      r = await e.delete('admin', { id });
      assert.equal(r.status, 500, "Can't delete, has participants with sessions");
      assert.equal(
        r.json(),
        "Can't delete participant group: please delete all sessions from all participants before deleting.",
      );
      await k
        .updateTable('t_sessions')
        .set({ deleted_at: new Date().toISOString() })
        .where('id_session', '=', id_session)
        .execute();
      r = await e.delete('user4', { id });
      assert.equal(r.status, 403, "Can't delete, forbidden");
      r = await e.delete('admin', { id });
      assert.equal(r.status, 200, 'Delete OK');
      for (const p of parts) {
        const gone = await suite.api.request(
          `/api/user/participants?id_participant=${p.id_participant}`,
          {
            headers: { authorization: await suite.auth('admin') },
          },
        );
        assert.equal(gone.json(), null, 'the participants went with their group');
        assert.deepEqual(await participantEvents.next(), {
          type: 'delete',
          object: { id_participant: p.id_participant, participant_uuid: p.participant_uuid },
        });
      }
      assert.deepEqual(await events.next(), {
        type: 'delete',
        object: { id_participant_group: id },
      });
      assert.deepEqual(await get('admin', { id_group: id }), []);
    } finally {
      await events.close();
      await participantEvents.close();
    }
  });

  test('DELETE without id or with an unknown one: 400', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    assert.equal((await ep().delete('admin')).status, 400);
    assert.equal((await ep().delete('admin', { id: 999999 })).status, 400);
  });
});
