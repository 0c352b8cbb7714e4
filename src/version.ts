/** The version of this package, as its package.json states it. */
import { readFileSync } from 'node:fs';

/** The version in the package.json one folder above this file (it runs from src/ or dist/). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
