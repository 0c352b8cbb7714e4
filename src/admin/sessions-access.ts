/**
 * OpenTera's access rules for sessions (`DBManagerTeraUserAccess`), over the caller's access
 * sets (src/access/access.ts):
 * - a session is the caller's to read or update when the caller created it, is one of its
 *   users, or may access the project OpenTera associates with it (`query_session`);
 * - listed members (ids) must all be accessible: participants and devices from the access sets,
 *   users from the access sets, plus, for a delete, the site admins of the accessible projects'
 *   sites (`get_accessible_users_ids(include_site_access=True)`).
 */
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { Database } from '../store/schema.js';
import {
  isSessionUser,
  memberUuids,
  sessionProjectId,
  siteAdminUserUuids,
  type MemberKind,
  type SessionRow,
} from '../store/queries/admin-sessions.js';

type K = Kysely<Database>;

export async function canAccessSession(
  k: K,
  access: UserAccess,
  session: SessionRow,
): Promise<boolean> {
  if (session.id_creator_user === access.userId) return true;
  if (await isSessionUser(k, session.id_session, access.userId)) return true;
  const project = await sessionProjectId(k, session);
  return project !== null && access.projectIds.has(project);
}

/** The uuids among which members of `kind` must be, for an update (or a delete: `forDelete`). */
export async function accessibleUuids(
  k: K,
  access: UserAccess,
  kind: MemberKind,
  forDelete = false,
): Promise<ReadonlySet<string>> {
  switch (kind) {
    case 'participant':
      return access.participantUuids;
    case 'device':
      return access.deviceUuids;
    case 'user':
      if (!forDelete || access.superadmin) return access.userUuids;
      return new Set([
        ...access.userUuids,
        ...(await siteAdminUserUuids(k, [...access.projectIds])),
      ]);
  }
}

/** True when every id names a non-deleted member of `kind` whose uuid is in `allowed`. */
export async function allAccessible(
  k: K,
  kind: MemberKind,
  ids: readonly number[],
  allowed: ReadonlySet<string>,
): Promise<boolean> {
  if (ids.length === 0) return true;
  const uuids = await memberUuids(k, kind, ids);
  return ids.every((id) => {
    const uuid = uuids.get(id);
    return uuid !== undefined && allowed.has(uuid);
  });
}

/** OpenTera's 403 texts when a member of `kind` is not accessible. */
export const NO_MEMBER_ACCESS: Record<MemberKind, string> = {
  participant: "User doesn't have access to at least one participant of that session.",
  user: "User doesn't have access to at least one user of that session.",
  device: "User doesn't have access to at least one device of that session.",
};
