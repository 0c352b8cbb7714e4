import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer } from '../kit/server.js';
import {
  DeviceEventSchema,
  DeviceEvent_EventType,
  anyUnpack,
} from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS, twistedCommandsTopic } from '../../src/topics.js';
import {
  JsonSyntaxError,
  parsePythonJson,
  pythonJsonDumps,
} from '../../src/protocol/python-json.js';
import { device, deviceToken, listen, markOnline, participant, serveApi } from '../kit/http.js';

interface DeviceLogin {
  device_info: Record<string, unknown>;
  participants_info: Array<{ participant_name: string; participant_uuid: string }>;
  session_types_info: Array<{ id_session_type: number }>;
  websocket_url?: string;
}

describe('device login and logout', () => {
  const suite = serveApi();

  test('by Authorization header: full device_info with type name, linked participants, session types, URL', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    const r = await suite.api.get('/api/device/login', bearer(watch.device_token!));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const body = r.json<DeviceLogin>();
    assert.equal(body.device_info.device_uuid, 'b707e0b2-e649-47e7-a938-2b949c423f73');
    assert.equal(body.device_info.device_type, 'Capteur');
    assert.equal(body.device_info.device_token, watch.device_token);
    assert.equal(body.device_info.device_onlineable, true);
    assert.deepEqual(
      body.participants_info.map((p) => p.participant_name),
      ['Participant #1', 'Participant #2'],
    );
    assert.deepEqual(
      body.session_types_info.map((s) => s.id_session_type),
      [1, 2, 3, 4],
    );
    const id = /^wss:\/\/127\.0\.0\.1:\d+\/wss\/device\?id=([A-Za-z0-9_-]{43})$/.exec(
      body.websocket_url ?? '',
    )?.[1];
    assert.ok(id);
    assert.equal(
      await suite.server.deps.tickets.redeem(id, 'user'),
      null,
      'a device ticket is not a user ticket',
    );
  });

  test('by ?token=: same answer', async () => {
    const token = await deviceToken(suite.server, 'Kit Télé #1');
    const r = await suite.api.get(`/api/device/login?token=${encodeURIComponent(token)}`);
    assert.equal(r.status, 200);
    assert.equal(r.json<DeviceLogin>().device_info.device_type, 'Vidéoconférence');
  });

  test('OpenTera\'s refusals: disabled 401 "Disabled device" (header) or "Unauthorized" (?token=), bad token, malformed header', async () => {
    const robot = await deviceToken(suite.server, 'Robot A');
    let r = await suite.api.get('/api/device/login', bearer(robot));
    assert.equal(r.status, 401);
    assert.equal(r.json(), 'Disabled device');
    r = await suite.api.get(`/api/device/login?token=${encodeURIComponent(robot)}`);
    assert.equal(r.status, 401);
    assert.equal(r.json(), 'Unauthorized');
    for (const auth of [bearer('nope'), 'Basic abc', undefined]) {
      r = await suite.api.get('/api/device/login', auth);
      assert.equal(r.status, 401);
      assert.equal(r.json(), 'Unauthorized');
    }
    r = await suite.api.get('/api/device/login', 'OpenTera');
    assert.equal(r.status, 401);
    assert.equal(r.json(), 'Invalid token');
    const participantToken = (await participant(suite.server, 'Participant #1')).participant_token!;
    assert.equal(
      (await suite.api.get('/api/device/login', bearer(participantToken))).status,
      401,
      'a participant token is not a device token',
    );
  });

  test('a device sending with_websocket gets 400 (strict arguments)', async () => {
    const r = await suite.api.get(
      '/api/device/login?with_websocket=true',
      bearer(await deviceToken(suite.server, 'Kit Télé #1')),
    );
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { message: 'Unknown arguments: with_websocket' });
  });

  test('an already-online device gets 403 "Device already logged in."', async () => {
    const kit = await device(suite.server, 'Kit Télé #1');
    await markOnline(suite.server, 'device', kit.device_uuid);
    const r = await suite.api.get('/api/device/login', bearer(kit.device_token!));
    assert.equal(r.status, 403);
    assert.equal(r.json(), 'Device already logged in.');
  });

  test('logout: "Device logged out." and a disconnect command', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    const commands = await listen(suite.server, twistedCommandsTopic(watch.device_uuid));
    const r = await suite.api.get('/api/device/logout', bearer(watch.device_token!));
    assert.equal(r.status, 200);
    assert.equal(r.json(), 'Device logged out.');
    assert.ok(suite.server.deps.codec.decodeModuleMessage(await commands.next()).data.length === 1);
    await commands.close();
  });
});

