/**
 * Looks principals up by uuid: who a uuid names, whether it is enabled, and the extra fields
 * events carry (a participant's project and site names, a device's onlineable flag).
 * Stateless: every call reads the database. Deleted rows are never found.
 */
import type { Db } from '../store/connect.js';
import type { Principal, PrincipalKind } from '../principal.js';
import {
  principalDevices,
  principalParticipants,
  principalUsers,
} from '../store/queries/principals.js';

export interface PrincipalRecord extends Principal {
  /** user_enabled / participant_enabled / device_enabled. */
  readonly enabled: boolean;
  /** Participants only: the name of the participant's project and of its site. */
  readonly projectName?: string;
  readonly siteName?: string;
  /** Devices only: device_onlineable (may open a websocket). */
  readonly onlineable?: boolean;
}

export class PrincipalStore {
  constructor(private readonly db: Db) {}

  /** The non-deleted principal of that kind and uuid, or null. */
  async find(kind: PrincipalKind, uuid: string): Promise<PrincipalRecord | null> {
    const found = await this.findMany(kind, [uuid]);
    return found.get(uuid) ?? null;
  }

  /**
   * The non-deleted principals among `uuids`, keyed by uuid (unknown ones are absent), in
   * one query (none for an empty list).
   */
  async findMany(
    kind: PrincipalKind,
    uuids: readonly string[],
  ): Promise<Map<string, PrincipalRecord>> {
    const out = new Map<string, PrincipalRecord>();
    const wanted = [...new Set(uuids)];
    if (wanted.length === 0) return out;
    switch (kind) {
      case 'user': {
        const rows = await principalUsers(this.db, wanted);
        for (const r of rows) {
          out.set(r.user_uuid, {
            kind,
            uuid: r.user_uuid,
            id: r.id_user,
            name: `${r.user_firstname} ${r.user_lastname}`,
            enabled: r.user_enabled,
          });
        }
        break;
      }
      case 'participant': {
        const rows = await principalParticipants(this.db, wanted);
        for (const r of rows) {
          out.set(r.participant_uuid, {
            kind,
            uuid: r.participant_uuid,
            id: r.id_participant,
            name: r.participant_name,
            enabled: r.participant_enabled,
            projectName: r.project_name,
            siteName: r.site_name,
          });
        }
        break;
      }
      case 'device': {
        const rows = await principalDevices(this.db, wanted);
        for (const r of rows) {
          out.set(r.device_uuid, {
            kind,
            uuid: r.device_uuid,
            id: r.id_device,
            name: r.device_name,
            enabled: r.device_enabled,
            onlineable: r.device_onlineable,
          });
        }
        break;
      }
    }
    return out;
  }
}
