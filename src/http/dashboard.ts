/**
 * The live dashboard at `/dashboard` and its assets under `/dashboard/<file>`: static HTML, CSS
 * and browser ES modules from src/dashboard (copied beside the compiled code by the build), read
 * once at start. The page imports the SDK from /client/terarelay-client.js and links the login
 * pages' stylesheet, all from this origin. Hidden from the OpenAPI document (not an API).
 *
 * Every answer carries the same Content-Security-Policy as the login pages: scripts, styles and
 * fetches from this origin only, websockets to any `wss:` origin (the public URL may name
 * another host), no framing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './app.js';

export const DASHBOARD_PATH = '/dashboard';

const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self' wss:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** Route path → file, for the page and every asset of src/dashboard. */
function assets(): Map<string, Asset> {
  const routes = new Map<string, Asset>();
  for (const file of readdirSync(DASHBOARD_DIR)) {
    const type = TYPES[extname(file)];
    if (!type) continue;
    const asset = { type, body: readFileSync(join(DASHBOARD_DIR, file)) };
    if (file === 'index.html') {
      routes.set(DASHBOARD_PATH, asset);
      routes.set(`${DASHBOARD_PATH}/`, asset);
    } else if (!file.endsWith('.html')) routes.set(`${DASHBOARD_PATH}/${file}`, asset);
  }
  if (!routes.has(DASHBOARD_PATH)) throw new Error(`dashboard: no index.html in ${DASHBOARD_DIR}`);
  return routes;
}

export function registerDashboard(app: App): void {
  for (const [path, asset] of assets())
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.headers(SECURITY_HEADERS).type(asset.type).send(asset.body),
    );
}
