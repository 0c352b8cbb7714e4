/**
 * Reads the `user` object of a POST /api/user/users body into typed values, refusing (400) a
 * field of the wrong type or one that is not a user column. Fields OpenTera derives or never
 * lets a client change (`user_uuid`, `user_name`, `user_lastonline`) are ignored.
 */

export interface UserFields {
  user_username?: string;
  /** null or '' on an update: keep the current password. */
  user_password?: string | null;
  user_firstname?: string;
  user_lastname?: string;
  user_email?: string | null;
  user_enabled?: boolean;
  user_profile?: string;
  user_notes?: string | null;
  user_superadmin?: boolean;
  user_2fa_enabled?: boolean;
  user_2fa_otp_enabled?: boolean;
  user_2fa_email_enabled?: boolean;
  user_2fa_otp_secret?: string | null;
  user_force_password_change?: boolean;
}

export interface UserBody {
  idUser: number;
  fields: UserFields;
  /** The group ids of `user_user_groups`, when given. */
  groupIds?: number[];
}

type Kind = 'string' | 'nullable-string' | 'boolean' | 'profile';

const FIELD_KINDS: Record<keyof UserFields, Kind> = {
  user_username: 'string',
  user_password: 'nullable-string',
  user_firstname: 'string',
  user_lastname: 'string',
  user_email: 'nullable-string',
  user_enabled: 'boolean',
  user_profile: 'profile',
  user_notes: 'nullable-string',
  user_superadmin: 'boolean',
  user_2fa_enabled: 'boolean',
  user_2fa_otp_enabled: 'boolean',
  user_2fa_email_enabled: 'boolean',
  user_2fa_otp_secret: 'nullable-string',
  user_force_password_change: 'boolean',
};

const IGNORED = new Set([
  'id_user',
  'user_uuid',
  'user_name',
  'user_lastonline',
  'user_user_groups',
]);

/** The longest username (the column's size). */
export const MAX_USERNAME_LENGTH = 50;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function accepts(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'nullable-string':
      return v === null || typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'profile':
      return typeof v === 'string' || isObject(v);
  }
}

/** The user of a POST body, or OpenTera's 400 text. */
export function readUserBody(body: unknown): UserBody | { error: string } {
  if (!isObject(body) || !isObject(body.user)) return { error: 'Missing user' };
  const user = body.user;
  if (!('id_user' in user)) return { error: 'Missing id_user' };
  const idUser = user.id_user;
  if (typeof idUser !== 'number' || !Number.isSafeInteger(idUser) || idUser < 0)
    return { error: 'Invalid id_user' };
  const fields: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(user)) {
    if (IGNORED.has(key)) continue;
    const kind = FIELD_KINDS[key as keyof UserFields] as Kind | undefined;
    if (!kind) {
      unknown.push(key);
      continue;
    }
    if (!accepts(kind, value)) return { error: `Invalid value for ${key}` };
    fields[key] = kind === 'profile' && isObject(value) ? JSON.stringify(value) : value;
  }
  if (unknown.length > 0) return { error: `Unknown fields: ${unknown.join(', ')}` };
  const username = fields.user_username;
  if (typeof username === 'string' && [...username].length > MAX_USERNAME_LENGTH)
    return { error: `Invalid value for user_username` };
  if (!('user_user_groups' in user)) return { idUser, fields: fields as UserFields };
  const groups = user.user_user_groups;
  if (
    !Array.isArray(groups) ||
    !groups.every((g) => isObject(g) && Number.isSafeInteger(g.id_user_group))
  )
    return { error: 'Invalid user_user_groups' };
  return {
    idUser,
    fields: fields as UserFields,
    groupIds: groups.map((g) => (g as { id_user_group: number }).id_user_group),
  };
}

/** OpenTera's required fields of a new user that `fields` lacks (a column without a default). */
export function missingRequired(fields: UserFields): string[] {
  const required = [
    'user_enabled',
    'user_firstname',
    'user_lastname',
    'user_password',
    'user_profile',
    'user_username',
  ] as const;
  return required.filter((f) => !(f in fields));
}

/** Python's `str()` of a list of strings: `['a', 'b']`. */
export const pythonList = (items: readonly string[]): string =>
  `[${items.map((s) => `'${s}'`).join(', ')}]`;
