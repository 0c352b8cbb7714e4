/**
 * What a test suite does when a real service it needs is unreachable: locally, print a loud
 * SKIP line and skip; under CI=true, fail.
 */
export const inCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** Returns a skip reason (after printing it) or throws under CI. */
export function unavailable(service: string, detail: string): string {
  const line = `SKIP: ${service} unreachable (${detail}); these tests did not run`;
  if (inCI()) throw new Error(`${service} is required under CI=true but is unreachable: ${detail}`);
  process.stderr.write(`\n!!!!!!!! ${line} !!!!!!!!\n\n`);
  return line;
}
