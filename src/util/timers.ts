/**
 * Time limits and pauses that never keep the process alive longer than asked and never leak a
 * timer.
 */
import { AppError } from '../errors.js';

/** The rejection of `withTimeout` when time ran out (code UNAVAILABLE). */
export class TimeoutError extends AppError {
  constructor(what: string, ms: number) {
    super('UNAVAILABLE', `${what}: no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Settles as `promise` does, or rejects with a TimeoutError once `ms` have passed first. The
 * timer is cleared either way; `promise` itself goes on (its late outcome is ignored).
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `promise` settles (fulfilled or rejected) or `ms` have passed, whichever comes
 * first; never rejects.
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  await withTimeout(promise, ms, 'settle').catch(() => {});
}

/**
 * Pauses that end when their time is up or, all together, on `wakeAll()` (e.g. a link came
 * back, or the owner is closing). A pause never rejects.
 */
export class WakeableSleep {
  private readonly wakers = new Set<() => void>();

  /** Resolves after `ms`, or at the next `wakeAll()` if that comes first. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Ends every pause in progress now. */
  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
