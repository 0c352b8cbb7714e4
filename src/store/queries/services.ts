/**
 * Services (`t_services`, not deleted): by `service_key` for the `service-token` command (the
 * uuid a service token names and whether the service is enabled), and by uuid for
 * authenticating a service's calls (enabled).
 */
import type { Db } from '../connect.js';

/** The service with that key, or undefined. */
export function serviceByKey(
  db: Db,
  serviceKey: string,
): Promise<{ id_service: number; service_uuid: string; service_enabled: boolean } | undefined> {
  return db.kysely
    .selectFrom('t_services')
    .select(['id_service', 'service_uuid', 'service_enabled'])
    .where('service_key', '=', serviceKey)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The enabled, non-deleted service with that uuid, or undefined. */
export function enabledService(
  db: Db,
  serviceUuid: string,
): Promise<{ id_service: number } | undefined> {
  return db.kysely
    .selectFrom('t_services')
    .select('id_service')
    .where('service_uuid', '=', serviceUuid)
    .where('service_enabled', '=', true)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}
