import { AppError } from '../../errors.js';

/** A counter window must be a positive whole number of milliseconds (a caller's bug otherwise). */
export function checkWindow(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs < 1)
    throw new AppError(
      'INTERNAL',
      `login attempts: windowMs must be a positive integer, got ${windowMs}`,
    );
}
