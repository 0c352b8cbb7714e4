/**
 * Headless Chromium for page tests: Debian's `chromium` (CHROMIUM_PATH, default
 * /usr/bin/chromium) driven by playwright-core, with no browser download. Locally a missing
 * browser is a loud SKIP; under CI=true it fails. Contexts accept the dev certificate.
 */
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { unavailable } from './services.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserSuite {
  /** Why the suite is skipped (no browser locally), or undefined. */
  readonly skip: string | undefined;
  /** A fresh context (own cookies and storage) accepting self-signed certificates. */
  context(options?: { viewport?: { width: number; height: number } }): Promise<BrowserContext>;
}

/** One browser for the current describe block (or file): launched before, closed after. */
export function browserSuite(): BrowserSuite {
  let browser: Browser | null = null;
  let skip: string | undefined;
  const contexts: BrowserContext[] = [];
  before(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      skip = unavailable('Chromium', `${CHROMIUM_PATH} not found; apt-get install chromium`);
      return;
    }
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
  });
  return {
    get skip() {
      return skip;
    },
    async context(options = {}) {
      if (!browser) throw new Error(skip ?? 'browser not launched yet');
      const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
      contexts.push(context);
      return context;
    },
  };
}
