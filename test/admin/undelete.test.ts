/**
 * /api/user/undelete, as OpenTera's `UserQueryUndelete` answers (OpenTera ships no test file
 * for it): superadmins only, 401 for an item not found or not deleted, and a restored session
 * back in reads with its `session` DatabaseEvent; on SQLite and PostgreSQL.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSuites } from '../kit/admin.js';
import { basic } from '../kit/server.js';
import { dbEvents, endpoint } from './sites-kit.js';

adminSuites('/api/user/undelete', (suite) => {
  const undelete = () => endpoint(suite, '/api/user/undelete');
  const sessions = () => endpoint(suite, '/api/user/sessions');

  test('refuses requests without valid credentials, and other methods', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const how of ['none', 'basic', 'token'] as const)
      assert.equal((await undelete().refused('GET', how)).status, 401, how);
    const r = await suite.server.request('/api/user/undelete', {
      method: 'POST',
      headers: { authorization: basic('admin', 'admin') },
    });
    assert.equal(r.status, 405);
  });

  test('only superadmins may undelete', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    for (const username of ['siteadmin', 'user3', 'user4']) {
      const r = await undelete().get(username, { id_session: 1 });
      assert.equal(r.status, 403, username);
      assert.equal(r.json(), 'No access to this API');
    }
  });

  test('items not found or not deleted', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const queries: Array<Record<string, number>> = [
      {},
      { id_session: 99999 },
      { id_asset: 1 },
      { id_session: 1, id_asset: 1 },
    ];
    for (const query of queries) {
      const r = await undelete().get('admin', query);
      assert.equal(r.status, 401, JSON.stringify(query));
      assert.equal(r.json(), 'Item to undelete not found');
    }
    const r = await undelete().get('admin', { id_session: 1 });
    assert.equal(r.status, 401);
    assert.equal(r.json(), "Item isn't deleted");
  });

  test('a deleted session comes back', async (t) => {
    if (suite.skip) return t.skip(suite.skip);
    const events = await dbEvents(suite.server, 'session');
    t.after(() => events.close());
    let r = await sessions().post('admin', {
      session: {
        id_session: 0,
        session_name: 'To restore',
        session_start_datetime: '2024-04-04T04:04:04Z',
        id_session_type: 2,
        session_status: 2,
        session_participants_ids: [1],
        session_users_ids: [3],
      },
    });
    assert.equal(r.status, 200, r.text);
    const [created] = r.json<Array<Record<string, unknown>>>();
    const id = created!.id_session as number;
    await events.next();
    assert.equal((await sessions().delete('admin', { id })).status, 200);
    await events.next();
    r = await sessions().get('admin', { id_session: id });
    assert.deepEqual(r.json(), []);

    r = await undelete().get('admin', { id_session: id });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json(), '');
    const event = await events.next();
    assert.equal(event.type, 'update');
    assert.equal(event.object.id_session, id);
    assert.equal(event.object.session_uuid, created!.session_uuid);
    r = await sessions().get('admin', { id_session: id });
    assert.deepEqual(r.json(), [created], 'restored with its members');
    r = await undelete().get('admin', { id_session: id });
    assert.equal(r.status, 401);
    assert.equal(r.json(), "Item isn't deleted");
    assert.equal((await sessions().delete('admin', { id })).status, 200);
  });
});
