/**
 * Build step: copies every file under src/ that is not TypeScript (Lua scripts, HTML, CSS…)
 * to the same relative path under dist/, where the compiled module beside it looks for it.
 * Usage: node scripts/copy-assets.mjs [srcDir] [outDir] (defaults: src dist, from the cwd).
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';

const [srcDir = 'src', outDir = 'dist'] = process.argv.slice(2);

/** Every file path under `dir`, recursively. */
function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

let copied = 0;
for (const path of files(srcDir)) {
  if (path.endsWith('.ts')) continue;
  const target = join(outDir, relative(srcDir, path));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(path, target);
  copied += 1;
}
process.stdout.write(`copy-assets: ${copied} file(s) from ${srcDir}/ to ${outDir}/\n`);
