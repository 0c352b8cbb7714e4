/**
 * When a DatabaseEvent about a user, participant or device ends that principal's right to a
 * websocket: DB_DELETE, or DB_UPDATE/DB_CREATE whose `object_value` JSON says
 * `<kind>_enabled: false` or carries a non-null `deleted_at` (soft delete).
 */
import type { PrincipalKind } from '../principal.js';
import { DatabaseEvent_EventType, type DatabaseEvent } from '../protocol/messages.js';

/** The uuid of the principal to disconnect, or null. Never throws. */
export function revokedPrincipal(kind: PrincipalKind, event: DatabaseEvent): string | null {
  let value: unknown;
  try {
    value = JSON.parse(event.objectValue);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  const uuid = fields[`${kind}_uuid`];
  if (typeof uuid !== 'string' || uuid === '') return null;
  if (event.type === DatabaseEvent_EventType.DB_DELETE) return uuid;
  const disabled = fields[`${kind}_enabled`] === false;
  const deleted = fields.deleted_at !== undefined && fields.deleted_at !== null;
  return disabled || deleted ? uuid : null;
}
