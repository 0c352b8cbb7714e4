/**
 * The one way a test waits for a state that no event announces (an expiry, a background
 * resync, a count reached): `waitFor` polls it until it holds. The time limit only stops a
 * broken test from hanging; a test never asserts on it.
 */

/** How long `waitFor` polls before failing, ms, unless told otherwise. */
export const HANG_GUARD_MS = 15_000;

/** Pause between two polls, ms. */
const POLL_MS = 10;

export interface WaitOptions {
  /** What is awaited; the failure message names it. */
  what: string;
  /** Fail after this long, ms (default HANG_GUARD_MS). */
  timeoutMs?: number;
}

type Missing = false | undefined | null;

/**
 * Calls `check` (a condition or an async probe) every 10 ms until it returns something other
 * than false, undefined or null, and resolves with that. Rejects with "timed out after N ms
 * waiting for <what>" once `timeoutMs` has passed; an error thrown by `check` rejects at once.
 */
export async function waitFor<T>(
  check: () => T | Missing | Promise<T | Missing>,
  { what, timeoutMs = HANG_GUARD_MS }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined && value !== null) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
