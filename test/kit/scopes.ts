/**
 * Filters for hub members made in tests: a scope that passes every event, holding an access that
 * sees no other principal (so that the hub's audience index files it under no set).
 */
import type { AccessSets } from '../../src/access/access.js';
import type { HubMember } from '../../src/realtime/hub.js';
import type { PrincipalKind } from '../../src/principal.js';

/** Access that sees nothing but the principal itself. */
export function ownAccess(kind: PrincipalKind, uuid: string): AccessSets {
  const none = new Set<string>();
  if (kind === 'device') return { kind, deviceId: 0, deviceUuid: uuid, participantUuids: none };
  if (kind === 'participant')
    return { kind, participantId: 0, participantUuid: uuid, deviceUuids: none };
  const tier = {
    siteIds: new Set<number>(),
    projectIds: new Set<number>(),
    participantUuids: none,
    deviceUuids: none,
    userUuids: new Set([uuid]),
  };
  return {
    kind,
    userId: 0,
    userUuid: uuid,
    superadmin: false,
    ...tier,
    projectRoles: new Map(),
    siteRoles: new Map(),
    admin: tier,
  };
}

/** A scope that accepts every event its member is asked about. */
export function acceptAll(kind: PrincipalKind, uuid: string): HubMember['scope'] {
  let access = ownAccess(kind, uuid);
  return {
    accepts: () => true,
    get access() {
      return access;
    },
    update(next) {
      access = next;
    },
  };
}
