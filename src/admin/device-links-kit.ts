/**
 * What the /api/user/device{projects,sites,participants} routes share: the documented shape of
 * a link item, `device_available` (a device no participant the caller may see is linked to),
 * and reading the ids out of a POST body's lists.
 */
import Type from 'typebox';
import type { Kysely } from 'kysely';
import type { UserAccess } from '../access/access.js';
import type { Database } from '../store/schema.js';
import { deviceParticipantLinks } from '../store/queries/admin-devices.js';
import { bodyObject, isId, Nullable, type Json } from './participants-kit.js';

/** Device id → whether no participant the caller may see is linked to it. */
export async function deviceAvailability(
  k: Kysely<Database>,
  access: UserAccess,
  devices: number[],
): Promise<Map<number, boolean>> {
  const links = await deviceParticipantLinks(k, { devices });
  const taken = new Set(
    links.filter((l) => access.participantUuids.has(l.participant_uuid)).map((l) => l.id_device),
  );
  return new Map(devices.map((d) => [d, !taken.has(d)]));
}

/** The `key` ids of a list of objects (`[{id_site: 1}, …]`), or null when malformed. */
export function idsOf(list: unknown, key: string): number[] | null {
  if (!Array.isArray(list)) return null;
  const ids = list.map((e) => bodyObject(e)?.[key]);
  return ids.every(isId) ? ids : null;
}

/** The posted link objects: one object or a list of them, or null. */
export function linkObjects(value: unknown): Json[] | null {
  const list = Array.isArray(value) ? value : [value];
  const objects = list.map(bodyObject);
  return objects.every((o): o is Json => o !== null) ? objects : null;
}

/** A link item: the link's ids (null id: not linked yet), and names unless `list`. */
export const linkItem = (
  idKey: string,
  otherKey: string,
  extra: Record<string, ReturnType<typeof Type.Optional>>,
) =>
  Type.Object(
    {
      [idKey]: Nullable(Type.Integer({ description: 'null: not linked (with_* listings)' })),
      id_device: Type.Integer(),
      [otherKey]: Type.Integer(),
      ...extra,
    },
    { additionalProperties: false },
  );
