/**
 * The rate of one device's status posts (POST /api/device/status), counted by device uuid in a
 * counter of the LoginAttempts seam (in process, or in Redis and then shared by every node).
 *
 * Rule: a device may post at most `deviceStatusBurst` statuses per window of
 * `deviceStatusBurst / deviceStatusRate` seconds (20 per 2 s by default); the window starts at
 * its first post after the previous window ended and is never extended. So a burst of up to
 * `deviceStatusBurst` passes at once and, over time, a device averages at most
 * `deviceStatusRate` posts a second (two bursts may meet across a window's end).
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { LoginAttempts } from '../seams/login-attempts/login-attempts.js';

export type DeviceStatusRate = Pick<Config, 'deviceStatusRate' | 'deviceStatusBurst'>;

export class DeviceStatusLimit {
  private readonly counter: RateLimiterAbstract;

  constructor(counters: LoginAttempts, limits: DeviceStatusRate) {
    this.counter = counters.counter('device-status', {
      points: limits.deviceStatusBurst,
      durationSeconds: limits.deviceStatusBurst / limits.deviceStatusRate,
    });
  }

  /**
   * Counts one post of the device: 0 when it is within the limit, else the whole seconds (at
   * least 1) until its window ends. A store failure is AppError UNAVAILABLE.
   */
  async take(deviceUuid: string): Promise<number> {
    try {
      await this.counter.consume(deviceUuid);
      return 0;
    } catch (e) {
      if (e instanceof RateLimiterRes) return Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new AppError('UNAVAILABLE', 'device status limit: store unavailable', { cause: e });
    }
  }
}
