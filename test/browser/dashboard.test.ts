/**
 * The live dashboard (/dashboard) in headless Chromium against a real server: `admin` signs in
 * while also connected from another client and watches Participant #1 come online, go busy
 * when a session starts, and go offline, and a device report its battery; `user4` (no access)
 * sees none of it; a wrong password is refused; the observer connection never shows `admin`
 * coming or going to a user who may see admin; the page fits a phone, works with the keyboard,
 * pauses its log, loads nothing from another origin, and comes back by itself after a server
 * restart. Waits are on the page itself (bounded by the test's timeout), and "nothing arrives"
 * is shown with a sentinel published after. Screenshots go to a temporary folder.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ArchiveEventSchema } from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';
import { browserSuite } from '../kit/browser.js';
import { basic, startTestServer, type TestServer, type TestSocket } from '../kit/server.js';
import {
  connect,
  pack,
  parseFrame,
  publish,
  seeded,
  untilSentinel,
  type ParsedFrame,
  type Seeded,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { clientOf, metricValue, seededToken, startSession, stopSession } from '../client/kit.js';

const PHONE = { width: 375, height: 740 };
/** No time limit of Playwright's own: the test's timeout bounds every wait. */
const UNBOUNDED = { timeout: 0 };

describe('the live dashboard in Chromium', () => {
  const browser = browserSuite();
  const shots = mkdtempSync(join(tmpdir(), 'terarelay-dashboard-'));
  let dir: string;
  let config: Record<string, unknown>;
  let server: TestServer;
  let origin: string;
  let ids: Seeded;
  /** Every URL a page asked for (documents, assets, fetches, websockets). */
  const requested: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terarelay-dashboard-data-'));
    // A database file, so that a restart on the same port keeps the tokens' signing keys.
    config = { db: `sqlite:${join(dir, 'relay.db')}`, dataDir: dir };
    server = await startTestServer(config);
    origin = `https://127.0.0.1:${server.port}`;
    ids = await seeded(server);
  });
  after(async () => {
    await server.close();
    process.stderr.write('STEP 1 ' + 'await server.close();' + '\n');
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`# screenshots: ${shots}\n`);
  });

  async function open(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    process.stderr.write('STEP 2 ' + 'const page = await context.newPage();' + '\n');
    page.on('request', (r) => requested.push(r.url()));
    page.on('websocket', (ws) => requested.push(ws.url()));
    return page;
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  const scrollsSideways = (page: Page): Promise<boolean> =>
    page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

  /** Opens the dashboard and signs in; resolves once its connection is live. */
  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${origin}/dashboard`);
    process.stderr.write('STEP 3 ' + 'await page.goto(`${origin}/dashboard`);' + '\n');
    await page.getByLabel('Username').fill(username);
    process.stderr.write('STEP 4 ' + "await page.getByLabel('Username').fill(u" + '\n');
    await page.getByLabel('Password').fill(password);
    process.stderr.write('STEP 5 ' + "await page.getByLabel('Password').fill(p" + '\n');
    await page.getByRole('button', { name: 'Sign in' }).click();
    process.stderr.write('STEP 6 ' + "await page.getByRole('button', { name: '" + '\n');
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
    process.stderr.write('STEP 7 ' + "await page.locator('#connection[data-sta" + '\n');
  }

  /** The rows of one principal (it may be listed in several projects). */
  const rows = (page: Page, kind: string, uuid: string) =>
    page.locator(`.entity[data-kind="${kind}"][data-uuid="${uuid}"]`);

  /** Waits until every row of the principal has `state` (data attributes). */
  const rowsAre = (page: Page, kind: string, uuid: string, state: string) =>
    page.waitForFunction(
      ([selector, state]) => {
        const all = [...document.querySelectorAll(selector)];
        return all.length > 0 && all.every((r) => r.matches(state));
      },
      [`.entity[data-kind="${kind}"][data-uuid="${uuid}"]`, state] as const,
      { ...UNBOUNDED, polling: 50 },
    );

  const logEntry = (page: Page, text: string) =>
    page.locator('#activity-log .log-entry', { hasText: text });

  /** Frames `socket` receives up to and including the first that `match` accepts. */
  async function readUntil(
    socket: TestSocket,
    match: (f: ParsedFrame) => boolean,
  ): Promise<ParsedFrame[]> {
    const frames: ParsedFrame[] = [];
    process.stderr.write('STEP 8 ' + 'const frames: ParsedFrame[] = [];' + '\n');
    for (;;) {
      const frame = parseFrame(await socket.next(120_000));
      frames.push(frame);
      if (match(frame)) return frames;
    }
  }

  const userEventsAbout = (frames: ParsedFrame[], uuid: string) =>
    frames
      .filter((f) => f.type === 'UserEvent' && f.fields.userUuid === uuid)
      .map((f) => f.fields.type);

  test('admin watches presence, sessions and device status live; user4 sees none of it; the observer stays invisible', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const admin = ids.users.admin!;
    process.stderr.write('STEP 9 ' + 'const admin = ids.users.admin!;' + '\n');
    const user4 = ids.users.user4!;
    process.stderr.write('STEP 10 ' + 'const user4 = ids.users.user4!;' + '\n');
    const p1 = ids.participants['Participant #1']!;
    process.stderr.write('STEP 11 ' + "const p1 = ids.participants['Participant" + '\n');
    const watch = ids.devices['Apple Watch #W05P1']!;
    process.stderr.write('STEP 12 ' + "const watch = ids.devices['Apple Watch #" + '\n');

    // A witness that may see admin: user2, made a superadmin.
    const witnessUuid = ids.users.user2!;
    process.stderr.write('STEP 13 ' + 'const witnessUuid = ids.users.user2!;' + '\n');
    const idUser2 = (
      await server.deps.db.kysely
        .selectFrom('t_users')
        .select('id_user')
        .where('user_uuid', '=', witnessUuid)
        .executeTakeFirstOrThrow()
    ).id_user;
    const promoted = await server.request('/api/user/users', {
      method: 'POST',
      headers: { authorization: basic('admin', 'admin') },
      body: { user: { id_user: idUser2, user_superadmin: true } },
    });
    assert.equal(promoted.status, 200, promoted.text);
    process.stderr.write('STEP 14 ' + 'assert.equal(promoted.status, 200, promo' + '\n');
    const witness = await connect(server, 'user', witnessUuid);
    process.stderr.write('STEP 15 ' + "const witness = await connect(server, 'u" + '\n');
    t.after(() => witness.close());

    // admin is connected from another client (a normal connection): the witness sees it come.
    const relay = clientOf(server);
    process.stderr.write('STEP 16 ' + 'const relay = clientOf(server);' + '\n');
    const elsewhere = relay.connect(await relay.login({ user: 'admin', password: 'admin' }));
    process.stderr.write('STEP 17 ' + 'const elsewhere = relay.connect(await re' + '\n');
    t.after(() => elsewhere.close());
    await elsewhere.opened();
    process.stderr.write('STEP 18 ' + 'await elsewhere.opened();' + '\n');
    const seen = await readUntil(
      witness,
      (f) => f.fields.userUuid === admin && f.fields.type === 'USER_CONNECTED',
    );
    assert.deepEqual(userEventsAbout(seen, admin), ['USER_CONNECTED']);
    process.stderr.write('STEP 19 ' + 'assert.deepEqual(userEventsAbout(seen, a' + '\n');

    // The dashboard signs admin in all the same (an observer is never "already logged in").
    const adminPage = await open(await browser.context());
    process.stderr.write('STEP 20 ' + 'const adminPage = await open(await brows' + '\n');
    await signIn(adminPage, 'admin', 'admin');
    process.stderr.write('STEP 21 ' + "await signIn(adminPage, 'admin', 'admin'" + '\n');
    const user4Page = await open(await browser.context());
    process.stderr.write('STEP 22 ' + 'const user4Page = await open(await brows' + '\n');
    await signIn(user4Page, 'user4', 'user4');
    process.stderr.write('STEP 23 ' + "await signIn(user4Page, 'user4', 'user4'" + '\n');
    await rowsAre(adminPage, 'participant', p1, '[data-online="false"]');
    process.stderr.write('STEP 24 ' + "await rowsAre(adminPage, 'participant', " + '\n');
    await rowsAre(adminPage, 'user', admin, '[data-online="true"]');
    process.stderr.write('STEP 25 ' + "await rowsAre(adminPage, 'user', admin, " + '\n');
    await user4Page.getByText('No Access User!').first().waitFor(UNBOUNDED);
    process.stderr.write('STEP 26 ' + "await user4Page.getByText('No Access Use" + '\n');

    // Participant #1 comes online in another client.
    const participant = await connect(server, 'participant', p1);
    process.stderr.write('STEP 27 ' + 'const participant = await connect(server' + '\n');
    await rowsAre(adminPage, 'participant', p1, '[data-online="true"][data-busy="false"]');
    process.stderr.write('STEP 28 ' + "await rowsAre(adminPage, 'participant', " + '\n');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'Online',
    );
    await logEntry(adminPage, 'Participant #1 came online').waitFor(UNBOUNDED);
    process.stderr.write('STEP 29 ' + "await logEntry(adminPage, 'Participant #" + '\n');
    await adminPage.locator('#stat-participants', { hasText: '1' }).waitFor(UNBOUNDED);
    process.stderr.write('STEP 30 ' + "await adminPage.locator('#stat-participa" + '\n');

    // A session starts: busy.
    const sessionUuid = randomUUID();
    process.stderr.write('STEP 31 ' + 'const sessionUuid = randomUUID();' + '\n');
    await startSession(server, sessionUuid, { participants: [p1] });
    process.stderr.write('STEP 32 ' + 'await startSession(server, sessionUuid, ' + '\n');
    await rowsAre(adminPage, 'participant', p1, '[data-busy="true"]');
    process.stderr.write('STEP 33 ' + "await rowsAre(adminPage, 'participant', " + '\n');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'In a session',
    );
    await logEntry(adminPage, 'Participant #1 joined a session').waitFor(UNBOUNDED);
    process.stderr.write('STEP 34 ' + "await logEntry(adminPage, 'Participant #" + '\n');
    await adminPage.locator('#stat-busy', { hasText: '1' }).waitFor(UNBOUNDED);
    process.stderr.write('STEP 35 ' + "await adminPage.locator('#stat-busy', { " + '\n');

    // A device connects and reports its status: battery and the rest, on every row of it.
    const device = relay.connect(
      await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') }),
    );
    t.after(() => device.close());
    await device.opened();
    process.stderr.write('STEP 36 ' + 'await device.opened();' + '\n');
    await rowsAre(adminPage, 'device', watch, '[data-online="true"]');
    process.stderr.write('STEP 37 ' + "await rowsAre(adminPage, 'device', watch" + '\n');
    await relay.sendDeviceStatus(device, { battery: 76, charging: true });
    process.stderr.write('STEP 38 ' + 'await relay.sendDeviceStatus(device, { b' + '\n');
    await adminPage.waitForFunction(
      (uuid) => {
        const all = [...document.querySelectorAll(`.entity[data-uuid="${uuid}"]`)];
        return (
          all.length > 0 &&
          all.every(
            (r) =>
              /Battery 76%/.test(r.textContent ?? '') && /charging: yes/.test(r.textContent ?? ''),
          )
        );
      },
      watch,
      { ...UNBOUNDED, polling: 50 },
    );
    await shot(adminPage, 'admin-live');
    process.stderr.write('STEP 39 ' + "await shot(adminPage, 'admin-live');" + '\n');

    // The session stops, then the participant disconnects: free, then offline.
    await stopSession(server, sessionUuid);
    process.stderr.write('STEP 40 ' + 'await stopSession(server, sessionUuid);' + '\n');
    await rowsAre(adminPage, 'participant', p1, '[data-busy="false"]');
    process.stderr.write('STEP 41 ' + "await rowsAre(adminPage, 'participant', " + '\n');
    participant.close();
    await rowsAre(adminPage, 'participant', p1, '[data-online="false"][data-busy="false"]');
    process.stderr.write('STEP 42 ' + "await rowsAre(adminPage, 'participant', " + '\n');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'Offline',
    );
    await logEntry(adminPage, 'Participant #1 went offline').waitFor(UNBOUNDED);
    process.stderr.write('STEP 43 ' + "await logEntry(adminPage, 'Participant #" + '\n');
    await device.close();
    process.stderr.write('STEP 44 ' + 'await device.close();' + '\n');
    await rowsAre(adminPage, 'device', watch, '[data-online="false"]');
    process.stderr.write('STEP 45 ' + "await rowsAre(adminPage, 'device', watch" + '\n');

    // user4 saw none of it: a sentinel it may see, published after, reaches its page first.
    const tag = `sentinel:${randomUUID()}`;
    process.stderr.write('STEP 46 ' + 'const tag = `sentinel:${randomUUID()}`;' + '\n');
    await publish(server, USER_MANAGER_EVENTS, [
      pack(ArchiveEventSchema, { ownerUuid: user4, archiveUrl: tag }),
    ]);
    await logEntry(user4Page, tag).waitFor(UNBOUNDED);
    process.stderr.write('STEP 47 ' + 'await logEntry(user4Page, tag).waitFor(U' + '\n');
    assert.equal(await user4Page.locator(`[data-uuid="${p1}"], [data-uuid="${watch}"]`).count(), 0);
    process.stderr.write('STEP 48 ' + 'assert.equal(await user4Page.locator(`[d' + '\n');
    const user4Log = (await user4Page.locator('#activity-log').textContent()) ?? '';
    process.stderr.write('STEP 49 ' + 'const user4Log = (await user4Page.locato' + '\n');
    assert.doesNotMatch(user4Log, /Participant #1|Apple Watch/);
    process.stderr.write('STEP 50 ' + 'assert.doesNotMatch(user4Log, /Participa' + '\n');
    assert.equal(await user4Page.locator('#stat-participants').textContent(), '0');
    process.stderr.write('STEP 51 ' + "assert.equal(await user4Page.locator('#s" + '\n');
    assert.equal(await user4Page.locator('#stat-devices').textContent(), '0');
    process.stderr.write('STEP 52 ' + "assert.equal(await user4Page.locator('#s" + '\n');
    await shot(user4Page, 'user4');
    process.stderr.write('STEP 53 ' + "await shot(user4Page, 'user4');" + '\n');

    // admin's other client leaves: admin goes offline (the dashboard does not hold it online),
    // and the witness saw no other UserEvent about admin since it came.
    await elsewhere.close();
    process.stderr.write('STEP 54 ' + 'await elsewhere.close();' + '\n');
    const meanwhile = await readUntil(
      witness,
      (f) => f.fields.userUuid === admin && f.fields.type === 'USER_DISCONNECTED',
    );
    assert.deepEqual(userEventsAbout(meanwhile, admin), ['USER_DISCONNECTED']);
    process.stderr.write('STEP 55 ' + 'assert.deepEqual(userEventsAbout(meanwhi' + '\n');
    await rowsAre(adminPage, 'user', admin, '[data-online="false"]');
    process.stderr.write('STEP 56 ' + "await rowsAre(adminPage, 'user', admin, " + '\n');
    assert.equal(await adminPage.locator('#connection').getAttribute('data-state'), 'open');
    process.stderr.write('STEP 57 ' + "assert.equal(await adminPage.locator('#c" + '\n');

    // The dashboard signs out: its observer closes, and nobody is told admin left.
    const userSockets = () => metricValue(server.deps.metrics.connections, { kind: 'user' });
    process.stderr.write('STEP 58 ' + 'const userSockets = () => metricValue(se' + '\n');
    const before = await userSockets();
    process.stderr.write('STEP 59 ' + 'const before = await userSockets();' + '\n');
    await adminPage.getByRole('button', { name: 'Sign out' }).click();
    process.stderr.write('STEP 60 ' + "await adminPage.getByRole('button', { na" + '\n');
    await adminPage.getByLabel('Username').waitFor(UNBOUNDED);
    process.stderr.write('STEP 61 ' + "await adminPage.getByLabel('Username').w" + '\n');
    await waitFor(async () => (await userSockets()) === before - 1, {
      what: "the dashboard's websocket gone from the server",
      timeoutMs: 120_000,
    });
    const afterwards = await untilSentinel(witness, witnessUuid, server);
    process.stderr.write('STEP 62 ' + 'const afterwards = await untilSentinel(w' + '\n');
    assert.deepEqual(userEventsAbout(afterwards, admin), []);
    process.stderr.write('STEP 63 ' + 'assert.deepEqual(userEventsAbout(afterwa' + '\n');
  });

  test('a wrong password shows an error and keeps the form', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await open(await browser.context());
    process.stderr.write('STEP 64 ' + 'const page = await open(await browser.co' + '\n');
    await page.goto(`${origin}/dashboard`);
    process.stderr.write('STEP 65 ' + 'await page.goto(`${origin}/dashboard`);' + '\n');
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'username',
      'the username field has the focus on arrival',
    );
    await page.getByLabel('Username').fill('admin');
    process.stderr.write('STEP 66 ' + "await page.getByLabel('Username').fill('" + '\n');
    await page.getByLabel('Password').fill('not-the-password');
    process.stderr.write('STEP 67 ' + "await page.getByLabel('Password').fill('" + '\n');
    await page.getByRole('button', { name: 'Sign in' }).click();
    process.stderr.write('STEP 68 ' + "await page.getByRole('button', { name: '" + '\n');
    await page
      .getByRole('alert')
      .getByText('The username or password is not correct.')
      .waitFor(UNBOUNDED);
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    process.stderr.write('STEP 69 ' + "assert.equal(await page.locator('#passwo" + '\n');
    assert.equal(await page.locator('#dash-view').isHidden(), true);
    process.stderr.write('STEP 70 ' + "assert.equal(await page.locator('#dash-v" + '\n');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
    process.stderr.write('STEP 71 ' + 'assert.equal(await page.evaluate(() => d' + '\n');
    await shot(page, 'wrong-password');
    process.stderr.write('STEP 72 ' + "await shot(page, 'wrong-password');" + '\n');
  });

  test('phone width, keyboard, landmarks, and a log that pauses', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const p1 = ids.participants['Participant #1']!;
    process.stderr.write('STEP 73 ' + "const p1 = ids.participants['Participant" + '\n');
    const page = await open(await browser.context({ viewport: PHONE }));
    process.stderr.write('STEP 74 ' + 'const page = await open(await browser.co' + '\n');
    await page.goto(`${origin}/dashboard`);
    process.stderr.write('STEP 75 ' + 'await page.goto(`${origin}/dashboard`);' + '\n');
    assert.equal(await scrollsSideways(page), false, 'the sign-in form fits a phone');
    process.stderr.write('STEP 76 ' + 'assert.equal(await scrollsSideways(page)' + '\n');

    // Keyboard only: type, Tab, type, Enter.
    await page.keyboard.type('admin');
    process.stderr.write('STEP 77 ' + "await page.keyboard.type('admin');" + '\n');
    await page.keyboard.press('Tab');
    process.stderr.write('STEP 78 ' + "await page.keyboard.press('Tab');" + '\n');
    await page.keyboard.type('admin');
    process.stderr.write('STEP 79 ' + "await page.keyboard.type('admin');" + '\n');
    await page.keyboard.press('Enter');
    process.stderr.write('STEP 80 ' + "await page.keyboard.press('Enter');" + '\n');
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
    process.stderr.write('STEP 81 ' + "await page.locator('#connection[data-sta" + '\n');
    await rowsAre(page, 'participant', p1, '[data-online="false"]');
    process.stderr.write('STEP 82 ' + "await rowsAre(page, 'participant', p1, '" + '\n');

    const participant = await connect(server, 'participant', p1);
    process.stderr.write('STEP 83 ' + 'const participant = await connect(server' + '\n');
    t.after(() => participant.close());
    await rowsAre(page, 'participant', p1, '[data-online="true"]');
    process.stderr.write('STEP 84 ' + "await rowsAre(page, 'participant', p1, '" + '\n');
    assert.equal(await scrollsSideways(page), false, 'the dashboard fits a phone');
    process.stderr.write('STEP 85 ' + 'assert.equal(await scrollsSideways(page)' + '\n');
    for (const role of ['banner', 'main', 'contentinfo'] as const)
      assert.equal(await page.getByRole(role).count(), 1, `one ${role} landmark`);
    assert.equal(await page.getByRole('status').filter({ hasText: 'Live' }).count(), 1);
    process.stderr.write('STEP 86 ' + "assert.equal(await page.getByRole('statu" + '\n');
    await shot(page, 'phone');
    process.stderr.write('STEP 87 ' + "await shot(page, 'phone');" + '\n');

    // The state and the log are announced politely, the log in summaries.
    assert.equal(await page.locator('#connection-text').getAttribute('role'), 'status');
    process.stderr.write('STEP 88 ' + "assert.equal(await page.locator('#connec" + '\n');
    assert.equal(await page.locator('#activity-log').getAttribute('aria-live'), null);
    process.stderr.write('STEP 89 ' + "assert.equal(await page.locator('#activi" + '\n');

    // Search and "online only" narrow the roster.
    await page.getByLabel('Online only').check();
    process.stderr.write('STEP 90 ' + "await page.getByLabel('Online only').che" + '\n');
    await page.locator(`.entity[data-uuid="${p1}"]:visible`).first().waitFor(UNBOUNDED);
    process.stderr.write('STEP 91 ' + 'await page.locator(`.entity[data-uuid="$' + '\n');
    assert.equal(await page.locator('.entity[data-online="false"]:visible').count(), 0);
    process.stderr.write('STEP 92 ' + "assert.equal(await page.locator('.entity" + '\n');
    await page.getByLabel('Online only').uncheck();
    process.stderr.write('STEP 93 ' + "await page.getByLabel('Online only').unc" + '\n');
    await page.getByLabel('Search by name').fill('secret');
    process.stderr.write('STEP 94 ' + "await page.getByLabel('Search by name')." + '\n');
    assert.deepEqual(await page.locator('.entity:visible .entity-name').allTextContents(), [
      'Secret Participant',
    ]);
    await page.getByLabel('Search by name').fill('');
    process.stderr.write('STEP 95 ' + "await page.getByLabel('Search by name')." + '\n');

    // Paused: a new event is recorded, not shown; it appears on resume. The filter keeps kinds.
    const pause = page.getByRole('button', { name: 'Pause' });
    process.stderr.write('STEP 96 ' + "const pause = page.getByRole('button', {" + '\n');
    await pause.focus();
    process.stderr.write('STEP 97 ' + 'await pause.focus();' + '\n');
    await page.keyboard.press('Enter');
    process.stderr.write('STEP 98 ' + "await page.keyboard.press('Enter');" + '\n');
    assert.equal(await page.locator('#activity-pause').getAttribute('aria-pressed'), 'true');
    process.stderr.write('STEP 99 ' + "assert.equal(await page.locator('#activi" + '\n');
    participant.close();
    await rowsAre(page, 'participant', p1, '[data-online="false"]');
    process.stderr.write('STEP 100 ' + "await rowsAre(page, 'participant', p1, '" + '\n');
    await page.getByText('1 new event will appear when you resume.').waitFor(UNBOUNDED);
    process.stderr.write('STEP 101 ' + "await page.getByText('1 new event will a" + '\n');
    assert.equal(await logEntry(page, 'Participant #1 went offline').count(), 0);
    process.stderr.write('STEP 102 ' + "assert.equal(await logEntry(page, 'Parti" + '\n');
    await page.getByRole('button', { name: 'Resume' }).click();
    process.stderr.write('STEP 103 ' + "await page.getByRole('button', { name: '" + '\n');
    await logEntry(page, 'Participant #1 went offline').waitFor(UNBOUNDED);
    process.stderr.write('STEP 104 ' + "await logEntry(page, 'Participant #1 wen" + '\n');
    await page.getByLabel('Show').selectOption('device');
    process.stderr.write('STEP 105 ' + "await page.getByLabel('Show').selectOpti" + '\n');
    assert.equal(await logEntry(page, 'Participant #1').count(), 0);
    process.stderr.write('STEP 106 ' + "assert.equal(await logEntry(page, 'Parti" + '\n');
    await page.getByLabel('Show').selectOption('participant');
    process.stderr.write('STEP 107 ' + "await page.getByLabel('Show').selectOpti" + '\n');
    await logEntry(page, 'Participant #1 went offline').waitFor(UNBOUNDED);
    process.stderr.write('STEP 108 ' + "await logEntry(page, 'Participant #1 wen" + '\n');
  });

  test('after a server restart the page reconnects by itself', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const p1 = ids.participants['Participant #1']!;
    process.stderr.write('STEP 109 ' + "const p1 = ids.participants['Participant" + '\n');
    const page = await open(await browser.context());
    process.stderr.write('STEP 110 ' + 'const page = await open(await browser.co' + '\n');
    await signIn(page, 'siteadmin', 'siteadmin');
    process.stderr.write('STEP 111 ' + "await signIn(page, 'siteadmin', 'siteadm" + '\n');
    await rowsAre(page, 'participant', p1, '[data-online="false"]');
    process.stderr.write('STEP 112 ' + "await rowsAre(page, 'participant', p1, '" + '\n');

    const port = server.port;
    process.stderr.write('STEP 113 ' + 'const port = server.port;' + '\n');
    await server.stop();
    process.stderr.write('STEP 114 ' + 'await server.stop();' + '\n');
    await page.locator('#connection[data-state="reconnecting"]').waitFor(UNBOUNDED);
    process.stderr.write('STEP 115 ' + "await page.locator('#connection[data-sta" + '\n');
    assert.equal(await page.locator('#connection-text').textContent(), 'Reconnecting');
    process.stderr.write('STEP 116 ' + "assert.equal(await page.locator('#connec" + '\n');
    server = await startTestServer({ ...config, port });
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
    process.stderr.write('STEP 117 ' + "await page.locator('#connection[data-sta" + '\n');
    await logEntry(page, 'Reconnected').waitFor(UNBOUNDED);
    process.stderr.write('STEP 118 ' + "await logEntry(page, 'Reconnected').wait" + '\n');

    // Live again: a participant coming online now shows.
    const participant = await connect(server, 'participant', p1);
    process.stderr.write('STEP 119 ' + 'const participant = await connect(server' + '\n');
    t.after(() => participant.close());
    await rowsAre(page, 'participant', p1, '[data-online="true"]');
    process.stderr.write('STEP 120 ' + "await rowsAre(page, 'participant', p1, '" + '\n');
    await shot(page, 'reconnected');
    process.stderr.write('STEP 121 ' + "await shot(page, 'reconnected');" + '\n');
  });

  test('nothing was fetched from another origin', (t) => {
    if (browser.skip) return t.skip(browser.skip);
    assert.ok(requested.length > 10, `requests seen: ${requested.length}`);
    process.stderr.write('STEP 122 ' + 'assert.ok(requested.length > 10, `reques' + '\n');
    const foreign = requested.filter(
      (u) =>
        !u.startsWith(`${origin}/`) &&
        !u.startsWith(`wss://127.0.0.1:${server.port}/`) &&
        !u.startsWith('data:'),
    );
    assert.deepEqual(foreign, []);
    process.stderr.write('STEP 123 ' + 'assert.deepEqual(foreign, []);' + '\n');
  });
});
