/**
 * Half-logged-in users: what OpenTera keeps in Flask's session between a login answered with a
 * `redirect_url` (password change, 2FA set-up, 2FA validation) and the follow-up request. Kept
 * in the database, so that any node answers the next step.
 *
 * Contract:
 * - a session id is 256 random bits (base64url); only its SHA-256 is stored;
 * - a session allows one step (`LoginStep`), for one user, for LOGIN_SESSION_TTL_MS; the step's
 *   success ends it (a later step gets a session of its own);
 * - the id travels in the `terarelay_login` cookie: HttpOnly, Secure, SameSite=Lax, scoped to
 *   the login endpoints (`/api/user/login`), lasting as long as the session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/connect.js';
import {
  deleteLoginSession,
  insertLoginSession,
  loginSessionByHash,
  setLoginSessionSecret,
  type LoginSessionRow,
  type LoginStepName,
} from '../store/queries/login-sessions.js';

export type LoginStep = LoginStepName;

export const LOGIN_SESSION_TTL_MS = 10 * 60_000;
export const LOGIN_COOKIE = 'terarelay_login';
const COOKIE_PATH = '/api/user/login';

/** A live session: its stored row and the hash that names it. */
export interface LoginSession extends LoginSessionRow {
  readonly hash: string;
}

/** What a session cookie is written on (a Fastify reply). */
interface CookieReply {
  header(name: string, value: string): unknown;
}

const hashOf = (id: string): string => createHash('sha256').update(id, 'utf8').digest('hex');

function setCookie(reply: CookieReply, value: string, maxAgeSeconds: number): void {
  reply.header(
    'set-cookie',
    `${LOGIN_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`,
  );
}

/** Starts a session allowing `step` for the user and sets its cookie on `reply`. */
export async function beginLoginStep(
  db: Db,
  reply: CookieReply,
  idUser: number,
  step: LoginStep,
): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  await insertLoginSession(db, {
    session_hash: hashOf(id),
    id_user: idUser,
    step,
    now: Date.now(),
    ttlMs: LOGIN_SESSION_TTL_MS,
  });
  setCookie(reply, id, LOGIN_SESSION_TTL_MS / 1000);
}

/** Tells the browser to forget the session cookie. */
export function clearLoginCookie(reply: CookieReply): void {
  setCookie(reply, '', 0);
}

/** The session id in a `Cookie` header, if it carries one of the right shape. */
export function loginCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== LOGIN_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (/^[A-Za-z0-9_-]{43}$/.test(value)) return value;
  }
  return undefined;
}

/** The live session named by `id` (unknown, expired, or its user deleted: null). */
export async function findLoginSession(db: Db, id: string): Promise<LoginSession | null> {
  const hash = hashOf(id);
  const row = await loginSessionByHash(db, hash, Date.now());
  return row ? { ...row, hash } : null;
}

/** Ends a session; false when it was already gone (used or ended by another request). */
export function endLoginSession(db: Db, session: LoginSession): Promise<boolean> {
  return deleteLoginSession(db, session.hash);
}

/** Keeps the secret a 2FA set-up offered, to be confirmed on the same session. */
export function offerOtpSecret(db: Db, session: LoginSession, secret: string): Promise<void> {
  return setLoginSessionSecret(db, session.hash, secret);
}
