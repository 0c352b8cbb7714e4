/**
 * POST /api/service/events: a service, authenticated by its service token, sends a direct
 * event that reaches the principal's connections through their filters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../kit/server.js';
import { connect, nextMatching, parseFrame, seeded, type Seeded } from '../kit/sockets.js';
import { recordServiceToken, revokeServiceToken } from '../../src/store/queries/service-tokens.js';

describe('service events endpoint', () => {
  let server: TestServer;
  let ids: Seeded;
  let token: string;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    const service = await server.deps.db.kysely
      .selectFrom('t_services')
      .select('service_uuid')
      .where('service_key', '=', 'VideoRehabService')
      .executeTakeFirstOrThrow();
    token = await server.deps.tokens.signService(service.service_uuid);
  });
  after(() => server.close());

  const post = (body: unknown, authorization = `OpenTera ${token}`) =>
    server.request('/api/service/events', {
      method: 'POST',
      headers: { authorization },
      body: body as object,
    });

  /** A StopSessionEvent for one user: a valid body whatever the test checks around it. */
  const stopSessionFor = (uuid: string) => ({
    kind: 'user',
    uuid,
    event: { '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent', sessionUuid: 's' },
  });

  test('delivers a direct event to every connection of the principal', async () => {
    const user = ids.users.user!;
    const a = await connect(server, 'user', user);
    const b = await connect(server, 'user', user, { protocols: ['opentera-protobuf'] });
    const event = {
      '@type': 'type.googleapis.com/opentera.protobuf.JoinSessionEvent',
      sessionUrl: 'https://example.org/rehab/1',
      sessionCreatorName: 'Site Admin',
      sessionUuid: 'f00dfeed-0000-4000-8000-000000000001',
      sessionUsers: [user],
      joinMsg: 'Join me',
    };
    const res = await post({ kind: 'user', uuid: user, event });
    assert.equal(res.status, 202, res.text);
    assert.deepEqual(res.json(), { topic: `websocket.user.${user}.events` });
    for (const socket of [a, b]) {
      const f = await nextMatching(socket, (x) => x.type === 'JoinSessionEvent');
      assert.equal(f.topic, `websocket.user.${user}.events`);
      assert.equal(f.fields.sessionUrl, 'https://example.org/rehab/1');
      assert.deepEqual(f.fields.sessionUsers, [user]);
    }
    a.close();
    b.close();
  });

  test('the event goes through the filters', async () => {
    const p1 = ids.participants['Participant #1']!;
    const socket = await connect(server, 'participant', p1);
    // A JoinSessionEvent that does not name the participant is dropped; an ArchiveEvent it owns passes.
    const notNamed = {
      '@type': 'type.googleapis.com/opentera.protobuf.JoinSessionEvent',
      sessionUuid: 'f00dfeed-0000-4000-8000-000000000002',
      sessionUsers: [ids.users.user!],
    };
    const owned = {
      '@type': 'type.googleapis.com/opentera.protobuf.ArchiveEvent',
      archiveUuid: 'a1',
      ownerUuid: p1,
      status: 'STATUS_COMPLETED',
    };
    assert.equal((await post({ kind: 'participant', uuid: p1, event: notNamed })).status, 202);
    assert.equal((await post({ kind: 'participant', uuid: p1, event: owned })).status, 202);
    const f = parseFrame(await socket.next());
    assert.equal(f.type, 'ArchiveEvent', 'the JoinSessionEvent was filtered out');
    assert.equal(f.fields.status, 'STATUS_COMPLETED');
    socket.close();
  });

  test('refuses a missing or bad service token with 401', async () => {
    const body = stopSessionFor(ids.users.user!);
    const bad = await post(body, 'OpenTera not.a.token');
    assert.equal(bad.status, 401);
    assert.equal(bad.json<{ code: string }>().code, 'UNAUTHORIZED');
    assert.equal((await post(body, '')).status, 401);
    const userToken = await server.request('/api/user/login', {
      headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    });
    const ut = userToken.json<{ user_token: string }>().user_token;
    assert.equal(
      (await post(body, `OpenTera ${ut}`)).status,
      401,
      'a user token is not a service token',
    );
  });

  test('refuses bad bodies with 400', async () => {
    const uuid = ids.users.user!;
    const cases: unknown[] = [
      {
        kind: 'service',
        uuid,
        event: { '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent' },
      },
      {
        kind: 'user',
        uuid: 'has spaces',
        event: { '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent' },
      },
      {
        kind: 'user',
        uuid,
        event: { '@type': 'type.googleapis.com/opentera.protobuf.NoSuchEvent' },
      },
      {
        kind: 'user',
        uuid,
        event: { '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent', nope: 1 },
      },
      {
        kind: 'user',
        uuid,
        event: { '@type': 'type.googleapis.com/opentera.protobuf.RPCMessage', method: 'x' },
      },
      {
        kind: 'user',
        uuid,
        event: { '@type': 'type.googleapis.com/opentera.protobuf.DatabaseEvent' },
      },
      { kind: 'user', uuid },
    ];
    for (const body of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.json<{ message: string }>().message, 'string');
    }
  });

  test('checks the token before the body: 401 without one, whatever the body', async () => {
    for (const body of ['not json at all', { kind: 'nope' }, {}]) {
      const res = await server.request('/api/service/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body as string,
      });
      assert.equal(res.status, 401, JSON.stringify(body));
      assert.equal(res.json<{ code: string }>().code, 'UNAUTHORIZED');
    }
  });

  test('a direct event to a principal that does not exist is 404', async () => {
    const stop = {
      '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent',
      sessionUuid: 's',
    };
    for (const kind of ['user', 'participant', 'device']) {
      const res = await post({ kind, uuid: '00000000-0000-4000-8000-000000000000', event: stop });
      assert.equal(res.status, 404, kind);
      assert.deepEqual(res.json(), {
        code: 'NOT_FOUND',
        message: `No ${kind} 00000000-0000-4000-8000-000000000000`,
      });
    }
  });

  test('tokens with an id: expired and revoked ones are refused, unknown ids too', async () => {
    const service = await server.deps.db.kysely
      .selectFrom('t_services')
      .select(['service_uuid', 'id_service'])
      .where('service_key', '=', 'VideoRehabService')
      .executeTakeFirstOrThrow();
    const body = stopSessionFor(ids.users.user!);
    const issue = async (tokenId: string, expiresAt?: Date, record = true) => {
      if (record)
        await recordServiceToken(server.deps.db, {
          tokenId,
          idService: service.id_service,
          expiresAt: expiresAt?.toISOString() ?? null,
        });
      return `OpenTera ${await server.deps.tokens.signService(service.service_uuid, { tokenId, expiresAt })}`;
    };
    const live = await issue('live-token', new Date(Date.now() + 3_600_000));
    assert.equal((await post(body, live)).status, 202);
    const expired = await issue('expired-token', new Date(Date.now() - 1000));
    assert.equal((await post(body, expired)).status, 401, 'expired');
    const unknown = await issue('never-recorded', undefined, false);
    assert.equal((await post(body, unknown)).status, 401, 'not in the registry');
    assert.equal(await revokeServiceToken(server.deps.db, 'live-token'), true);
    assert.equal((await post(body, live)).status, 401, 'revoked');
    assert.equal(await revokeServiceToken(server.deps.db, 'no-such-id'), false);
  });

  test("OpenTera's own service tokens (no registry id) follow the service: enabled accepted, disabled or deleted refused", async () => {
    // A service of its own, so that disabling it leaves the other tests' service alone.
    const serviceUuid = randomUUID();
    const { id_service } = await server.deps.db.kysely
      .insertInto('t_services')
      .values({
        service_uuid: serviceUuid,
        service_key: 'RelayTestService',
        service_name: 'Relay Test Service',
        service_hostname: '127.0.0.1',
        service_port: 4099,
        service_endpoint: '/',
        service_clientendpoint: '/relaytest',
        service_endpoint_user: null,
        service_endpoint_participant: null,
        service_endpoint_device: null,
        service_enabled: true,
      })
      .returning('id_service')
      .executeTakeFirstOrThrow();
    // As OpenTera signs them: {iat, service_uuid}, no jti (so not in TeraRelay's registry), no exp.
    const openteraToken = await server.deps.tokens.signService(serviceUuid);
    const claims = JSON.parse(
      Buffer.from(openteraToken.split('.')[1]!, 'base64url').toString('utf8'),
    ) as Record<string, unknown>;
    assert.deepEqual(Object.keys(claims).sort(), ['iat', 'service_uuid']);
    const authorization = `OpenTera ${openteraToken}`;
    const body = stopSessionFor(ids.users.user!);
    const setService = (values: { service_enabled?: boolean; deleted_at?: string | null }) =>
      server.deps.db.kysely
        .updateTable('t_services')
        .set(values)
        .where('id_service', '=', id_service)
        .execute();
    const refusedWith401 = async (why: string) => {
      const res = await post(body, authorization);
      assert.equal(res.status, 401, `${why}: ${res.text}`);
      assert.deepEqual(
        res.json(),
        { code: 'UNAUTHORIZED', message: 'A valid service token is required' },
        why,
      );
    };

    assert.equal((await post(body, authorization)).status, 202, 'enabled');
    await setService({ service_enabled: false });
    await refusedWith401('disabled');
    await setService({ service_enabled: true });
    assert.equal((await post(body, authorization)).status, 202, 're-enabled');
    await setService({ deleted_at: new Date().toISOString() });
    await refusedWith401('deleted');
    await setService({ deleted_at: null, service_enabled: false });
    await refusedWith401('undeleted but still disabled');
  });

  test('the OpenAPI document gives an example per event type, each accepted as documented', async () => {
    interface Operation {
      description: string;
      responses: Record<string, unknown>;
      requestBody: {
        content: Record<
          string,
          { examples: Record<string, { value: { kind: string; event: { '@type': string } } }> }
        >;
      };
    }
    const doc = (await server.request('/openapi.json')).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const op = doc.paths['/api/service/events']!.post!;
    assert.deepEqual(Object.keys(op.responses).sort(), ['202', '400', '401', '404']);
    const media = op.requestBody.content['application/json']!;
    const examples = Object.values(media.examples).map((e) => e.value);
    const types = examples.map((e) => e.event['@type'].split('.').pop());
    assert.deepEqual(types.sort(), [
      'ArchiveEvent',
      'DeviceEvent',
      'JoinSessionEvent',
      'JoinSessionReplyEvent',
      'LeaveSessionEvent',
      'ParticipantEvent',
      'StopSessionEvent',
      'UserEvent',
    ]);
    for (const type of types) assert.match(op.description, new RegExp(`- ${type}: `));
    for (const example of examples) {
      // The examples name principals that do not exist: a valid body, refused only by 404.
      const res = await post(example);
      assert.equal(res.status, 404, `${example.event['@type']}: ${res.text}`);
    }
  });
});
