/**
 * bcrypt password checks, off the event loop (@node-rs/bcrypt runs on the libuv pool).
 * Unknown accounts are checked against a dummy hash of the same cost as OpenTera's (12), so
 * an answer takes as long whether the account exists or not.
 */
import { hash, verify } from '@node-rs/bcrypt';

/** A cost-12 hash of a random string nobody knows. */
const DUMMY_HASH = '$2b$12$3HuzxtpeVuzYAUKn4BpP0OXe9xGtB1mXNOXTIklsbpnmwx3g89Byy';

/**
 * True when `password` matches the bcrypt `hash`. A null hash (unknown account, or an account
 * without a password) still spends one verification and answers false.
 */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  try {
    const ok = await verify(password, hash ?? DUMMY_HASH);
    return hash !== null && ok;
  } catch {
    // A stored value that is not a bcrypt hash never matches.
    return false;
  }
}

/** bcrypt cost of the hashes TeraRelay writes: OpenTera's. */
export const HASH_COST = 12;

/** A `$2b$` bcrypt hash of `password` at OpenTera's cost, computed off the event loop. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, HASH_COST);
}
