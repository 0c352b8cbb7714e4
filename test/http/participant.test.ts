import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, bearer } from '../kit/server.js';
import {
  jwtPayload,
  markOnline,
  participant,
  participantTokensOf,
  serveApi,
  userTokenOf,
  withParticipantChanged,
} from '../kit/http.js';

interface Login {
  participant_name: string;
  participant_uuid: string;
  websocket_url?: string;
  session_types_info: Array<{ id_session_type: number; session_type_name: string }>;
  base_token: string | null;
  participant_token?: string;
}

describe('GET /api/participant/login', () => {
  const suite = serveApi();

  test('Basic: full access — URL, dynamic token, static base_token, session types of the project', async () => {
    const p1 = await participant(suite.server, 'Participant #1');
    const r = await suite.api.get('/api/participant/login', basic('participant1', 'opentera'));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = r.json<Login>();
    assert.equal(body.participant_name, 'Participant #1');
    assert.equal(body.participant_uuid, p1.participant_uuid);
    const m = /^wss:\/\/127\.0\.0\.1:\d+\/wss\/participant\?id=([A-Za-z0-9_-]{43})$/.exec(
      body.websocket_url ?? '',
    );
    assert.ok(m, 'a URL even without with_websocket');
    assert.equal(await suite.server.deps.tickets.redeem(m[1]!, 'participant'), p1.participant_uuid);
    assert.equal(body.base_token, p1.participant_token);
    assert.deepEqual(
      body.session_types_info.map((s) => s.id_session_type),
      [1, 2, 3, 4],
    );
    const claims = jwtPayload(body.participant_token!);
    assert.equal(claims.participant_uuid, p1.participant_uuid);
    assert.equal(claims.id_participant, p1.id_participant);
    assert.equal(claims.user_fullname, 'Participant #1');
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
  });

  test('static token: limited access — URL and base_token, no participant_token', async () => {
    for (const name of ['Participant #1', 'Secret Participant']) {
      const p = await participant(suite.server, name);
      const r = await suite.api.get('/api/participant/login', bearer(p.participant_token!));
      assert.equal(r.status, 200, name);
      const body = r.json<Login>();
      assert.equal(body.participant_uuid, p.participant_uuid);
      assert.ok(body.websocket_url);
      assert.equal(body.base_token, p.participant_token);
      assert.equal('participant_token' in body, false);
    }
  });

  test('dynamic token: full access again', async () => {
    const { dynamic } = await participantTokensOf(suite.api);
    const r = await suite.api.get('/api/participant/login', bearer(dynamic));
    assert.equal(r.status, 200);
    assert.ok(r.json<Login>().participant_token);
  });

  test('refusals: wrong password, unknown name, no auth, bad token, disabled participant, user token', async () => {
    const secret = await participant(suite.server, 'Secret Participant');
    const cases = [
      basic('participant1', 'wrong'),
      basic('nobody', 'opentera'),
      undefined,
      bearer('not-a-token'),
      bearer(''),
      'OpenTera',
    ];
    for (const auth of cases) {
      const r = await suite.api.get('/api/participant/login', auth);
      assert.equal(r.status, 401, String(auth));
      assert.equal(r.text, 'Unauthorized');
    }
    await withParticipantChanged(
      suite.server,
      'Secret Participant',
      { participant_enabled: false },
      { participant_enabled: true },
      async () => {
        const r = await suite.api.get('/api/participant/login', bearer(secret.participant_token!));
        assert.equal(r.status, 401);
      },
    );
    await withParticipantChanged(
      suite.server,
      'Participant #1',
      { participant_login_enabled: false },
      { participant_login_enabled: true },
      async () => {
        const r = await suite.api.get('/api/participant/login', basic('participant1', 'opentera'));
        assert.equal(r.status, 401);
      },
    );
    const userToken = await userTokenOf(suite.api, 'admin');
    assert.equal(
      (await suite.api.get('/api/participant/login', bearer(userToken))).status,
      401,
      'a user token is not a participant token',
    );
  });

  test('already online: 403 with with_websocket, 200 without a URL otherwise', async () => {
    const p = await participant(suite.server, 'Secret Participant');
    await markOnline(suite.server, 'participant', p.participant_uuid);
    const refused = await suite.api.get(
      '/api/participant/login?with_websocket=true',
      bearer(p.participant_token!),
    );
    assert.equal(refused.status, 403);
    assert.equal(refused.json(), 'Participant already logged in.');
    const r = await suite.api.get('/api/participant/login', bearer(p.participant_token!));
    assert.equal(r.status, 200);
    assert.equal('websocket_url' in r.json<object>(), false);
  });

  test('a bad with_websocket value is 400', async () => {
    const r = await suite.api.get(
      '/api/participant/login?with_websocket=yes',
      basic('participant1', 'opentera'),
    );
    assert.equal(r.status, 400);
    assert.equal(r.json<{ message: string }>().message, 'Input payload validation failed');
  });
});
