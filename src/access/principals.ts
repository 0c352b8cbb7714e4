/**
 * Looks principals up by uuid: who a uuid names, whether it is enabled, and the extra fields
 * events carry (a participant's project and site names, a device's onlineable flag).
 * Stateless: every call reads the database. Deleted rows are never found.
 *
 * The by-uuid lookups are written once here (`usersByUuid`, `participantsByUuid`,
 * `devicesByUuid`); other readers of the same rows (the REST online lists) pick their own
 * columns and order from them.
 */
import type { Db } from '../store/connect.js';
import type { Principal, PrincipalKind } from '../principal.js';

export interface PrincipalRecord extends Principal {
  /** user_enabled / participant_enabled / device_enabled. */
  readonly enabled: boolean;
  /** Participants only: the name of the participant's project and of its site. */
  readonly projectName?: string;
  readonly siteName?: string;
  /** Devices only: device_onlineable (may open a websocket). */
  readonly onlineable?: boolean;
}

type Kysely = Db['kysely'];

/** The non-deleted users among `uuids` (not empty: SQL has no empty IN list). */
export const usersByUuid = (k: Kysely, uuids: readonly string[]) =>
  k.selectFrom('t_users').where('user_uuid', 'in', uuids).where('deleted_at', 'is', null);

/** The non-deleted participants among `uuids` (not empty), joined to project `pr` and site `s`. */
export const participantsByUuid = (k: Kysely, uuids: readonly string[]) =>
  k
    .selectFrom('t_participants as p')
    .innerJoin('t_projects as pr', 'pr.id_project', 'p.id_project')
    .innerJoin('t_sites as s', 's.id_site', 'pr.id_site')
    .where('p.participant_uuid', 'in', uuids)
    .where('p.deleted_at', 'is', null);

/** The non-deleted devices among `uuids` (not empty). */
export const devicesByUuid = (k: Kysely, uuids: readonly string[]) =>
  k.selectFrom('t_devices').where('device_uuid', 'in', uuids).where('deleted_at', 'is', null);

/** A device's columns as a principal: who it is, whether it is enabled and may go online. */
export const DEVICE_COLUMNS = [
  'id_device',
  'device_uuid',
  'device_name',
  'device_enabled',
  'device_onlineable',
] as const;

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
    const k = this.db.kysely;
    switch (kind) {
      case 'user': {
        const rows = await usersByUuid(k, wanted)
          .select(['id_user', 'user_uuid', 'user_firstname', 'user_lastname', 'user_enabled'])
          .execute();
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
        const rows = await participantsByUuid(k, wanted)
          .select([
            'p.id_participant',
            'p.participant_uuid',
            'p.participant_name',
            'p.participant_enabled',
            'pr.project_name',
            's.site_name',
          ])
          .execute();
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
        const rows = await devicesByUuid(k, wanted).select(DEVICE_COLUMNS).execute();
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
