/**
 * The client SDK as one ES module for browsers (src/client bundled with its dependencies),
 * served at GET /client/terarelay-client.js so that a page can `import` it with no bundler.
 *
 * Where the module comes from:
 * - a built package ships it beside the compiled SDK, `dist/client/terarelay-client.js`
 *   (written by `npm run build`, scripts/build-client.mjs calling `buildClientBundle`);
 * - running from the sources (tests, `tsx`), where that file does not exist, it is bundled
 *   from `src/client/index.ts` with esbuild (a dev dependency) on the first request, once per
 *   process.
 * Without either, the route answers 404 `{code, message}`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import type { App } from './app.js';

export const CLIENT_BUNDLE_PATH = '/client/terarelay-client.js';
export const CLIENT_BUNDLE_FILE = 'terarelay-client.js';

const clientDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'client');

/**
 * Bundles the SDK at `entry` into one browser ES module (Node's modules and `ws` stay out: the
 * SDK loads them only in Node). Writes `outfile` when given; resolves with the module's text.
 */
export async function buildClientBundle(entry: string, outfile?: string): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['ws', 'node:*'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
    ...(outfile ? { outfile } : { outdir: '.' }),
  });
  const text = result.outputFiles[0]?.text ?? '';
  if (outfile) {
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(dirname(outfile), { recursive: true });
    await writeFile(outfile, text);
  }
  return text;
}

let cached: Promise<string> | null = null;

/** The module's text: the shipped file, else a bundle of the sources (built once). */
export function clientBundle(): Promise<string> {
  cached ??= (async () => {
    const shipped = join(clientDir, CLIENT_BUNDLE_FILE);
    if (existsSync(shipped)) return readFile(shipped, 'utf8');
    const source = join(clientDir, 'index.ts');
    if (!existsSync(source)) throw new AppError('NOT_FOUND', 'The client SDK bundle is not built');
    return buildClientBundle(source);
  })();
  cached.catch(() => (cached = null));
  return cached;
}

export function registerClientBundle(app: App): void {
  app.get(
    CLIENT_BUNDLE_PATH,
    {
      schema: {
        summary: 'The client SDK (terarelay/client) as one ES module for browsers',
        tags: ['client'],
        response: {
          200: {
            description: 'JavaScript (ES module)',
            content: { 'application/javascript': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const body = await clientBundle();
      return reply
        .type('application/javascript; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(body);
    },
  );
}