describe('POST /api/device/status', () => {
  const suite = serveApi();

  const post = (token: string, body: unknown) =>
    suite.api.request('/api/device/status', {
      method: 'POST',
      headers: { authorization: bearer(token) },
      body: body as object,
    });

  test('an offline device gets 403', async () => {
    const r = await post(await deviceToken(suite.server, 'Kit Télé #1'), {
      status: { battery: 80 },
      timestamp: 1,
    });
    assert.equal(r.status, 403);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json(), 'Status update forbidden on offline device.');
  });

  test('an online device: stored, answered, and DEVICE_STATUS_CHANGED published with Python JSON text', async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    await markOnline(suite.server, 'device', watch.device_uuid);
    const events = await listen(suite.server, USER_MANAGER_EVENTS);
    const status = { battery: 55.5, label: 'Télé "1"', nested: { ok: true, list: [1, null] } };
    const r = await post(watch.device_token!, { status, timestamp: 1700000000.25 });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const expectedStatus =
      '{"battery": 55.5, "label": "T\\u00e9l\\u00e9 \\"1\\"", "nested": {"ok": true, "list": [1, null]}}';
    assert.deepEqual(r.json(), {
      uuid: watch.device_uuid,
      status: expectedStatus,
      timestamp: 1700000000.25,
    });
    assert.deepEqual((await suite.server.deps.presence.deviceStatuses()).get(watch.device_uuid), {
      status: expectedStatus,
      timestamp: 1700000000.25,
    });
    const event = suite.server.deps.codec.decodeEvent(await events.next());
    assert.equal(event.header?.topic, USER_MANAGER_EVENTS);
    assert.equal(event.header?.version, 1);
    assert.equal(event.events.length, 1);
    const d = anyUnpack(event.events[0]!, DeviceEventSchema);
    assert.ok(d);
    assert.equal(d.type, DeviceEvent_EventType.DEVICE_STATUS_CHANGED);
    assert.equal(d.deviceUuid, watch.device_uuid);
    assert.equal(d.deviceName, 'Apple Watch #W05P1');
    assert.equal(
      d.deviceStatus,
      `{"status": ${pythonJsonDumps(expectedStatus)}, "timestamp": 1700000000.25}`,
    );
    await events.close();
  });

  /** The DeviceEvent published on the UserManager topic by `post`. */
  async function statusEvent(run: () => Promise<unknown>) {
    const events = await listen(suite.server, USER_MANAGER_EVENTS);
    try {
      await run();
      const event = suite.server.deps.codec.decodeEvent(await events.next());
      const d = anyUnpack(event.events[0]!, DeviceEventSchema);
      assert.ok(d);
      return d;
    } finally {
      await events.close();
    }
  }

  test("a status given as JSON text is taken as OpenTera takes it: 403 offline, 200 online, stored as Python's json.dumps of the text", async () => {
    const offline = await post(await deviceToken(suite.server, 'Kit Télé #1'), {
      status: '{"battery": 80}',
      timestamp: 1,
    });
    assert.equal(offline.status, 403);
    assert.equal(offline.json(), 'Status update forbidden on offline device.');

    const watch = await device(suite.server, 'Apple Watch #W05P1');
    await markOnline(suite.server, 'device', watch.device_uuid);
    let r: Awaited<ReturnType<typeof post>> | undefined;
    const d = await statusEvent(async () => {
      r = await post(watch.device_token!, { status: '{"battery": 80}', timestamp: 2 });
    });
    assert.equal(r?.status, 200, r?.text);
    const stored = '"{\\"battery\\": 80}"';
    assert.deepEqual(r.json(), { uuid: watch.device_uuid, status: stored, timestamp: 2 });
    assert.equal(d.deviceStatus, '{"status": "\\"{\\\\\\"battery\\\\\\": 80}\\"", "timestamp": 2}');
    assert.equal(
      (await suite.server.deps.presence.deviceStatuses()).get(watch.device_uuid)?.status,
      stored,
    );
  });

  test("numbers in device_status keep the client's spelling, as Python's json.loads then json.dumps write them", async () => {
    const watch = await device(suite.server, 'Apple Watch #W05P1');
    await markOnline(suite.server, 'device', watch.device_uuid);
    const body =
      '{"status": {"a": 1.0, "b": 1e16, "c": 0.00001, "d": 10, "e": -0.0, ' +
      '"f": 12345678901234567890123, "2": "k", "a": 2.50, "g": [1E2, 0.1, -0]}, ' +
      '"timestamp": 1700000000.0}';
    let r: Awaited<ReturnType<typeof post>> | undefined;
    const d = await statusEvent(async () => {
      r = await suite.api.request('/api/device/status', {
        method: 'POST',
        headers: { authorization: bearer(watch.device_token!), 'content-type': 'application/json' },
        body,
      });
    });
    assert.equal(r?.status, 200, r?.text);
    // Python 3: json.dumps(json.loads(body)["status"]), then json.dumps({"status": …, "timestamp": …}).
    const status =
      '{"a": 2.5, "b": 1e+16, "c": 1e-05, "d": 10, "e": -0.0, "f": 12345678901234567890123, ' +
      '"2": "k", "g": [100.0, 0.1, 0]}';
    assert.equal(r.json<{ status: string }>().status, status);
    assert.equal(
      d.deviceStatus,
      `{"status": ${pythonJsonDumps(status)}, "timestamp": 1700000000.0}`,
    );
  });

  test('missing or mistyped fields are 400; GET is 405; no auth is 401', async () => {
    const token = await deviceToken(suite.server, 'Apple Watch #W05P1');
    for (const body of [
      { status: {} },
      { timestamp: 1 },
      [1, 2],
      { status: 'x', timestamp: 1 },
      { status: '{"a": 1', timestamp: 1 },
      { status: 1, timestamp: 1 },
      { status: ['a'], timestamp: 1 },
      { status: {}, timestamp: '1' },
    ]) {
      const r = await post(token, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal(
      (
        await suite.server.request('/api/device/status', {
          headers: { authorization: bearer(token) },
        })
      ).status,
      405,
    );
    assert.equal(
      (
        await suite.api.request('/api/device/status', {
          method: 'POST',
          body: { status: {}, timestamp: 1 },
        })
      ).status,
      401,
    );
  });
});

