/**
 * Presence: who is online (by counted connections), who is busy in which session, and the last
 * status of each online device. The UserManagerModule's registries, made safe:
 * a principal is online while at least one of its connections is live anywhere, so a second
 * connection's close never marks it offline.
 *
 * Contract:
 * - `join`/`leave` are atomic: exactly one caller sees `true` for a principal coming online,
 *   and exactly one sees `true` for it going offline;
 * - `leave` of an unknown connection id is a no-op that returns false;
 * - busy is independent of online (one may be invited while offline); `setBusy` keeps the
 *   first session (returns false if already busy in another); `clearBusy(…, session)` clears
 *   only if the stored session matches, `clearBusy(…)` without a session always clears;
 * - device status is settable only while the device is online and is cleared when it goes
 *   offline;
 * - `sweep` removes the entries of connections whose owner stopped refreshing them (a dead
 *   node) and returns the principals that thereby went offline; the memory implementation
 *   never has such entries.
 */
import type { PrincipalKind } from '../../principal.js';

export interface DeviceStatus {
  /** The status object as a JSON string, as stored by OpenTera. */
  status: string;
  /** Unix seconds, as sent by the device. */
  timestamp: number;
}

export interface PrincipalRef {
  kind: PrincipalKind;
  uuid: string;
}

export interface Presence {
  join(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean>;
  leave(kind: PrincipalKind, uuid: string, connectionId: string): Promise<boolean>;
  isOnline(kind: PrincipalKind, uuid: string): Promise<boolean>;
  /** Online uuids of one kind, in the order they came online. */
  online(kind: PrincipalKind): Promise<string[]>;
  setBusy(kind: PrincipalKind, uuid: string, sessionUuid: string): Promise<boolean>;
  clearBusy(kind: PrincipalKind, uuid: string, sessionUuid?: string): Promise<boolean>;
  /** uuid → session uuid. */
  busy(kind: PrincipalKind): Promise<Map<string, string>>;
  setDeviceStatus(uuid: string, status: DeviceStatus): Promise<boolean>;
  deviceStatuses(): Promise<Map<string, DeviceStatus>>;
  sweep(): Promise<PrincipalRef[]>;
  close(): Promise<void>;
}
