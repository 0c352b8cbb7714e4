import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic } from '../kit/server.js';
import { twistedCommandsTopic } from '../../src/topics.js';
import { device, listen, participant, serveApi, userUuid } from '../kit/http.js';

describe('GET /api/user/disconnect', () => {
  const suite = serveApi();

  const as = (who: string, q: string) => suite.api.get(`/api/user/disconnect${q}`, basic(who, who));

  test('no target is 400 "Invalid request"; yourself is 400', async () => {
    let r = await as('siteadmin', '');
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Invalid request');
    r = await as('siteadmin', `?user_uuid=${await userUuid(suite.server, 'siteadmin')}`);
    assert.equal(r.status, 400);
    assert.equal(r.json(), 'Use Logout instead to disconnect current user');
  });

  test('without admin access to the target: 403 "Forbidden"', async () => {
    const p1 = await participant(suite.server, 'Participant #1');
    const secret = await participant(suite.server, 'Secret Participant');
    const kit = await device(suite.server, 'Kit Télé #1');
    const cases: Array<[string, string]> = [
      ['user', `?participant_uuid=${p1.participant_uuid}`],
      ['user3', `?id_device=${kit.id_device}`],
      ['siteadmin', `?participant_uuid=${secret.participant_uuid}`],
      ['siteadmin', `?user_uuid=${await userUuid(suite.server, 'admin')}`],
      ['siteadmin', '?id_user=999'],
      ['user4', `?user_uuid=${await userUuid(suite.server, 'user')}`],
    ];
    for (const [who, q] of cases) {
      const r = await as(who, q);
      assert.equal(r.status, 403, `${who} ${q}`);
      assert.equal(r.json(), 'Forbidden');
    }
  });

  test('with admin access: 200 "Success" and the disconnect command for that uuid', async () => {
    const p1 = await participant(suite.server, 'Participant #1');
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    const user = await userUuid(suite.server, 'user');
    const targets: Array<[string, string, string]> = [
      ['user3', `?id_participant=${p1.id_participant}`, p1.participant_uuid],
      ['siteadmin', `?device_uuid=${watch.device_uuid}`, watch.device_uuid],
      ['siteadmin', `?user_uuid=${user}`, user],
      ['admin', `?id_user=3`, user],
    ];
    for (const [who, q, uuid] of targets) {
      const commands = await listen(suite.server, twistedCommandsTopic(uuid));
      const r = await as(who, q);
      assert.equal(r.status, 200, `${who} ${q}`);
      assert.equal(r.json(), 'Success');
      assert.equal(
        suite.server.deps.codec.decodeModuleMessage(await commands.next()).head?.dest,
        twistedCommandsTopic(uuid),
      );
      await commands.close();
    }
  });

  test('a bad id is 400; no auth is 401', async () => {
    assert.equal((await as('admin', '?id_device=x')).status, 400);
    assert.equal((await suite.api.get('/api/user/disconnect?id_user=3')).status, 401);
  });
});
