/**
 * Build step for the client SDK (`terarelay/client`), run after `tsc` compiled src/ to dist/:
 * 1. its type declarations: dist/client/*.d.ts (and those of the generated protobuf code it
 *    imports), for the package's `types`;
 * 2. its browser module: src/client bundled with its dependencies into one ES module,
 *    dist/client/terarelay-client.js, the file the server serves at /client/terarelay-client.js
 *    (same esbuild options as the server's on-the-fly build: dist/http/client-bundle.js).
 * Usage: node scripts/build-client.mjs (from the package root).
 */
import { join, resolve } from 'node:path';
import process from 'node:process';
import ts from 'typescript';

const root = resolve(process.cwd());
const entry = join(root, 'src', 'client', 'index.ts');

const program = ts.createProgram([entry], {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  skipLibCheck: true,
  declaration: true,
  emitDeclarationOnly: true,
  rootDir: join(root, 'src'),
  outDir: join(root, 'dist'),
});
const emitted = program.emit();
const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
if (problems.length > 0) {
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  };
  process.stderr.write(ts.formatDiagnostics(problems, host));
  process.exit(1);
}

const { buildClientBundle, CLIENT_BUNDLE_FILE } = await import(
  join(root, 'dist', 'http', 'client-bundle.js')
);
const outfile = join(root, 'dist', 'client', CLIENT_BUNDLE_FILE);
const text = await buildClientBundle(entry, outfile);
process.stdout.write(
  `build-client: declarations in dist/client/, ${outfile.slice(root.length + 1)} (${text.length} bytes)\n`,
);
