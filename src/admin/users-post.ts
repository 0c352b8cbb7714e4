/**
 * POST /api/user/users: creates (`id_user` 0) or updates a user, as OpenTera does.
 *
 * Who may: a superadmin, anyone; a user, itself; a site admin, a user holding a role on one of
 * the sites it administers. Creating needs superadmin, or `user_user_groups` (all of them
 * groups the caller administers). Only a superadmin sets `user_superadmin` (the field is
 * dropped for others). `user_user_groups` sets the groups: on a new user, exactly those; on an
 * existing one, the posted groups are added and the caller's other administered groups
 * removed, leaving groups the caller does not administer untouched (a superadmin's own groups
 * are never changed). The username never changes; passwords must be strong (users-password.ts)
 * and, on an update, differ from the current one; they are hashed off the event loop and never
 * returned. The write and its checks run in one transaction; then DatabaseEvents are published
 * (`user`, and `user_user_group` per membership added or removed).
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import { apiUser, type ApiContext } from '../http/context.js';
import { sendJson, sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { BASIC_OR_TOKEN } from '../http/schemas.js';
import {
  addMembership,
  existingGroupIds,
  insertUser,
  membershipsOfUser,
  queryUsers,
  removeMembership,
  updateUser,
  userForUpdate,
  usernameTaken,
} from '../store/queries/admin-users.js';
import type { Database, UserUpdate } from '../store/schema.js';
import { publishDatabaseEvent } from './events.js';
import { missingRequired, pythonList, readUserBody, type UserFields } from './users-body.js';
import { accessibleGroupIds, loadGroupRoles, userSiteIds } from './users-access.js';
import { minimalUserJson, userJson } from './users-json.js';
import { passwordWeaknesses, weaknessesText } from './users-password.js';
import { UserPostBody, UsersPostResponses } from './users-schemas.js';

type K = Kysely<Database>;

/** An answer decided inside the transaction: it rolls the transaction back. */
class Refusal {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {}
}

interface MembershipChange {
  change: 'create' | 'delete';
  id_user_user_group: number;
  id_user: number;
  id_user_group: number;
}

export function usersPostRoute(ctx: ApiContext): Route {
  return defineRoute({
    method: 'POST',
    url: '/api/user/users',
    tags: ['user'],
    security: BASIC_OR_TOKEN,
    summary: 'Create (id_user 0) or update a user',
    description:
      'Superadmins, the user itself, and admins of a site where the user holds a role may ' +
      'update; superadmins, and admins of every group in user_user_groups, may create.',
    body: UserPostBody,
    response: UsersPostResponses,
    authenticate: (request) => apiUser(ctx, request),
    handle: async ({ request, reply, caller }) => {
      const body = readUserBody(request.body);
      if ('error' in body) return sendText(reply, 400, body.error);
      const access = await ctx.deps.access.userAccess(caller.account.uuid);
      if (!access) return sendText(reply, 403, 'Forbidden');
      const k = ctx.deps.db.kysely;
      const groups = await loadGroupRoles(k);
      const adminGroups = new Set(accessibleGroupIds(access, groups, { adminOnly: true }));
      if (body.groupIds?.some((g) => !adminGroups.has(g)))
        return sendText(reply, 403, 'No access for at a least one user group in the list');

      const fields: UserFields = { ...body.fields };
      if (!access.superadmin) delete fields.user_superadmin;
      const creating = body.idUser === 0;
      if (creating && !access.superadmin && body.groupIds === undefined)
        return sendText(reply, 403, 'Forbidden');
      if (!creating && body.idUser !== access.userId) {
        const target = await userForUpdate(k, body.idUser);
        if (!target) return sendText(reply, 400, '');
        if (!access.superadmin) {
          const sites = await userSiteIds(k, groups, target);
          const adminSites = [...access.siteRoles].filter(([, r]) => r === 'admin');
          if (!adminSites.some(([site]) => sites.has(site)))
            return sendText(reply, 403, 'Forbidden');
        }
      }

      const prepared = creating
        ? await prepareCreate(k, fields)
        : await prepareUpdate(k, body.idUser, fields);
      if (prepared instanceof Refusal) return sendText(reply, prepared.status, prepared.text);

      let result: { id: number; memberships: MembershipChange[] };
      try {
        result = await k.transaction().execute(async (trx) => {
          const id = creating
            ? await createIn(trx, prepared)
            : await updateIn(trx, body.idUser, prepared);
          const memberships =
            body.groupIds === undefined
              ? []
              : await setGroups(trx, id, body.groupIds, adminGroups, creating);
          return { id, memberships };
        });
      } catch (err) {
        if (err instanceof Refusal) return sendText(reply, err.status, err.text);
        throw err;
      }

      const [saved] = await queryUsers(k, { ids: [result.id] });
      if (!saved) return sendText(reply, 500, 'Database error');
      await publishDatabaseEvent(
        ctx.deps,
        'user',
        creating ? 'create' : 'update',
        minimalUserJson(saved),
      );
      for (const { change, ...m } of result.memberships)
        await publishDatabaseEvent(ctx.deps, 'user_user_group', change, m);
      return sendJson(reply, 200, [userJson(saved)]);
    },
  });
}

