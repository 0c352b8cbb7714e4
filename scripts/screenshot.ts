/**
 * `npm run screenshot`: regenerates docs/dashboard.png, the dashboard picture of the README.
 * Starts a development server (test dataset, in-memory SQLite, a free port, a temporary data
 * folder), signs `admin` in on /dashboard in headless Chromium at desktop width, brings a few
 * participants, devices and a user online through the client SDK, starts a session, posts
 * device statuses, waits until the page shows all of it, and writes the picture.
 *
 * Needs Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium). Usage:
 *   npm run screenshot [-- <output.png>]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { randomUUID } from 'node:crypto';
import { chromium } from 'playwright-core';
import { TeraRelayClient, type Connection } from '../src/client/index.js';
import { loadConfig } from '../src/config.js';
import {
  create,
  JoinSessionEventSchema,
  moduleMessage,
  packEvent,
} from '../src/protocol/messages.js';
import { startServer, type RunningServer } from '../src/server.js';
import { USER_MANAGER_MESSAGES } from '../src/topics.js';

const OUTPUT = resolve(process.argv[2] ?? 'docs/dashboard.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1440, height: 1024 };
/** A generous bound on each wait of the page, ms (a loaded machine is slow, never stuck). */
const WAIT = { timeout: 120_000 };

function tokenOf(server: RunningServer, name: string): string {
  const token = server.seed?.credentials.find((c) => c.name === name)?.token;
  if (!token) throw new Error(`no seeded token for ${name}`);
  return token;
}

/** A session with these members starts, as a service tells the UserManager: they are busy. */
async function startSession(
  server: RunningServer,
  members: { users?: string[]; participants?: string[] },
): Promise<void> {
  const event = packEvent(
    JoinSessionEventSchema,
    create(JoinSessionEventSchema, {
      sessionUuid: randomUUID(),
      sessionUsers: members.users ?? [],
      sessionParticipants: members.participants ?? [],
    }),
  );
  const { bus, codec } = server.deps;
  await bus.publish(
    USER_MANAGER_MESSAGES,
    codec.encodeModuleMessage(
      moduleMessage('serviceVideoRehabService', USER_MANAGER_MESSAGES, [event]),
    ),
  );
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  const dataDir = mkdtempSync(join(tmpdir(), 'terarelay-screenshot-'));
  const config = loadConfig({
    env: {},
    flags: {
      db: 'sqlite::memory:',
      seed: 'test',
      host: '127.0.0.1',
      port: 0,
      logLevel: 'silent',
      dev: true,
      dataDir,
    },
  });
  const server = await startServer(config);
  const origin = `https://127.0.0.1:${server.port}`;
  const relay = new TeraRelayClient({ url: origin, insecure: true });
  const connections: Connection[] = [];
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await (
      await browser.newContext({ ignoreHTTPSErrors: true, viewport: VIEWPORT })
    ).newPage();
    await page.goto(`${origin}/dashboard`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('admin');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#connection[data-state="open"]').waitFor(WAIT);
    await page.locator('.entity').first().waitFor(WAIT);

    const online = async (credentials: Parameters<TeraRelayClient['login']>[0]) => {
      const connection = relay.connect(await relay.login(credentials));
      connections.push(connection);
      await connection.opened();
      return connection;
    };
    const p1 = await online({ participant: 'participant1', password: 'opentera' });
    await online({ participantToken: tokenOf(server, 'Secret Participant') });
    const siteadmin = await online({ user: 'siteadmin', password: 'siteadmin' });
    const watch = await online({ deviceToken: tokenOf(server, 'Apple Watch #W05P1') });
    const kit = await online({ deviceToken: tokenOf(server, 'Kit Télé #1') });
    await relay.sendDeviceStatus(watch, { battery: 82, charging: false, heart_rate: 71 });
    await relay.sendDeviceStatus(kit, { battery: 17, charging: true, network: 'wifi' });
    await startSession(server, {
      users: [siteadmin.session.uuid],
      participants: [p1.session.uuid],
    });

    await page
      .locator(`.entity[data-uuid="${p1.session.uuid}"][data-busy="true"]`)
      .first()
      .waitFor(WAIT);
    await page.locator('.entity .battery', { hasText: 'Battery 17%' }).first().waitFor(WAIT);
    await page.locator('.entity .battery', { hasText: 'Battery 82%' }).first().waitFor(WAIT);
    await page.locator('#stat-participants', { hasText: '2' }).waitFor(WAIT);
    await page.locator('.log-entry', { hasText: 'Kit Télé #1 sent its status' }).waitFor(WAIT);
    // No caret or focus ring in the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

    mkdirSync(dirname(OUTPUT), { recursive: true });
    await page.screenshot({ path: OUTPUT });
    process.stdout.write(`screenshot: ${OUTPUT}\n`);
  } finally {
    await Promise.all(connections.map((c) => c.close()));
    await browser.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `screenshot: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
