/**
 * The limits of POST /api/device/status, on a real server over TLS with the counters in memory
 * and in Redis: a status over --max-device-status once encoded gets 413 and reaches no watcher;
 * a burst from one device gets 429 with Retry-After while another device is unaffected; with
 * Redis the limit holds across nodes.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, startTestServer, type TestResponse, type TestServer } from '../kit/server.js';
import { device, markOnline, OpenApiChecker } from '../kit/http.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { connect, parseFrame, seeded, type ParsedFrame } from '../kit/sockets.js';
import { DEFAULTS, loadConfig } from '../../src/config.js';
import { pythonJsonDumps } from '../../src/protocol/python-json.js';

const WATCH = 'Apple Watch #W05P1';
const KIT = 'Kit Télé #1';
/** The default burst, over a window long enough that a burst of posts always falls in one. */
const LIMITS = { deviceStatusRate: 1, deviceStatusBurst: 20 };

/** One documented answer of the served OpenAPI document. */
interface Documented {
  description: string;
  headers?: Record<string, unknown>;
}

const post = (
  target: Pick<TestServer, 'request'>,
  token: string,
  body: unknown,
): Promise<TestResponse> =>
  target.request('/api/device/status', {
    method: 'POST',
    headers: { authorization: bearer(token) },
    body: body as object,
  });

/** The seeded device's uuid and token on `server`, marked online there. */
async function onlineDevice(server: TestServer, name: string) {
  const row = await device(server, name);
  await markOnline(server, 'device', row.device_uuid);
  return { uuid: row.device_uuid, token: row.device_token! };
}

test('the burst must be a multiple of the rate: the window is whole seconds', () => {
  const load = (rate: number, burst: number) =>
    loadConfig({ env: {}, flags: { deviceStatusRate: rate, deviceStatusBurst: burst } });
  assert.throws(
    () => load(3, 20),
    /invalid --device-status-burst: 20 \(must be a multiple of --device-status-rate\)/,
  );
  assert.equal(load(5, 20).deviceStatusBurst, 20);
});

for (const backend of ['memory', 'redis'] as const) {
  describe(`device status limits (${backend})`, () => {
    let redis: PrivateRedis | { skip: string } | null = null;
    let server: TestServer | null = null;
    let api: OpenApiChecker;
    before(async () => {
      if (backend === 'redis') redis = await startPrivateRedis();
      if (redis && 'skip' in redis) return;
      server = await startTestServer({ ...LIMITS, ...(redis ? { redis: redis.url } : {}) });
      api = await OpenApiChecker.load(server);
    });
    after(async () => {
      await server?.close();
      if (redis && !('skip' in redis)) await redis.close();
    });

    /** The suite's server, or null when the test is skipped. */
    const serving = (t: TestContext): TestServer | null => {
      if (redis && 'skip' in redis) t.skip(redis.skip);
      return server;
    };

    test('a status over the cap only once escaped gets 413 and reaches no watcher', async (t) => {
      const s = serving(t);
      if (!s) return;
      const watch = await onlineDevice(s, WATCH);
      const admin = await connect(s, 'user', (await seeded(s)).users.admin!);
      t.after(() => admin.close());

      const status = { label: 'é'.repeat(3000) };
      const body = { status, timestamp: 1 };
      const max = DEFAULTS.maxDeviceStatus;
      assert.ok(Buffer.byteLength(JSON.stringify(body)) < max, 'under the cap as posted');
      const size = pythonJsonDumps({ status: pythonJsonDumps(status), timestamp: 1 }).length;
      assert.ok(size > max, 'over the cap once escaped');

      const refused = await post(api, watch.token, body);
      assert.equal(refused.status, 413);
      assert.equal(
        refused.json(),
        `Status too large: ${size} bytes once encoded, at most ${max} allowed.`,
      );
      assert.equal((await s.deps.presence.deviceStatuses()).get(watch.uuid), undefined);

      // Barrier: a valid status after it, through the same path; nothing of the device before it.
      const ok = await post(api, watch.token, { status: { battery: 1 }, timestamp: 2 });
      assert.equal(ok.status, 200, ok.text);
      const before: ParsedFrame[] = [];
      for (;;) {
        const frame = parseFrame(await admin.next());
        if (frame.fields.deviceUuid !== watch.uuid) continue;
        if (
          frame.fields.type === 'DEVICE_STATUS_CHANGED' &&
          frame.fields.deviceStatus === '{"status": "{\\"battery\\": 1}", "timestamp": 2}'
        )
          break;
        before.push(frame);
      }
      assert.deepEqual(before, [], 'no event of the device came before the valid status');
    });

    test('a burst of 25 posts from one device gets 429 with Retry-After; another device is unaffected', async (t) => {
      const s = serving(t);
      if (!s) return;
      const kit = await onlineDevice(s, KIT);
      const watch = await onlineDevice(s, WATCH);
      const answers = await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          post(api, kit.token, { status: { n: i }, timestamp: i }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      assert.deepEqual(
        statuses.filter((c) => c !== 200 && c !== 429),
        [],
        'every post is stored or throttled',
      );
      const throttled = answers.filter((r) => r.status === 429);
      assert.ok(throttled.length >= 5, `at least 5 of 25 over a burst of 20: ${statuses}`);
      for (const r of throttled) {
        assert.deepEqual(r.json(), {
          code: 'TOO_MANY_REQUESTS',
          message: 'Too many status updates from this device; try again later',
        });
        const wait = Number(r.headers['retry-after']);
        assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 20, `Retry-After ${wait}`);
      }
      const other = await post(api, watch.token, { status: { other: true }, timestamp: 1 });
      assert.equal(other.status, 200, other.text);
    });

    if (backend === 'memory')
      test('the OpenAPI document names the cap and Retry-After in 413 and 429', (t) => {
        if (!serving(t)) return;
        const doc = api.doc as unknown as {
          paths: Record<string, Record<string, { responses: Record<string, Documented> }>>;
        };
        const responses = doc.paths['/api/device/status']!.post!.responses;
        assert.match(responses['413']!.description, /--max-device-status/);
        assert.match(responses['429']!.description, /Retry-After/);
        assert.ok(responses['429']!.headers?.['Retry-After'], 'the header is documented');
      });

    if (backend === 'redis')
      test('the limit holds across nodes sharing Redis', async (t) => {
        const a = serving(t);
        if (!a || !redis || 'skip' in redis) return;
        const b = await startTestServer({ ...LIMITS, redis: redis.url });
        t.after(() => b.close());
        // Both nodes seed the same device uuid; the counter is keyed by it.
        const [onA, onB] = [await onlineDevice(a, WATCH), await device(b, WATCH)];
        assert.equal(onA.uuid, onB.device_uuid);
        const posts = Array.from({ length: 24 }, (_, i) =>
          post(i % 2 ? a : b, i % 2 ? onA.token : onB.device_token!, {
            status: { n: i },
            timestamp: i,
          }),
        );
        const statuses = (await Promise.all(posts)).map((r) => r.status);
        assert.ok(
          statuses.filter((c) => c === 200).length <= 20,
          `at most one burst stored across the nodes: ${statuses}`,
        );
        assert.ok(statuses.includes(429), `some posts throttled: ${statuses}`);
      });
  });
}