describe('pythonJsonDumps', () => {
  test("matches Python's json.dumps defaults", () => {
    assert.equal(
      pythonJsonDumps({ a: [1, 2.5, 'é', null, true], b: {} }),
      '{"a": [1, 2.5, "\\u00e9", null, true], "b": {}}',
    );
    assert.equal(pythonJsonDumps(1e-7), '1e-07');
    assert.equal(pythonJsonDumps('\u0001\n😀'), '"\\u0001\\n\\ud83d\\ude00"');
    assert.equal(pythonJsonDumps([]), '[]');
  });

  test("parsePythonJson reads as Python's json.loads: floats stay floats, ints keep their digits, keys their order", () => {
    const dumps = (text: string) => pythonJsonDumps(parsePythonJson(text));
    // Each expected text is what Python 3 prints for json.dumps(json.loads(text)).
    assert.equal(
      dumps('[1.0, -0.0, 0.0, -0, 1e16, 9999999999999998.0]'),
      '[1.0, -0.0, 0.0, 0, 1e+16, 9999999999999998.0]',
    );
    assert.equal(
      dumps('[0.0001, 0.00001, 1E-7, 123.456e1, 1e400, 5e-324]'),
      '[0.0001, 1e-05, 1e-07, 1234.56, Infinity, 5e-324]',
    );
    assert.equal(
      dumps('[12345678901234567890123, -9007199254740993]'),
      '[12345678901234567890123, -9007199254740993]',
    );
    assert.equal(dumps('{"b": 1, "2": 2, "a": 3, "b": 4}'), '{"b": 4, "2": 2, "a": 3}');
    assert.equal(
      dumps(' { "s" : "\\u00e9\\n" , "t" : [ true , false , null ] } '),
      '{"s": "\\u00e9\\n", "t": [true, false, null]}',
    );
    for (const bad of [
      '',
      '[1,]',
      '{"a" 1}',
      '01',
      '1.',
      '.5',
      'NaN',
      '"\\x"',
      '[1] 2',
      '{"a": tru}',
    ])
      assert.throws(() => parsePythonJson(bad), JsonSyntaxError, bad);
  });
});