/** The checks of a new user that need no transaction, and its password hash. */
async function prepareCreate(k: K, fields: UserFields): Promise<UserUpdate | Refusal> {
  const missing = missingRequired(fields);
  if (missing.length > 0)
    return new Refusal(400, `Missing required fields: ${pythonList(missing)}`);
  const password = fields.user_password;
  if (password === null || password === undefined || password === '')
    return new Refusal(400, 'Invalid password');
  if (await usernameTaken(k, fields.user_username!))
    return new Refusal(409, 'Username unavailable.');
  const weak = passwordWeaknesses(password);
  if (weak.length > 0) return new Refusal(400, weaknessesText(weak));
  return { ...fields, user_password: await hashPassword(password) };
}

/** The checks of an update that need no transaction, and the new password's hash. */
async function prepareUpdate(k: K, id: number, fields: UserFields): Promise<UserUpdate | Refusal> {
  if ('user_username' in fields) return new Refusal(400, "Username can't be modified");
  const { user_password: password, ...rest } = fields;
  if (password === undefined || password === null || password === '') return rest;
  const weak = passwordWeaknesses(password);
  if (weak.length > 0) return new Refusal(400, weaknessesText(weak));
  const current = await userForUpdate(k, id);
  if (current && (await verifyPassword(password, current.user_password)))
    return new Refusal(400, 'New password same as old password');
  return { ...rest, user_password: await hashPassword(password) };
}

async function createIn(trx: K, values: UserUpdate): Promise<number> {
  if (await usernameTaken(trx, values.user_username!))
    throw new Refusal(409, 'Username unavailable.');
  return insertUser(trx, {
    user_username: values.user_username!,
    user_password: values.user_password!,
    user_firstname: values.user_firstname!,
    user_lastname: values.user_lastname!,
    user_enabled: values.user_enabled!,
    user_profile: values.user_profile!,
    user_email: values.user_email ?? null,
    user_notes: values.user_notes ?? null,
    user_superadmin: values.user_superadmin ?? false,
    user_uuid: randomUUID(),
    user_lastonline: null,
    user_2fa_otp_secret: values.user_2fa_otp_secret ?? null,
    deleted_at: null,
    ...pick(values, [
      'user_2fa_enabled',
      'user_2fa_otp_enabled',
      'user_2fa_email_enabled',
      'user_force_password_change',
    ]),
  });
}

async function updateIn(trx: K, id: number, values: UserUpdate): Promise<number> {
  if (!(await userForUpdate(trx, id))) throw new Refusal(400, '');
  await updateUser(trx, id, values);
  return id;
}

/**
 * Sets the groups of user `id` (not of a superadmin): a new user gets exactly `posted`; an
 * existing one gains the posted groups it lacks and loses the caller's administered groups
 * that were not posted.
 */
async function setGroups(
  trx: K,
  id: number,
  posted: readonly number[],
  adminGroups: ReadonlySet<number>,
  creating: boolean,
): Promise<MembershipChange[]> {
  const [user] = await queryUsers(trx, { ids: [id] });
  if (!user || user.user_superadmin) return [];
  const wanted = new Set(await existingGroupIds(trx, posted));
  const current = await membershipsOfUser(trx, id);
  const changes: MembershipChange[] = [];
  for (const m of current) {
    if (wanted.has(m.id_user_group) || (!creating && !adminGroups.has(m.id_user_group))) continue;
    await removeMembership(trx, m.id_user_user_group);
    changes.push({ change: 'delete', ...membership(m) });
  }
  const have = new Set(current.map((m) => m.id_user_group));
  for (const group of wanted) {
    if (have.has(group)) continue;
    const mid = await addMembership(trx, id, group);
    changes.push({ change: 'create', id_user_user_group: mid, id_user: id, id_user_group: group });
  }
  return changes;
}

const membership = (m: { id_user_user_group: number; id_user: number; id_user_group: number }) => ({
  id_user_user_group: m.id_user_user_group,
  id_user: m.id_user,
  id_user_group: m.id_user_group,
});

function pick<T extends object, F extends keyof T>(o: T, keys: readonly F[]): Partial<Pick<T, F>> {
  const out: Partial<Pick<T, F>> = {};
  for (const key of keys) if (o[key] !== undefined) out[key] = o[key];
  return out;
}
