/**
 * Reads the `session_type` object of POST /api/user/sessiontypes as OpenTera's handler does:
 * the site and project lists, and the column values (on create, fields that are not columns
 * are ignored; on update they make OpenTera refuse the update with 500 `Database error`).
 * `id_service` 0 means none on create and "unchanged" on update. A value of the wrong type is
 * refused with 400 naming the field.
 */
import type { SessionTypeValues } from '../store/queries/admin-session-types.js';
import type { BodyResult } from './sessions-body.js';
import { isInt, isObject } from './sessions-kit.js';

const invalid = (field: string): BodyResult<never> => ({
  ok: false,
  status: 400,
  text: `Invalid value for ${field}`,
});

/** OpenTera's SessionCategoryEnum values. */
export const CATEGORIES = [1, 2, 3, 4];

/** `session_type_sites` (one object or a list) or `session_type_projects`: the ids in it. */
export function linkIds(
  st: Record<string, unknown>,
  field: 'session_type_sites' | 'session_type_projects',
  key: 'id_site' | 'id_project',
): BodyResult<number[] | undefined> {
  if (!(field in st)) return { ok: true, value: undefined };
  let items = st[field];
  if (field === 'session_type_sites' && !Array.isArray(items)) items = [items];
  if (!Array.isArray(items)) return invalid(field);
  const ids: number[] = [];
  for (const item of items) {
    if (!isObject(item) || !isInt(item[key])) return invalid(field);
    ids.push(item[key]);
  }
  return { ok: true, value: ids };
}

const LINK_FIELDS = new Set(['session_type_sites', 'session_type_projects', 'id_session_type']);

export function sessionTypeColumns(
  st: Record<string, unknown>,
  update: boolean,
): BodyResult<SessionTypeValues> {
  const out: SessionTypeValues = {};
  for (const [field, value] of Object.entries(st)) {
    if (LINK_FIELDS.has(field)) continue;
    switch (field) {
      case 'id_service':
        if (value !== null && !isInt(value)) return invalid(field);
        if (value === 0) {
          if (!update) out.id_service = null;
        } else out.id_service = value;
        break;
      case 'session_type_name':
        if (typeof value !== 'string') return invalid(field);
        out.session_type_name = value;
        break;
      case 'session_type_online':
        if (typeof value !== 'boolean') return invalid(field);
        out.session_type_online = value;
        break;
      case 'session_type_config':
        if (value !== null && typeof value !== 'string') return invalid(field);
        out.session_type_config = value;
        break;
      case 'session_type_color':
        if (typeof value !== 'string' || value.length > 7) return invalid(field);
        out.session_type_color = value;
        break;
      case 'session_type_category':
        if (!isInt(value) || !CATEGORIES.includes(value)) return invalid(field);
        out.session_type_category = value;
        break;
      default:
        if (update) return { ok: false, status: 500, text: 'Database error' };
    }
  }
  return { ok: true, value: out };
}
