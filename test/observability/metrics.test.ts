/**
 * GET /metrics of real servers: every documented series from the first scrape, the scrape-time
 * readings (database, lease), HTTP requests counted by route pattern, refusals by reason, and
 * with Redis the lease, the link and the bus publishes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../kit/server.js';
import { serverFor } from '../kit/http.js';
import { redisSuite } from '../kit/redis-suite.js';
import { wsUrl } from '../kit/sockets.js';
import { openSocket } from '../kit/server.js';
import { waitFor } from '../kit/waiting.js';
import { packageVersion } from '../../src/version.js';
import { LOGIN_OUTCOMES, SERVICE_EVENT_OUTCOMES, UPGRADE_REFUSALS } from '../../src/metrics.js';
import { PRINCIPAL_KINDS } from '../../src/principal.js';

/** One sample of the exposition: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(server: TestServer): Promise<Sample[]> {
  const res = await server.request('/metrics');
  assert.equal(res.status, 200);
  return parseSamples(res.text);
}

/** The value of the one sample of `name` whose labels include `labels`, or undefined. */
function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: several samples`);
  return found[0]?.value;
}

describe('/metrics', () => {
  test('the first scrape of a fresh server lists every series', async (t) => {
    const server = await serverFor(t);
    const samples = await scrape(server);
    const has = (name: string, labels: Record<string, string> = {}) =>
      assert.notEqual(
        valueOf(samples, name, labels),
        undefined,
        `${name} ${JSON.stringify(labels)}`,
      );
    for (const kind of PRINCIPAL_KINDS) {
      has('terarelay_connections', { kind });
      for (const outcome of LOGIN_OUTCOMES[kind]) {
        has('terarelay_logins_total', { kind, outcome });
        has('terarelay_login_duration_seconds_count', { kind, outcome });
        has('terarelay_login_duration_seconds_bucket', { kind, outcome, le: '+Inf' });
      }
    }
    for (const reason of UPGRADE_REFUSALS) has('terarelay_upgrade_refusals_total', { reason });
    for (const outcome of SERVICE_EVENT_OUTCOMES)
      has('terarelay_service_events_total', { outcome });
    for (const histogram of ['terarelay_event_delivery_seconds', 'terarelay_bus_publish_seconds'])
      has(`${histogram}_count`);
    for (const state of ['running', 'waiting']) has('terarelay_password_checks_pending', { state });
    for (const name of [
      'terarelay_events_filtered_total',
      'terarelay_events_delivered_total',
      'terarelay_password_checks_total',
      // Node's runtime metrics, on in --dev too (the test servers run with --dev).
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      has(name);
    has('terarelay_http_requests_total', { route: '/api/user/login', status: '200' });
    has('terarelay_bus_errors_total', { op: 'publish' });
    has('terarelay_events_dropped_total', { reason: 'undecodable' });
    has('terarelay_connection_closes_total', { code: '4000' });
    assert.equal(valueOf(samples, 'terarelay_leader'), 1, 'alone, the node leads');
    assert.equal(valueOf(samples, 'terarelay_database_up'), 1);
    const version = packageVersion();
    assert.equal(
      valueOf(samples, 'terarelay_build_info', { version, node: server.deps.nodeId }),
      1,
    );
    assert.equal(valueOf(samples, 'terarelay_redis_up'), undefined, 'no Redis, no series');
  });

  test('HTTP requests by route pattern; refused upgrades by reason; logins timed', async (t) => {
    const server = await serverFor(t);
    assert.equal((await server.request('/api/user/login?with_websocket=true')).status, 401);
    assert.equal((await server.request('/no/such/path?x=1')).status, 404);
    assert.equal((await openSocket(wsUrl(server, 'user', 'not-a-ticket'))).status, 403);
    assert.equal((await openSocket(`wss://127.0.0.1:${server.port}/wss/nobody?id=x`)).status, 404);
    const samples = await scrape(server);
    const requests = samples.filter((s) => s.name === 'terarelay_http_requests_total');
    assert.equal(valueOf(requests, 'terarelay_http_requests_total', { status: '401' }), 1);
    assert.equal(
      valueOf(requests, 'terarelay_http_requests_total', {
        route: '/api/user/login',
        status: '401',
      }),
      1,
    );
    assert.equal(
      valueOf(requests, 'terarelay_http_requests_total', { route: 'unmatched', status: '404' }),
      1,
    );
    assert.ok(
      requests.every((s) => !s.labels.route?.includes('?')),
      'no raw URL as a label',
    );
    assert.equal(valueOf(samples, 'terarelay_upgrade_refusals_total', { reason: 'bad_ticket' }), 1);
    assert.equal(valueOf(samples, 'terarelay_upgrade_refusals_total', { reason: 'not_found' }), 1);
    const unauthorized = { kind: 'user', outcome: 'unauthorized' };
    assert.equal(valueOf(samples, 'terarelay_logins_total', unauthorized), 1);
    assert.equal(valueOf(samples, 'terarelay_login_duration_seconds_count', unauthorized), 1);
  });

  test('a scrape while the database does not answer reports it down', async (t) => {
    const server = await serverFor(t);
    await server.deps.db.close();
    assert.equal(valueOf(await scrape(server), 'terarelay_database_up'), 0);
  });

  describe('with Redis', () => {
    const suite = redisSuite();

    test('the lease, the Redis links and the bus publishes', async (t) => {
      const redis = suite.server;
      if ('skip' in redis) return t.skip(redis.skip);
      const server = await startTestServer({ redis: redis.url });
      t.after(() => server.close());
      await waitFor(async () => valueOf(await scrape(server), 'terarelay_leader') === 1, {
        what: 'the node to take the lease',
      });
      await server.deps.bus.publish('terarelay.test.metrics', new Uint8Array([1]));
      const samples = await scrape(server);
      assert.equal(valueOf(samples, 'terarelay_redis_up'), 1);
      assert.ok((valueOf(samples, 'terarelay_bus_publish_seconds_count') ?? 0) >= 1);
    });
  });
});
