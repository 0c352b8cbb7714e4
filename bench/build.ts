/**
 * The benchmark's servers run as compiled JavaScript, as `npm start` runs TeraRelay, not
 * through tsx: tsx compiles with esbuild's keepNames, which gives every named function made at
 * run time a `name` property of its own, about 250 bytes per closure (measured: about 1 KiB per
 * idle connection), and a call per closure made. `buildServers` compiles bench/servers and
 * what they import (src) into bench/.build once per invocation, with the files src reads at
 * run time beside them.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const BUILD_DIR = join(ROOT, 'bench', '.build');

let built: string | null = null;

/** Compiles the servers (once); returns the build folder. Throws with tsc's output on errors. */
export function buildServers(): string {
  if (built) return built;
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const run = (file: string, args: string[]): void => {
    execFileSync(file, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  try {
    run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.bench.json',
    ]);
  } catch (err) {
    const out = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`bench: compiling the servers failed:\n${out}`, { cause: err });
  }
  run(process.execPath, ['scripts/copy-assets.mjs', 'src', join(BUILD_DIR, 'src')]);
  // src/version.ts reads ../package.json; it also marks the folder's files as ES modules.
  copyFileSync(join(ROOT, 'package.json'), join(BUILD_DIR, 'package.json'));
  built = BUILD_DIR;
  return built;
}

/** The compiled file of a server entry given as its source path (`bench/servers/relay.ts`). */
export function compiledEntry(entry: string): string {
  return join(buildServers(), entry.replace(/\.ts$/, '.js'));
}
