/**
 * Successful logins are recorded in `*_lastonline` off the login path: the login answers first,
 * the column is written within one interval, and logins of several principals share a write.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startTestServer, type TestServer } from '../kit/server.js';
import { device, deviceToken } from '../kit/http.js';
import { waitFor } from '../kit/waiting.js';

describe('last online', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const lastOnline = async (name: string) => (await device(server, name)).device_lastonline;

  test('device logins set device_lastonline after answering', async () => {
    const names = ['Apple Watch #W05P1', 'Kit Télé #1'];
    for (const name of names) assert.equal(await lastOnline(name), null, `${name} starts unset`);
    for (const name of names) {
      const token = await deviceToken(server, name);
      const r = await server.request('/api/device/login', {
        headers: { authorization: bearer(token) },
      });
      assert.equal(r.status, 200);
    }
    for (const name of names)
      await waitFor(() => lastOnline(name), { what: `${name}'s device_lastonline` });
  });
});
