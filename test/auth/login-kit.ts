/**
 * Password logins from a chosen loopback address, and what the login limits counted: the
 * failure counters (through the server's LoginAttempts) and the bcrypt checks started.
 */
import { hash } from '@node-rs/bcrypt';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { basic, type TestResponse, type TestServer } from '../kit/server.js';
import { updateUser } from '../kit/http.js';
import { loginCounters, type LoginCounters } from '../../src/auth/lockout.js';
import { PASSWORD_CHECKS_METRIC, PENDING_CHECKS_METRIC } from '../../src/auth/password-checks.js';

/** GET /api/user/login as `username` from `address` (127.0.0.N). */
export const loginFrom = (
  server: TestServer,
  address: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> =>
  server.request('/api/user/login', {
    headers: { authorization: basic(username, password), ...headers },
    localAddress: address,
  });

/** The failure counters the server's Authenticator uses. */
export const countersOf = (server: TestServer): LoginCounters =>
  loginCounters(server.deps.attempts, server.deps.config);

/** The count of `key` in `counter` (0 when absent). */
export const countOf = async (counter: RateLimiterAbstract, key: string): Promise<number> =>
  (await counter.get(key))?.consumedPoints ?? 0;

/** The sum of a metric's values on the server (0 when it has none). */
async function metricSum(server: TestServer, name: string): Promise<number> {
  const metric = server.deps.metrics.registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** bcrypt checks the server has started (`terarelay_password_checks_total`). */
export const passwordChecks = (server: TestServer): Promise<number> =>
  metricSum(server, PASSWORD_CHECKS_METRIC);

/** Password checks running or waiting for their turn (`terarelay_password_checks_pending`). */
export const pendingChecks = (server: TestServer): Promise<number> =>
  metricSum(server, PENDING_CHECKS_METRIC);

/** Gives `username` the password `password` hashed at bcrypt `cost` (cheaper than the seed's 12). */
export async function setPassword(
  server: TestServer,
  username: string,
  password: string,
  cost: number,
): Promise<void> {
  await updateUser(server, username, { user_password: await hash(password, cost) });
}
