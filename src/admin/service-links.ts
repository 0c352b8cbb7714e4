/** What the service-project and service-site lists share: an entry's service part and roles. */
import type { serviceRoles } from '../store/queries/admin-services.js';

export interface LinkEntry {
  id_service: number | null;
  service_name: string | null;
  service_key: string | null;
  service_system: boolean | null;
}

type RoleRow = Awaited<ReturnType<typeof serviceRoles>>[number];

/** The roles of one service, without their `id_service` (OpenTera's `with_roles` form). */
export function rolesJson(roles: readonly RoleRow[], serviceId: number | null) {
  return roles
    .filter((r) => r.id_service === serviceId)
    .map(({ id_service: _id, ...role }) => role);
}
