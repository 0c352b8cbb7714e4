/**
 * Reads the `session` object of POST /api/user/sessions into column values, as OpenTera's
 * `from_json` (create) and `update` do:
 * - on create, fields that are not columns are ignored; on update, any of them makes OpenTera
 *   refuse the whole update (500 `Database error`);
 * - `session_parameters` given as an object is stored as its JSON text (Python's `json.dumps`);
 * - `session_start_datetime` is ISO 8601 (`T` or space, optional fraction and offset; without
 *   an offset it is taken as UTC);
 * - a value of the wrong type is refused with 400 naming the field.
 * The member lists (`session_*_ids`) are read separately: arrays of integers.
 */
import { pythonJsonDumps } from '../protocol/python-json.js';
import type { MemberKind } from '../store/queries/admin-sessions.js';
import type { SessionUpdate } from '../store/schema.js';
import { isInt, isObject } from './sessions-kit.js';

export type BodyResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 500; text: string };

const INT_COLUMNS = ['id_session_type', 'session_duration', 'session_status'] as const;
const NULLABLE_INT_COLUMNS = [
  'id_creator_user',
  'id_creator_device',
  'id_creator_participant',
  'id_creator_service',
] as const;
const TEXT_COLUMNS = ['session_name', 'session_uuid'] as const;
const NULLABLE_TEXT_COLUMNS = ['session_comments'] as const;
const COLUMNS = new Set<string>([
  'id_session',
  ...INT_COLUMNS,
  ...NULLABLE_INT_COLUMNS,
  ...TEXT_COLUMNS,
  ...NULLABLE_TEXT_COLUMNS,
  'session_start_datetime',
  'session_parameters',
]);

/** The member list fields, by kind. */
export const MEMBER_FIELDS: Record<MemberKind, string> = {
  participant: 'session_participants_ids',
  user: 'session_users_ids',
  device: 'session_devices_ids',
};

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** An ISO 8601 date-time as the instant it names (UTC when it has no offset), or null. */
export function parseDateTime(text: string): string | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m.slice(1);
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59) return null;
  if (Number(s) > 59) return null;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    t -= sign * offset * 60_000;
  }
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const invalid = (field: string): BodyResult<never> => ({
  ok: false,
  status: 400,
  text: `Invalid value for ${field}`,
});

/**
 * The column values of `session`. `update`: fields that are not columns refuse the update as
 * OpenTera does; otherwise they are ignored.
 */
export function sessionColumns(
  session: Record<string, unknown>,
  update: boolean,
): BodyResult<SessionUpdate> {
  const out: SessionUpdate = {};
  for (const [field, value] of Object.entries(session)) {
    if (Object.values(MEMBER_FIELDS).includes(field)) continue;
    if (!COLUMNS.has(field)) {
      if (update) return { ok: false, status: 500, text: 'Database error' };
      continue;
    }
    if (field === 'id_session') continue;
    if ((INT_COLUMNS as readonly string[]).includes(field)) {
      if (!isInt(value)) return invalid(field);
      out[field as (typeof INT_COLUMNS)[number]] = value;
    } else if ((NULLABLE_INT_COLUMNS as readonly string[]).includes(field)) {
      if (value !== null && !isInt(value)) return invalid(field);
      out[field as (typeof NULLABLE_INT_COLUMNS)[number]] = value;
    } else if ((TEXT_COLUMNS as readonly string[]).includes(field)) {
      if (typeof value !== 'string') return invalid(field);
      out[field as (typeof TEXT_COLUMNS)[number]] = value;
    } else if (field === 'session_comments') {
      if (value !== null && typeof value !== 'string') return invalid(field);
      out.session_comments = value;
    } else if (field === 'session_parameters') {
      if (value === null || typeof value === 'string') out.session_parameters = value;
      else if (isObject(value)) out.session_parameters = pythonJsonDumps(value);
      else return invalid(field);
    } else if (field === 'session_start_datetime') {
      const at = typeof value === 'string' ? parseDateTime(value) : null;
      if (at === null) return invalid(field);
      out.session_start_datetime = at;
    }
  }
  return { ok: true, value: out };
}

/** The member ids given for `kind` (undefined when the field is absent). */
export function memberIds(
  session: Record<string, unknown>,
  kind: MemberKind,
): BodyResult<number[] | undefined> {
  const field = MEMBER_FIELDS[kind];
  if (!(field in session)) return { ok: true, value: undefined };
  const value = session[field];
  if (!Array.isArray(value) || !value.every(isInt)) return invalid(field);
  return { ok: true, value: value as number[] };
}
