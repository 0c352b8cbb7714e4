/**
 * Polls `check` every 10 ms until it holds; resolves false if it still does not after `limitMs`.
 * For conditions with no event to wait on (expiry, a background resync); the limit only
 * bounds a failing test, it is not a timing assertion.
 */
export async function eventually(
  check: () => Promise<boolean>,
  limitMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}
