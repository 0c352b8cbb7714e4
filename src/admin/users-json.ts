/**
 * A user as OpenTera's `TeraUser.to_json` shows it: every column but the password hash and the
 * OTP secret, plus `user_name` (first and last name); the minimal form keeps who the user is
 * and whether it is enabled. The minimal form is also what a user's DatabaseEvent carries.
 */
import type { UserRow } from '../store/queries/admin-users.js';

export type MinimalUserJson = {
  id_user: number;
  user_uuid: string;
  user_firstname: string;
  user_lastname: string;
  user_enabled: boolean;
  user_name: string;
};

export type UserJson = MinimalUserJson &
  Partial<Omit<UserRow, keyof MinimalUserJson>> &
  Record<string, unknown>;

export const userFullName = (u: Pick<UserRow, 'user_firstname' | 'user_lastname'>): string =>
  `${u.user_firstname} ${u.user_lastname}`;

export function minimalUserJson(u: UserRow): MinimalUserJson {
  return {
    id_user: u.id_user,
    user_uuid: u.user_uuid,
    user_firstname: u.user_firstname,
    user_lastname: u.user_lastname,
    user_enabled: u.user_enabled,
    user_name: userFullName(u),
  };
}

export function userJson(u: UserRow, minimal = false): UserJson {
  if (minimal) return minimalUserJson(u);
  return {
    id_user: u.id_user,
    user_uuid: u.user_uuid,
    user_username: u.user_username,
    user_email: u.user_email,
    user_firstname: u.user_firstname,
    user_lastname: u.user_lastname,
    user_profile: u.user_profile,
    user_enabled: u.user_enabled,
    user_notes: u.user_notes,
    user_lastonline: u.user_lastonline,
    user_superadmin: u.user_superadmin,
    user_2fa_enabled: u.user_2fa_enabled,
    user_2fa_otp_enabled: u.user_2fa_otp_enabled,
    user_2fa_email_enabled: u.user_2fa_email_enabled,
    user_force_password_change: u.user_force_password_change,
    user_name: userFullName(u),
  };
}
