/**
 * `terarelay service-token` with an expiry, and `terarelay revoke-service-token`, spawned as an
 * operator runs them against a SQLite file that a running node also uses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './kit/cli.js';
import { startTestServer, type TestServer } from './kit/server.js';
import { jwtPayload } from './kit/http.js';

const dir = mkdtempSync(join(tmpdir(), 'terarelay-service-token-'));
const dbUrl = `sqlite:${join(dir, 'relay.db')}`;
let server: TestServer;

before(async () => {
  server = await startTestServer({ db: dbUrl });
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = async (token: string) => {
  const participant = await server.deps.db.kysely
    .selectFrom('t_participants')
    .select('participant_uuid')
    .executeTakeFirstOrThrow();
  return server.request('/api/service/events', {
    method: 'POST',
    headers: { authorization: `OpenTera ${token}` },
    body: {
      kind: 'participant',
      uuid: participant.participant_uuid,
      event: {
        '@type': 'type.googleapis.com/opentera.protobuf.StopSessionEvent',
        sessionUuid: 's',
      },
    },
  });
};

test('a token with --expires-in carries its expiry, works, and stops working once revoked', async () => {
  const issued = await run(['service-token', 'VideoRehabService', '--expires-in', '2h'], {
    TERARELAY_DB: dbUrl,
  });
  assert.equal(issued.code, 0, issued.stderr);
  const token = issued.stdout.trim();
  const claims = jwtPayload(token);
  const exp = claims.exp as number;
  assert.ok(Math.abs(exp - (Date.now() / 1000 + 7200)) < 120, `exp ${exp}`);
  const id = /token id (\S+),/.exec(issued.stderr)?.[1];
  assert.equal(id, claims.jti);
  assert.equal((await post(token)).status, 202);

  const revoked = await run(['revoke-service-token', id!], { TERARELAY_DB: dbUrl });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /revoked/);
  assert.equal((await post(token)).status, 401, 'refused by the running node at once');
});

test('bad durations and unknown token ids exit 2 with one line', async () => {
  const bad = await run(['service-token', 'VideoRehabService', '--expires-in', 'soon'], {
    TERARELAY_DB: dbUrl,
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^terarelay: invalid --expires-in: "soon"/);
  const unknown = await run(['revoke-service-token', 'nope'], { TERARELAY_DB: dbUrl });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no service token with id "nope"/);
});

test('without --expires-in the token never expires and is still revocable', async () => {
  const issued = await run(['service-token', 'VideoRehabService'], { TERARELAY_DB: dbUrl });
  assert.equal(issued.code, 0, issued.stderr);
  assert.equal(jwtPayload(issued.stdout.trim()).exp, undefined);
  assert.match(issued.stderr, /expires never/);
});
