/**
 * The login web pages at OpenTera's paths (`/login`, `/login_change_password`,
 * `/login_setup_2fa`, `/login_validate_2fa`) and their assets under `/pages/`: static HTML, CSS
 * and JavaScript from src/pages (copied beside the compiled code by the build), read once at
 * start. Every answer forbids framing and any other origin (Content-Security-Policy: scripts,
 * styles and fetches from this origin only, images also as `data:`, websockets to any `wss:`
 * origin since the public URL may name another host).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from './app.js';

const PAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'pages');

/** Page path → its HTML file. */
export const PAGES: Readonly<Record<string, string>> = {
  '/login': 'login.html',
  '/login_change_password': 'change-password.html',
  '/login_setup_2fa': 'setup-2fa.html',
  '/login_validate_2fa': 'validate-2fa.html',
};

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

function load(file: string): Asset {
  const type = TYPES[extname(file)];
  if (!type) throw new Error(`pages: no content type for ${file}`);
  return { type, body: readFileSync(join(PAGES_DIR, file)) };
}

export function registerPages(app: App): void {
  const routes = new Map<string, Asset>();
  for (const [path, file] of Object.entries(PAGES)) routes.set(path, load(file));
  for (const file of readdirSync(PAGES_DIR))
    if (!file.endsWith('.html') && TYPES[extname(file)]) routes.set(`/pages/${file}`, load(file));
  for (const [path, asset] of routes)
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.headers(SECURITY_HEADERS).type(asset.type).send(asset.body),
    );
}
