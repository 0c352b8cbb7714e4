/**
 * The login pages in headless Chromium, on a fresh `defaults` deployment: `admin` signs in on
 * /login, is sent to change its password, changes it, signs in again and sees its websocket
 * open with its first event; turns two-step verification on, sets it up at its next sign-in
 * (the secret read from the page, the code computed here) and signs in with a TOTP code. Also:
 * a phone-width screen never scrolls sideways, the form is used with the keyboard alone, errors
 * are announced, and nothing is fetched from another origin. Screenshots go to a temporary
 * folder outside the tree.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { browserSuite } from '../kit/browser.js';
import { startTestServer, type TestServer } from '../kit/server.js';

const NEW_PASSWORD = 'Browser-Admin-2025!';
const PHONE = { width: 360, height: 740 };
const PAGES = ['/login', '/login_change_password', '/login_setup_2fa', '/login_validate_2fa'];

const codeAt = (secret: string, timestamp = Date.now()): string =>
  TOTP.generate({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp,
  });
const codeOf = (secret: string): string => codeAt(secret);

/** A six-digit code that none of the steps around now accepts. */
function wrongCodeOf(secret: string): string {
  const now = Date.now();
  const valid = new Set([-30_000, 0, 30_000, 60_000].map((d) => codeAt(secret, now + d)));
  for (let n = 500_000; ; n++) {
    const code = String((Number(codeOf(secret)) + n) % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

describe('the login pages in Chromium', () => {
  const browser = browserSuite();
  let server: TestServer;
  let origin: string;
  const shots = mkdtempSync(join(tmpdir(), 'terarelay-login-pages-'));
  /** Every URL a page asked for (documents, assets, fetches, websockets). */
  const requested: string[] = [];

  before(async () => {
    server = await startTestServer({ seed: 'defaults' });
    origin = `https://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
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

  /** True when the page is wider than its viewport (a sideways scroll). */
  const scrollsSideways = (page: Page): Promise<boolean> =>
    page.evaluate('document.documentElement.scrollWidth > window.innerWidth') as Promise<boolean>;

  async function signIn(page: Page, username: string, password: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Waits for the signed-in view: the websocket open, its first event (admin's own USER_CONNECTED). */
  async function seesSignedIn(page: Page, name: string): Promise<void> {
    await page.getByRole('heading', { name: "You're signed in" }).waitFor();
    assert.equal(await page.locator('#fullname').textContent(), 'Super Admin');
    await page.locator('#ws-status[data-state="open"]').waitFor();
    await page.waitForFunction(
      "/USER_CONNECTED/.test(document.getElementById('first-event').textContent)",
      undefined,
      { timeout: 0, polling: 50 },
    );
    const uuid = (
      await server.deps.db.kysely
        .selectFrom('t_users')
        .select('user_uuid')
        .where('user_username', '=', 'admin')
        .executeTakeFirstOrThrow()
    ).user_uuid;
    assert.match((await page.locator('#first-event').textContent()) ?? '', new RegExp(uuid));
    assert.equal(
      await page.locator('#ws-state').textContent(),
      'Live connection: open',
      'the state is said in words, not only in colour',
    );
    await shot(page, name);
  }

  test('keyboard only: tab order, visible focus, submit with Enter, the error announced', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await open(await browser.context());
    await page.goto(`${origin}/login`);
    const focused = () =>
      page.evaluate("document.activeElement ? document.activeElement.id : ''") as Promise<string>;
    assert.equal(await focused(), 'username', 'the username field has the focus on arrival');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'password');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'submit');
    const ring = await page.evaluate('getComputedStyle(document.activeElement).boxShadow');
    assert.notEqual(ring, 'none', 'the focused button shows a focus ring');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.getByText('The username or password is not correct.').waitFor();
    assert.equal(await focused(), 'password', 'the focus goes back to the password');
    assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
    await shot(page, 'keyboard-error');
  });

  test('at phone width no page scrolls sideways', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await open(await browser.context({ viewport: PHONE }));
    for (const path of PAGES) {
      await page.goto(`${origin}${path}`);
      await page.locator('h1').waitFor();
      assert.equal(await scrollsSideways(page), false, path);
      await shot(page, `phone${path.replace(/\//g, '-')}`);
    }
    // An empty submit shows its message without widening the page.
    await page.goto(`${origin}/login`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Enter your username and password.').waitFor();
    assert.equal(await scrollsSideways(page), false);
  });

  test('admin: first sign-in, password change, websocket, 2FA set-up, sign-in with a code', async (t) => {
    if (browser.skip) return t.skip(browser.skip);
    const page = await open(await browser.context());

    // admin/admin is sent to change its password.
    await page.goto(`${origin}/login`);
    await shot(page, '1-login');
    await signIn(page, 'admin', 'admin');
    await page.waitForURL(`${origin}/login_change_password`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('Confirm the new password').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').getByText('Password not long enough (10 characters)').waitFor();
    await shot(page, '2-weak-password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel('Confirm the new password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();

    // Back on /login, told so; signs in with the new password and its websocket opens.
    await page.waitForURL(`${origin}/login?notice=password-changed`);
    await page.getByText('Your password was changed.').waitFor();
    await signIn(page, 'admin', NEW_PASSWORD);
    await seesSignedIn(page, '3-signed-in');

    // Turns two-step verification on: signed out, told to sign in again.
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page.waitForURL(`${origin}/login?notice=2fa-on`);
    await page.getByText('Two-step verification is on.').waitFor();
    await signIn(page, 'admin', NEW_PASSWORD);

    // The set-up page shows the QR code and the secret as text; at phone width too.
    await page.waitForURL(`${origin}/login_setup_2fa`);
    const secretText = page.locator('#otp-secret');
    await secretText.waitFor();
    const secret = ((await secretText.textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const qrWidth = (await page.evaluate("document.getElementById('qr').naturalWidth")) as number;
    assert.ok(qrWidth > 100, `the QR code is an image (${qrWidth} px)`);
    await shot(page, '4-setup-2fa');
    await page.setViewportSize(PHONE);
    assert.equal(await scrollsSideways(page), false, 'the set-up page fits a phone');
    await shot(page, '4-setup-2fa-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByLabel('6-digit code').fill(codeOf(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();

    // Validation with a wrong code (announced), then the right one.
    await page.waitForURL(`${origin}/login_validate_2fa`);
    await page.getByLabel('6-digit code').fill(wrongCodeOf(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText('That code is not valid.').waitFor();
    await shot(page, '5-wrong-code');
    // The next step's code: the set-up used up the current one (a code is accepted once).
    await page.getByLabel('6-digit code').fill(codeAt(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await seesSignedIn(page, '6-signed-in-with-2fa');
    assert.equal(
      await page.locator('#two-factor-state').textContent(),
      'Two-step verification is on for this account.',
    );

    const stored = await server.deps.db.kysely
      .selectFrom('t_users')
      .select(['user_force_password_change', 'user_2fa_otp_enabled', 'user_2fa_otp_secret'])
      .where('user_username', '=', 'admin')
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored, {
      user_force_password_change: false,
      user_2fa_otp_enabled: true,
      user_2fa_otp_secret: secret,
    });
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
