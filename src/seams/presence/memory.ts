/**
 * MemoryPresence: the Presence of a single node. Per kind it keeps principal → the set of its
 * live connection ids (a Map, whose insertion order is the order principals came online: a
 * principal that goes offline is deleted and re-inserted at the end when it comes back), the
 * busy map principal → session, and each online device's last status. Nothing can go stale
 * without its owner, so `sweep()` always returns [].
 */
import type { PrincipalKind } from '../../principal.js';
import type { DeviceStatus, Presence, PrincipalRef } from './presence.js';

export class MemoryPresence implements Presence {
  private readonly connections: Record<PrincipalKind, Map<string, Set<string>>> = {
    user: new Map(),
    participant: new Map(),
    device: new Map(),
  };
  private readonly busyMap: Record<PrincipalKind, Map<string, string>> = {
    user: new Map(),
    participant: new Map(),
    device: new Map(),
  };
  private readonly statuses = new Map<string, DeviceStatus>();

  async join(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean> {
    const online = this.online_(kind);
    const ids = online.get(uuid);
    if (ids) {
      ids.add(connectionId);
      return false;
    }
    online.set(uuid, new Set([connectionId]));
    return true;
  }

  async leave(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean> {
    const online = this.online_(kind);
    const ids = online.get(uuid);
    if (!ids?.delete(connectionId) || ids.size > 0) return false;
    online.delete(uuid);
    if (kind === 'device') this.statuses.delete(uuid);
    return true;
  }

  async isOnline(kind: PrincipalKind, uuid: string): Promise<boolean> {
    return this.online_(kind).has(uuid);
  }

  async online(kind: PrincipalKind): Promise<string[]> {
    return [...this.online_(kind).keys()];
  }

  async setBusy(kind: PrincipalKind, uuid: string, sessionUuid: string): Promise<boolean> {
    const busy = this.busy_(kind);
    const current = busy.get(uuid);
    if (current !== undefined) return current === sessionUuid;
    busy.set(uuid, sessionUuid);
    return true;
  }

  async clearBusy(kind: PrincipalKind, uuid: string, sessionUuid?: string): Promise<boolean> {
    const busy = this.busy_(kind);
    if (sessionUuid !== undefined && busy.get(uuid) !== sessionUuid) return false;
    return busy.delete(uuid);
  }

  async busy(kind: PrincipalKind): Promise<Map<string, string>> {
    return new Map(this.busy_(kind));
  }

  async setDeviceStatus(uuid: string, status: DeviceStatus): Promise<boolean> {
    if (!this.online_('device').has(uuid)) return false;
    this.statuses.set(uuid, { status: status.status, timestamp: status.timestamp });
    return true;
  }

  async deviceStatuses(): Promise<Map<string, DeviceStatus>> {
    return new Map([...this.statuses].map(([uuid, s]) => [uuid, { ...s }]));
  }

  async sweep(): Promise<PrincipalRef[]> {
    return [];
  }

  async close(): Promise<void> {}

  private online_(kind: PrincipalKind): Map<string, Set<string>> {
    return this.connections[kind];
  }

  private busy_(kind: PrincipalKind): Map<string, string> {
    return this.busyMap[kind];
  }
}
