/**
 * Token logins read the database once: a device login reads its device, participants and
 * projects in one query, a static participant token one query, a dynamic one its account and
 * its revocation (read together). What every answer repeats (session types, device type names)
 * comes from the login catalog, which reads it again after a DatabaseEvent about its model.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogEvent } from 'kysely';
import { bearer, startTestServer, type TestServer } from '../kit/server.js';
import { device, deviceToken, participant, participantTokensOf } from '../kit/http.js';
import { waitFor } from '../kit/waiting.js';
import { publishDatabaseEvent } from '../../src/admin/events.js';
import { LoginCatalog } from '../../src/store/cache.js';

/** Tables only the login catalog reads (its own reloads are not the login's queries). */
const CATALOG_TABLES =
  /from "t_(sessions_types|sessions_types_projects|devices_types|devices_subtypes)"/;

describe('token logins: queries', () => {
  let server: TestServer;
  /** SELECTs run outside the catalog, since the last reset. */
  const selects: string[] = [];
  const onQuery = (e: LogEvent): void => {
    const sql = e.query.sql.trim().toLowerCase();
    if (sql.startsWith('select') && !CATALOG_TABLES.test(sql)) selects.push(sql);
  };
  before(async () => {
    server = await startTestServer({}, { dbLog: onQuery });
  });
  after(() => server.close());

  /** The SELECTs one GET runs (after a first call has read the catalog). */
  async function selectsOf(path: string, authorization: string): Promise<string[]> {
    const warm = await server.request(path, { headers: { authorization } });
    assert.equal(warm.status, 200, warm.text);
    selects.length = 0;
    const r = await server.request(path, { headers: { authorization } });
    assert.equal(r.status, 200, r.text);
    return [...selects];
  }

  test('device token login: one query', async () => {
    // Not onlineable: the login answers no websocket_url, so the warm-up leaves nothing online.
    const name = 'Kit Télé #1';
    await server.deps.db.kysely
      .updateTable('t_devices')
      .set({ device_onlineable: false })
      .where('device_name', '=', name)
      .execute();
    const token = await deviceToken(server, name);
    const run = await selectsOf('/api/device/login', bearer(token));
    assert.equal(run.length, 1, run.join('\n'));
    assert.match(run[0]!, /from "t_devices"/);
  });

  test('participant static token login: one query', async () => {
    const p = await participant(server, 'Participant #1');
    const path = '/api/participant/login';
    const run = await selectsOf(path, bearer(p.participant_token!));
    assert.equal(run.length, 1, run.join('\n'));
  });

  test('participant dynamic token login: the account and the revocation', async () => {
    const { dynamic } = await participantTokensOf(server);
    const run = await selectsOf('/api/participant/login', bearer(dynamic));
    assert.equal(run.length, 2, run.join('\n'));
    assert.ok(run.some((sql) => sql.includes('"t_participants"')));
    assert.ok(run.some((sql) => sql.includes('terarelay_revoked_tokens')));
  });
});

describe('login catalog', () => {
  let server: TestServer;
  let catalog: LoginCatalog;
  before(async () => {
    server = await startTestServer();
    // A TTL no test reaches: only a DatabaseEvent makes it read again.
    catalog = new LoginCatalog(server.deps.db, 3_600_000);
    await catalog.watch(server.deps.bus);
  });
  after(async () => {
    await catalog.close();
    await server.close();
  });

  test('session types: kept, read again after a session_type DatabaseEvent', async () => {
    const k = server.deps.db.kysely;
    const projectId = (await participant(server, 'Participant #1')).id_project;
    const ids = async () =>
      (await catalog.sessionTypesOfProjects([projectId])).map((t) => t.id_session_type);
    const before = await ids();
    assert.ok(before.length > 0);
    const added = await k
      .insertInto('t_sessions_types')
      .values({
        session_type_name: 'Added',
        session_type_online: true,
        session_type_color: '#00FF00',
        session_type_category: 1,
      })
      .returning('id_session_type')
      .executeTakeFirstOrThrow();
    await k
      .insertInto('t_sessions_types_projects')
      .values({ id_session_type: added.id_session_type, id_project: projectId })
      .execute();
    assert.deepEqual(await ids(), before, 'kept until told');
    await publishDatabaseEvent(server.deps, 'session_type', 'create', {
      id_session_type: added.id_session_type,
    });
    await waitFor(async () => (await ids()).includes(added.id_session_type), {
      what: 'the new session type',
    });
    assert.deepEqual(
      await ids(),
      [...before, added.id_session_type].sort((a, b) => a - b),
    );
  });

  test('device type names: read again after a device_type DatabaseEvent', async () => {
    const d = await device(server, 'Apple Watch #W05P1');
    const name = async () => (await catalog.deviceTypeNames(d.id_device_type, null)).type;
    const old = await name();
    assert.equal(old, 'Capteur');
    await server.deps.db.kysely
      .updateTable('t_devices_types')
      .set({ device_type_name: 'Capteur renommé' })
      .where('id_device_type', '=', d.id_device_type)
      .execute();
    assert.equal(await name(), old, 'kept until told');
    await publishDatabaseEvent(server.deps, 'device_type', 'update', {
      id_device_type: d.id_device_type,
    });
    await waitFor(async () => (await name()) === 'Capteur renommé', { what: 'the new name' });
  });

  test('a device type created since the catalog was read is found', async () => {
    const k = server.deps.db.kysely;
    await catalog.deviceTypeNames(1, null);
    const added = await k
      .insertInto('t_devices_types')
      .values({ device_type_key: 'added', device_type_name: 'Ajouté' })
      .returning('id_device_type')
      .executeTakeFirstOrThrow();
    assert.equal((await catalog.deviceTypeNames(added.id_device_type, null)).type, 'Ajouté');
  });
});
