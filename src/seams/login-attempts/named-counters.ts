import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../errors.js';
import type { CounterOptions } from './login-attempts.js';

/**
 * The counters of one LoginAttempts, one per name: `make` builds a name's counter on its first
 * use. Options that are not positive integers, or that differ from the name's first ones, are
 * a caller's bug (AppError INTERNAL).
 */
export class NamedCounters {
  private readonly made = new Map<
    string,
    { options: CounterOptions; counter: RateLimiterAbstract }
  >();

  constructor(private readonly make: (name: string, o: CounterOptions) => RateLimiterAbstract) {}

  get(name: string, options: CounterOptions): RateLimiterAbstract {
    const { points, durationSeconds } = options;
    if (![points, durationSeconds].every((n) => Number.isSafeInteger(n) && n >= 1))
      throw new AppError(
        'INTERNAL',
        `login attempts: ${name} needs positive integer points and seconds, got ${points}, ${durationSeconds}`,
      );
    const known = this.made.get(name);
    if (known) {
      if (known.options.points !== points || known.options.durationSeconds !== durationSeconds)
        throw new AppError('INTERNAL', `login attempts: ${name} was made with other options`);
      return known.counter;
    }
    const counter = this.make(name, { points, durationSeconds });
    this.made.set(name, { options: { points, durationSeconds }, counter });
    return counter;
  }
}
