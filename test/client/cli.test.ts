/**
 * The terminal commands built on the SDK, as a user runs them (src/cli.ts through tsx):
 * `terarelay watch --json` prints a scripted scenario's events in order, says when it
 * reconnects across a server restart (same port, same SQLite file) and comes back; its
 * readable form has no colour when stdout is not a terminal; `online` lists who is online and
 * busy; `send` delivers a direct event; usage errors exit 2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startTestServer, type TestServer } from '../kit/server.js';
import { CLI, run, TSX } from '../kit/cli.js';
import { connect, seeded, type Seeded } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { clientOf, offline, online, seededToken, startSession } from './kit.js';

/** How long a wait on a child process may take before the test is called broken, ms. */
const CHILD_GUARD_MS = 120_000;

/** A long-running command: its stdout and stderr lines as they come. */
class Running {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => this.out.push(l));
    createInterface({ input: child.stderr! }).on('line', (l) => this.err.push(l));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(args: string[], env: Record<string, string>): Running {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Running(child);
  }

  /** stdout's JSON lines. */
  get json(): Array<Record<string, unknown>> {
    return this.out.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Resolves with the index of the first JSON line from `from` matching `match`. */
  async line(
    match: (o: Record<string, unknown>) => boolean,
    what: string,
    from = 0,
  ): Promise<number> {
    return waitFor(
      () => {
        const i = this.json.findIndex((o, n) => n >= from && match(o));
        return i >= 0 ? i : null;
      },
      { what, timeoutMs: CHILD_GUARD_MS },
    );
  }

  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

describe('terarelay watch, online and send', () => {
  let dir: string;
  let server: TestServer;
  let ids: Seeded;
  let url: string;
  let ca: string;
  let config: Record<string, unknown>;
  let serviceToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terarelay-cli-'));
    config = { db: `sqlite:${join(dir, 'relay.db')}`, dataDir: dir };
    server = await startTestServer(config);
    ids = await seeded(server);
    url = `https://127.0.0.1:${server.port}`;
    ca = join(dir, 'tls', 'dev-cert.pem');
    const service = await server.deps.db.kysely
      .selectFrom('t_services')
      .select('service_uuid')
      .where('service_key', '=', 'VideoRehabService')
      .executeTakeFirstOrThrow();
    serviceToken = await server.deps.tokens.signService(service.service_uuid);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('watch --json prints the scenario in order, reconnects after a restart and says so', async (t) => {
    const admin = ids.users.admin!;
    const p1 = ids.participants['Participant #1']!;
    const watchUuid = ids.devices['Apple Watch #W05P1']!;
    const watch = Running.start(['watch', '--url', url, '--ca', ca, '--user', 'admin', '--json'], {
      TERARELAY_PASSWORD: 'admin',
    });
    t.after(() => watch.child.kill('SIGKILL'));
    await watch.line((o) => o.state === 'open', 'watch open');

    // The scripted scenario.
    const participant = await connect(server, 'participant', p1);
    await watch.line((o) => o.uuid === p1 && o.change === 'connected', 'p1 connected');
    const sessionUuid = randomUUID();
    await startSession(server, sessionUuid, { participants: [p1] });
    await watch.line((o) => o.uuid === p1 && o.change === 'joined_session', 'p1 busy');
    const relay = clientOf(server);
    const device = await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') });
    const deviceConnection = relay.connect(device);
    t.after(() => deviceConnection.close());
    await deviceConnection.opened();
    await online(server, 'device', watchUuid);
    await relay.sendDeviceStatus(device, { battery: 64 });
    await watch.line((o) => o.type === 'device_status', 'device status');

    const online1 = await run(['online', '--url', url, '--ca', ca, '--user', 'admin', '--json'], {
      TERARELAY_PASSWORD: 'admin',
    });
    assert.equal(online1.code, 0, online1.stderr);
    const listed = online1.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const p = listed.find((e) => e.uuid === p1);
    assert.deepEqual([p?.kind, p?.online, p?.busy], ['participant', true, true]);
    const d = listed.find((e) => e.uuid === watchUuid);
    assert.deepEqual(d?.status, { battery: 64 });
    assert.ok(
      !listed.some((e) => e.uuid === admin),
      'the watching observer does not make admin online',
    );

    const event = JSON.stringify({
      '@type': 'JoinSessionEvent',
      sessionUuid,
      sessionUsers: [admin],
      joinMsg: 'from send',
    });
    const sent = await run(
      ['send', '--url', url, '--ca', ca, '--to', `user:${admin}`, '--event', event],
      { TERARELAY_SERVICE_TOKEN: serviceToken },
    );
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stdout.trim(), `websocket.user.${admin}.events`);
    await watch.line((o) => o.type === 'join_session' && o.message === 'from send', 'sent event');
    participant.close();
    await watch.line((o) => o.uuid === p1 && o.change === 'disconnected', 'p1 disconnected');

    const events = watch.json
      .filter((o) => typeof o.type === 'string')
      .map((o) => `${String(o.type)}${o.change ? `:${String(o.change)}` : ''}`);
    assert.deepEqual(events, [
      'user:connected',
      'participant:connected',
      'participant:joined_session',
      'device:connected',
      'device_status',
      'join_session',
      'participant:disconnected',
    ]);
    const own = watch.json.find((o) => typeof o.type === 'string');
    assert.equal(own?.uuid, admin, 'its own first frame');

    // The server restarts: the watch says it reconnects, then receives again.
    await deviceConnection.close();
    await offline(server, 'device', watchUuid);
    const port = server.port;
    await server.stop();
    const lost = await watch.line((o) => o.state === 'reconnecting', 'reconnecting');
    assert.equal(watch.json[lost]?.code, 1001);
    server = await startTestServer({ ...config, port });
    const back = await watch.line((o) => o.state === 'open', 'open again', lost);
    const again = await connect(server, 'participant', p1);
    await watch.line((o) => o.uuid === p1 && o.change === 'connected', 'p1 again', back);
    again.close();

    assert.equal(await watch.interrupt(), 0);
    assert.equal(watch.json.at(-1)?.state, 'closed');
  });

  test('watch prints readable lines without colour when stdout is not a terminal', async (t) => {
    const p1 = ids.participants['Participant #1']!;
    await offline(server, 'participant', p1);
    const watch = Running.start(['watch', '--url', url, '--insecure', '--user', 'siteadmin'], {
      TERARELAY_PASSWORD: 'siteadmin',
    });
    t.after(() => watch.child.kill('SIGKILL'));
    await waitFor(() => watch.err.some((l) => l.includes('connected to')), {
      what: 'connected',
      timeoutMs: CHILD_GUARD_MS,
    });
    assert.match(
      watch.err.join('\n'),
      /connected to https:\/\/127\.0\.0\.1:\d+ as user Site Admin \(observer\)/,
    );
    const participant = await connect(server, 'participant', p1);
    const line = await waitFor(
      () => watch.out.find((l) => l.includes(p1) && l.includes('connected')),
      { what: 'the readable line', timeoutMs: CHILD_GUARD_MS },
    );
    assert.match(line, /^\d\d:\d\d:\d\d participant +connected +Participant #1 \(/);
    assert.ok(!watch.out.join('').includes('\x1b['), 'no escape codes');
    participant.close();
    assert.equal(await watch.interrupt(), 0);
  });

  test('usage errors exit 2, refusals 1, one line each', async () => {
    const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
      [['watch', '--url', url, '--insecure'], {}, 2, /give exactly one of/],
      [['watch', '--insecure', '--user', 'admin'], { TERARELAY_URL: '' }, 2, /--url is required/],
      [['online', '--url', 'ftp://x', '--user', 'admin'], {}, 2, /invalid --url/],
      [
        ['send', '--url', url, '--service-token', 't', '--to', 'robot:1', '--event', '{}'],
        {},
        2,
        /invalid --to/,
      ],
      [
        ['send', '--url', url, '--service-token', 't', '--to', 'user:1', '--event', '{'],
        {},
        2,
        /invalid --event/,
      ],
      [
        ['online', '--url', url, '--insecure', '--user', 'admin'],
        { TERARELAY_PASSWORD: 'wrong' },
        1,
        /401/,
      ],
      [
        ['online', '--url', url, '--user', 'admin'],
        { TERARELAY_PASSWORD: 'admin' },
        1,
        /no answer/,
      ],
    ];
    for (const [args, env, code, message] of cases) {
      const r = await run(args, env);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, message);
    }
  });
});
