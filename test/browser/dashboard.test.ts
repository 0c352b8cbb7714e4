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

/** What the page-side predicates below read of the DOM. */
interface PageDocument {
  querySelectorAll(
    selector: string,
  ): ArrayLike<{ matches(selector: string): boolean; textContent: string | null }>;
}
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
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(`# screenshots: ${shots}\n`);
  });

  async function open(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('request', (r) => requested.push(r.url()));
    page.on('websocket', (ws) => requested.push(ws.url()));
    return page;
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  const scrollsSideways = (page: Page): Promise<boolean> =>
    page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;

  /** The id of the focused element ('' when none). */
  const focused = (page: Page): Promise<string> =>
    page.evaluate("document.activeElement ? document.activeElement.id : ''") as Promise<string>;

  /**
   * Waits until `selector` matches at least one element and each of them matches `state` (a
   * selector) and contains `text` (when given). The predicate runs in the page (a function:
   * the page's Content-Security-Policy forbids evaluating strings); this file has no DOM
   * types, hence the cast.
   */
  const everyMatch = (page: Page, selector: string, state: string, text: string[] = []) =>
    page.waitForFunction(
      (args) => {
        const doc = (globalThis as unknown as { document: PageDocument }).document;
        const all = Array.from(doc.querySelectorAll(args.selector));
        return (
          all.length > 0 &&
          all.every(
            (r) =>
              r.matches(args.state) && args.text.every((t) => (r.textContent ?? '').includes(t)),
          )
        );
      },
      { selector, state, text },
      { ...UNBOUNDED, polling: 50 },
    );

  /** Opens the dashboard and signs in; resolves once its connection is live. */
  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${origin}/dashboard`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
  }

  /** The rows of one principal (it may be listed in several projects). */
  const rows = (page: Page, kind: string, uuid: string) =>
    page.locator(`.entity[data-kind="${kind}"][data-uuid="${uuid}"]`);

  /** Waits until every row of the principal has `state` (data attributes). */
  const rowsAre = (page: Page, kind: string, uuid: string, state: string) =>
    everyMatch(page, `.entity[data-kind="${kind}"][data-uuid="${uuid}"]`, state);

  const logEntry = (page: Page, text: string) =>
    page.locator('#activity-log .log-entry', { hasText: text });

  /** Frames `socket` receives up to and including the first that `match` accepts. */
  async function readUntil(
    socket: TestSocket,
    match: (f: ParsedFrame) => boolean,
  ): Promise<ParsedFrame[]> {
    const frames: ParsedFrame[] = [];
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
    const user4 = ids.users.user4!;
    const p1 = ids.participants['Participant #1']!;
    const watch = ids.devices['Apple Watch #W05P1']!;

    // A witness that may see admin: user2, made a superadmin.
    const witnessUuid = ids.users.user2!;
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
    const witness = await connect(server, 'user', witnessUuid);
    t.after(() => witness.close());

    // admin is connected from another client (a normal connection): the witness sees it come.
    const relay = clientOf(server);
    const elsewhere = relay.connect(await relay.login({ user: 'admin', password: 'admin' }));
    t.after(() => elsewhere.close());
    await elsewhere.opened();
    const seen = await readUntil(
      witness,
      (f) => f.fields.userUuid === admin && f.fields.type === 'USER_CONNECTED',
    );
    assert.deepEqual(userEventsAbout(seen, admin), ['USER_CONNECTED']);

    // The dashboard signs admin in all the same (an observer is never "already logged in").
    const adminPage = await open(await browser.context());
    await signIn(adminPage, 'admin', 'admin');
    const user4Page = await open(await browser.context());
    await signIn(user4Page, 'user4', 'user4');
    await rowsAre(adminPage, 'participant', p1, '[data-online="false"]');
    // Its own row says "You": a user's connection is not told of its own comings and goings.
    await rowsAre(adminPage, 'user', admin, '[data-self="true"]');
    await user4Page.getByText('No Access User!').first().waitFor(UNBOUNDED);

    // Participant #1 comes online in another client.
    const participant = await connect(server, 'participant', p1);
    await rowsAre(adminPage, 'participant', p1, '[data-online="true"][data-busy="false"]');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'Online',
    );
    await logEntry(adminPage, 'Participant #1 came online').waitFor(UNBOUNDED);
    await adminPage.locator('#stat-participants', { hasText: '1' }).waitFor(UNBOUNDED);

    // A session starts: busy.
    const sessionUuid = randomUUID();
    await startSession(server, sessionUuid, { participants: [p1] });
    await rowsAre(adminPage, 'participant', p1, '[data-busy="true"]');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'In a session',
    );
    await logEntry(adminPage, 'Participant #1 joined a session').waitFor(UNBOUNDED);
    await adminPage.locator('#stat-busy', { hasText: '1' }).waitFor(UNBOUNDED);

    // A device connects and reports its status: battery and the rest, on every row of it.
    const device = relay.connect(
      await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') }),
    );
    t.after(() => device.close());
    await device.opened();
    await rowsAre(adminPage, 'device', watch, '[data-online="true"]');
    await relay.sendDeviceStatus(device, { battery: 76, charging: true });
    await everyMatch(adminPage, `.entity[data-uuid="${watch}"]`, '[data-online="true"]', [
      'Battery 76%',
      'charging: yes',
    ]);
    await shot(adminPage, 'admin-live');

    // The session stops, then the participant disconnects: free, then offline.
    await stopSession(server, sessionUuid);
    await rowsAre(adminPage, 'participant', p1, '[data-busy="false"]');
    participant.close();
    await rowsAre(adminPage, 'participant', p1, '[data-online="false"][data-busy="false"]');
    assert.equal(
      await rows(adminPage, 'participant', p1).first().locator('.pill').textContent(),
      'Offline',
    );
    await logEntry(adminPage, 'Participant #1 went offline').waitFor(UNBOUNDED);
    await device.close();
    await rowsAre(adminPage, 'device', watch, '[data-online="false"]');

    // user4 saw none of it: a sentinel it may see, published after, reaches its page first.
    const tag = `sentinel:${randomUUID()}`;
    await publish(server, USER_MANAGER_EVENTS, [
      pack(ArchiveEventSchema, { ownerUuid: user4, archiveUrl: tag }),
    ]);
    await logEntry(user4Page, tag).waitFor(UNBOUNDED);
    assert.equal(await user4Page.locator(`[data-uuid="${p1}"], [data-uuid="${watch}"]`).count(), 0);
    const user4Log = (await user4Page.locator('#activity-log').textContent()) ?? '';
    assert.doesNotMatch(user4Log, /Participant #1|Apple Watch/);
    assert.equal(await user4Page.locator('#stat-participants').textContent(), '0');
    assert.equal(await user4Page.locator('#stat-devices').textContent(), '0');
    await shot(user4Page, 'user4');

    // admin's other client leaves: admin goes offline (the dashboard does not hold it online),
    // and the witness saw no other UserEvent about admin since it came.
    await elsewhere.close();
    const meanwhile = await readUntil(
      witness,
      (f) => f.fields.userUuid === admin && f.fields.type === 'USER_DISCONNECTED',
    );
    assert.deepEqual(userEventsAbout(meanwhile, admin), ['USER_DISCONNECTED']);
    assert.equal(await adminPage.locator('#connection').getAttribute('data-state'), 'open');

    // The dashboard signs out: its observer closes, and nobody is told admin left.
    const userSockets = () => metricValue(server.deps.metrics.connections, { kind: 'user' });
    const before = await userSockets();
    await adminPage.getByRole('button', { name: 'Sign out' }).click();
    await adminPage.getByLabel('Username').waitFor(UNBOUNDED);
    await waitFor(async () => (await userSockets()) === before - 1, {
      what: "the dashboard's websocket gone from the server",
      timeoutMs: 120_000,
    });
    const afterwards = await untilSentinel(witness, witnessUuid, server);
    assert.deepEqual(userEventsAbout(afterwards, admin), []);
  });

  test('a wrong password shows an error and keeps the form', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await open(await browser.context());
    await page.goto(`${origin}/dashboard`);
    assert.equal(await focused(page), 'username', 'the username field has the focus on arrival');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText('The username or password is not correct.')
      .waitFor(UNBOUNDED);
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#dash-view').isHidden(), true);
    assert.equal(await focused(page), 'password');
    await shot(page, 'wrong-password');
  });

  test('phone width, keyboard, landmarks, and a log that pauses', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const p1 = ids.participants['Participant #1']!;
    const page = await open(await browser.context({ viewport: PHONE }));
    await page.goto(`${origin}/dashboard`);
    assert.equal(await scrollsSideways(page), false, 'the sign-in form fits a phone');

    // Keyboard only: type, Tab, type, Enter.
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type('admin');
    await page.keyboard.press('Enter');
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
    await rowsAre(page, 'participant', p1, '[data-online="false"]');

    const participant = await connect(server, 'participant', p1);
    t.after(() => participant.close());
    await rowsAre(page, 'participant', p1, '[data-online="true"]');
    assert.equal(await scrollsSideways(page), false, 'the dashboard fits a phone');
    for (const role of ['banner', 'main', 'contentinfo'] as const)
      assert.equal(await page.getByRole(role).count(), 1, `one ${role} landmark`);
    assert.equal(await page.getByRole('status').filter({ hasText: 'Live' }).count(), 1);
    await shot(page, 'phone');

    // The state and the log are announced politely, the log in summaries.
    assert.equal(await page.locator('#connection-text').getAttribute('role'), 'status');
    assert.equal(await page.locator('#activity-log').getAttribute('aria-live'), null);

    // Search and "online only" narrow the roster.
    await page.getByLabel('Online only').check();
    await page.locator(`.entity[data-uuid="${p1}"]:visible`).first().waitFor(UNBOUNDED);
    assert.equal(await page.locator('.entity[data-online="false"]:visible').count(), 0);
    await page.getByLabel('Online only').uncheck();
    await page.getByLabel('Search by name').fill('secret');
    assert.deepEqual(await page.locator('.entity:visible .entity-name').allTextContents(), [
      'Secret Participant',
    ]);
    await page.getByLabel('Search by name').fill('');

    // Paused: a new event is recorded, not shown; it appears on resume. The filter keeps kinds.
    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#activity-pause').getAttribute('aria-pressed'), 'true');
    participant.close();
    await rowsAre(page, 'participant', p1, '[data-online="false"]');
    await page.getByText(/new events? will appear when you resume/).waitFor(UNBOUNDED);
    assert.equal(await logEntry(page, 'Participant #1 went offline').count(), 0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await logEntry(page, 'Participant #1 went offline').waitFor(UNBOUNDED);
    await page.getByLabel('Show').selectOption('device');
    assert.equal(await logEntry(page, 'Participant #1').count(), 0);
    await page.getByLabel('Show').selectOption('participant');
    await logEntry(page, 'Participant #1 went offline').waitFor(UNBOUNDED);
  });

  test('after a server restart the page reconnects by itself', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const p1 = ids.participants['Participant #1']!;
    const page = await open(await browser.context());
    await signIn(page, 'siteadmin', 'siteadmin');
    await rowsAre(page, 'participant', p1, '[data-online="false"]');

    const port = server.port;
    await server.stop();
    await page.locator('#connection[data-state="reconnecting"]').waitFor(UNBOUNDED);
    assert.equal(await page.locator('#connection-text').textContent(), 'Reconnecting');
    server = await startTestServer({ ...config, port });
    await page.locator('#connection[data-state="open"]').waitFor(UNBOUNDED);
    await logEntry(page, 'Reconnected').waitFor(UNBOUNDED);

    // Live again: a participant coming online now shows.
    const participant = await connect(server, 'participant', p1);
    t.after(() => participant.close());
    await rowsAre(page, 'participant', p1, '[data-online="true"]');
    await shot(page, 'reconnected');
  });

  test('nothing was fetched from another origin', (t) => {
    if (browser.skip) return t.skip(browser.skip);
    assert.ok(requested.length > 10, `requests seen: ${requested.length}`);
    const foreign = requested.filter(
      (u) =>
        !u.startsWith(`${origin}/`) &&
        !u.startsWith(`wss://127.0.0.1:${server.port}/`) &&
        !u.startsWith('data:'),
    );
    assert.deepEqual(foreign, []);
  });
});
