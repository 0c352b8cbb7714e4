/**
 * Where the operational endpoints are served: on the public port by default; with
 * --metrics-port, /metrics and /readyz move to an internal plain-HTTP listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestUrl, startTestServer } from '../kit/server.js';

test('without --metrics-port: /healthz, /readyz and /metrics on the public port', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  assert.equal(server.metricsUrl, null);
  assert.deepEqual((await server.request('/healthz')).json(), { status: 'ok' });
  assert.deepEqual((await server.request('/readyz')).json(), { status: 'ready' });
  const metrics = await server.request('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /^terarelay_connections\{/m);
  assert.doesNotMatch(metrics.text, /terarelay_redis_up/, 'no Redis, no Redis gauge');
});

test('--metrics-port: /metrics and /readyz only on the internal listener', async (t) => {
  const server = await startTestServer({ metricsPort: 0 });
  t.after(() => server.close());
  assert.match(server.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  const internal = (path: string) => requestUrl(`${server.metricsUrl}${path}`);
  assert.deepEqual((await internal('/readyz')).json(), { status: 'ready' });
  assert.match((await internal('/metrics')).text, /^terarelay_connections\{/m);
  assert.equal((await internal('/healthz')).status, 404);
  assert.equal((await server.request('/metrics')).status, 404);
  assert.equal((await server.request('/readyz')).status, 404);
  assert.equal((await server.request('/healthz')).status, 200);
});
