/**
 * The SQL behind the user API's user groups (`/api/user/usergroups`) and memberships
 * (`/api/user/users/usergroups`): group inserts, renames and soft deletes, and membership reads
 * and writes. Functions take a Kysely instance so that a write and its checks share one
 * transaction.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

type K = Kysely<Database>;

export async function insertGroup(k: K, name: string): Promise<number> {
  const row = await k
    .insertInto('t_users_groups')
    .values({ user_group_name: name })
    .returning('id_user_group')
    .executeTakeFirstOrThrow();
  return row.id_user_group;
}

export async function renameGroup(k: K, id: number, name: string): Promise<void> {
  await k
    .updateTable('t_users_groups')
    .set({ user_group_name: name })
    .where('id_user_group', '=', id)
    .execute();
}

export async function softDeleteGroup(k: K, id: number, at: string): Promise<void> {
  await k
    .updateTable('t_users_groups')
    .set({ deleted_at: at })
    .where('id_user_group', '=', id)
    .where('deleted_at', 'is', null)
    .execute();
}

export interface Membership {
  id_user_user_group: number;
  id_user: number;
  id_user_group: number;
}

/** A membership by id, with its user's uuid. */
export function membershipById(
  k: K,
  id: number,
): Promise<(Membership & { user_uuid: string }) | undefined> {
  return k
    .selectFrom('t_users_users_groups as uug')
    .innerJoin('t_users as u', 'u.id_user', 'uug.id_user')
    .select(['uug.id_user_user_group', 'uug.id_user', 'uug.id_user_group', 'u.user_uuid'])
    .where('uug.id_user_user_group', '=', id)
    .executeTakeFirst();
}

/** The membership of a user in a group, if any. */
export function membershipOf(
  k: K,
  userId: number,
  groupId: number,
): Promise<Membership | undefined> {
  return k
    .selectFrom('t_users_users_groups')
    .select(['id_user_user_group', 'id_user', 'id_user_group'])
    .where('id_user', '=', userId)
    .where('id_user_group', '=', groupId)
    .orderBy('id_user_user_group')
    .executeTakeFirst();
}

export async function insertMembership(k: K, userId: number, groupId: number): Promise<number> {
  const row = await k
    .insertInto('t_users_users_groups')
    .values({ id_user: userId, id_user_group: groupId })
    .returning('id_user_user_group')
    .executeTakeFirstOrThrow();
  return row.id_user_user_group;
}

export async function deleteMembership(k: K, id: number): Promise<void> {
  await k.deleteFrom('t_users_users_groups').where('id_user_user_group', '=', id).execute();
}
