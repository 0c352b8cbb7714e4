/**
 * Which services a user reaches, as OpenTera 1.3 decides: a superadmin, every service; another
 * user, the services enabled in one of its projects or on a site it administers.
 */
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { Database } from '../store/schema.js';
import { queryServices, reachableServiceIds } from '../store/queries/admin-services.js';

export const OPENTERA_SERVICE_KEY = 'OpenTeraServer';

export async function accessibleServiceIds(
  k: Kysely<Database>,
  access: UserAccess,
): Promise<Set<number>> {
  if (access.superadmin) return new Set((await queryServices(k)).map((s) => s.id_service));
  const adminSites = [...access.siteRoles].filter(([, r]) => r === 'admin').map(([id]) => id);
  return new Set(await reachableServiceIds(k, [...access.projectIds], adminSites));
}

/** Python's sort by a string key (code point order). */
export function byKey<T>(rows: T[], key: (row: T) => string | null): T[] {
  return rows.sort((a, b) => {
    const x = key(a) ?? '';
    const y = key(b) ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
