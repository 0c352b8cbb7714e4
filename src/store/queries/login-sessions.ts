/**
 * The login flows' statements: half-logged-in sessions (`terarelay_login_sessions`, by the
 * SHA-256 of their id; times in epoch ms) and the two user writes those flows end with (a new
 * password, 2FA turned on). Rows carry secrets (a pending OTP secret, password hashes):
 * callers never log them.
 */
import type { Db } from '../connect.js';
import type { LoginSessionsTable } from '../schema.js';

export type LoginStepName = LoginSessionsTable['step'];

export interface LoginSessionRow {
  readonly id_user: number;
  readonly user_uuid: string;
  readonly step: LoginStepName;
  readonly otp_secret: string | null;
  readonly expires_at: number;
}

/** Records a session; first forgets every session expired at `now`. */
export async function insertLoginSession(
  db: Db,
  row: { session_hash: string; id_user: number; step: LoginStepName; now: number; ttlMs: number },
): Promise<void> {
  await db.kysely
    .deleteFrom('terarelay_login_sessions')
    .where('expires_at', '<=', row.now)
    .execute();
  await db.kysely
    .insertInto('terarelay_login_sessions')
    .values({
      session_hash: row.session_hash,
      id_user: row.id_user,
      step: row.step,
      otp_secret: null,
      created_at: row.now,
      expires_at: row.now + row.ttlMs,
    })
    .execute();
}

/** The session with this hash still valid at `now`, with its user's uuid (deleted users: none). */
export async function loginSessionByHash(
  db: Db,
  sessionHash: string,
  now: number,
): Promise<LoginSessionRow | null> {
  const row = await db.kysely
    .selectFrom('terarelay_login_sessions as s')
    .innerJoin('t_users as u', 'u.id_user', 's.id_user')
    .select(['s.id_user', 'u.user_uuid', 's.step', 's.otp_secret', 's.expires_at'])
    .where('s.session_hash', '=', sessionHash)
    .where('s.expires_at', '>', now)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  return row ?? null;
}

/** Keeps the secret a 2FA set-up offered on its session. */
export async function setLoginSessionSecret(
  db: Db,
  sessionHash: string,
  otpSecret: string,
): Promise<void> {
  await db.kysely
    .updateTable('terarelay_login_sessions')
    .set({ otp_secret: otpSecret })
    .where('session_hash', '=', sessionHash)
    .execute();
}

/** Ends a session; true when it still existed (so two nodes cannot both use it). */
export async function deleteLoginSession(db: Db, sessionHash: string): Promise<boolean> {
  const result = await db.kysely
    .deleteFrom('terarelay_login_sessions')
    .where('session_hash', '=', sessionHash)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Sets a user's password hash and lifts the forced change. */
export async function setUserPassword(db: Db, idUser: number, hash: string): Promise<void> {
  await db.kysely
    .updateTable('t_users')
    .set({ user_password: hash, user_force_password_change: false })
    .where('id_user', '=', idUser)
    .execute();
}

/** Turns 2FA by OTP on for a user, with its secret. */
export async function enableUserOtp(
  db: Db,
  idUser: number,
  otpSecret: string,
  withEmail: boolean,
): Promise<void> {
  await db.kysely
    .updateTable('t_users')
    .set({
      user_2fa_enabled: true,
      user_2fa_otp_enabled: true,
      user_2fa_otp_secret: otpSecret,
      user_2fa_email_enabled: withEmail,
    })
    .where('id_user', '=', idUser)
    .execute();
}

/**
 * Records that the user's 2FA code of time step `step` was used, unless a code of that step or
 * a later one already was: true when recorded (the code is accepted), false for a replay. One
 * atomic statement, so that two nodes given the same code accept it once.
 */
export async function acceptOtpStep(db: Db, idUser: number, step: number): Promise<boolean> {
  const r = await db.kysely
    .insertInto('terarelay_otp_steps')
    .values({ id_user: idUser, last_step: step })
    .onConflict((oc) =>
      oc
        .column('id_user')
        .doUpdateSet({ last_step: step })
        .where('terarelay_otp_steps.last_step', '<', step),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}
