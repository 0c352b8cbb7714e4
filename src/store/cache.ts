/**
 * The login catalog: rows every login answer repeats and that change rarely, kept in memory so
 * that a connect storm does not read them once per login.
 *
 * It keeps the session types with the projects each is linked to (participant and device
 * logins answer `session_types_info`) and the names of the device types and subtypes (device
 * logins answer `device_type`/`device_subtype`). Each is read again at its first use after
 * `CATALOG_TTL_MS`, and at once after a DatabaseEvent about one of its models (`watch`): the
 * models OpenTera publishes (`session_type`, `session_type_project`) and those TeraRelay adds
 * (`device_type`, `device_subtype`). A change made without a DatabaseEvent shows within the TTL.
 */
import type { Bus, Subscription } from '../seams/bus/bus.js';
import { databaseEventsTopic } from '../topics.js';
import { Cached } from '../util/cache.js';
import type { Db } from './connect.js';
import { catalogDeviceTypes, catalogSessionTypes, type SessionTypeInfo } from './queries/login.js';

/** Longest a catalog read is kept without a DatabaseEvent, ms. */
export const CATALOG_TTL_MS = 10_000;

/** The models whose DatabaseEvents make the catalog read them again. */
const MODELS = {
  session_type: 'sessionTypes',
  session_type_project: 'sessionTypes',
  device_type: 'deviceTypes',
  device_subtype: 'deviceTypes',
} as const;

interface SessionTypes {
  byId: ReadonlyMap<number, SessionTypeInfo>;
  /** Project id → ids of its session types, ascending. */
  ofProject: ReadonlyMap<number, readonly number[]>;
}

interface DeviceTypeNames {
  types: ReadonlyMap<number, string>;
  subtypes: ReadonlyMap<number, string>;
}

export class LoginCatalog {
  private readonly sessionTypes: Cached<SessionTypes>;
  private readonly deviceTypes: Cached<DeviceTypeNames>;
  private subscriptions: Subscription[] = [];

  constructor(db: Db, ttlMs: number = CATALOG_TTL_MS) {
    this.sessionTypes = new Cached(async () => {
      const { types, links } = await catalogSessionTypes(db);
      const ofProject = new Map<number, number[]>();
      for (const l of links) {
        const ids = ofProject.get(l.id_project);
        if (ids) ids.push(l.id_session_type);
        else ofProject.set(l.id_project, [l.id_session_type]);
      }
      for (const ids of ofProject.values()) ids.sort((a, b) => a - b);
      return { byId: new Map(types.map((t) => [t.id_session_type, t])), ofProject };
    }, ttlMs);
    this.deviceTypes = new Cached(async () => {
      const { types, subtypes } = await catalogDeviceTypes(db);
      return {
        types: new Map(types.map((t) => [t.id_device_type, t.device_type_name])),
        subtypes: new Map(subtypes.map((s) => [s.id_device_subtype, s.device_subtype_name])),
      };
    }, ttlMs);
  }

  /** The session types linked to any of `projectIds`, each once, by id (fresh objects). */
  async sessionTypesOfProjects(projectIds: Iterable<number>): Promise<SessionTypeInfo[]> {
    const { byId, ofProject } = await this.sessionTypes.get();
    const ids = new Set<number>();
    for (const p of projectIds) for (const id of ofProject.get(p) ?? []) ids.add(id);
    return [...ids]
      .sort((a, b) => a - b)
      .flatMap((id) => {
        const t = byId.get(id);
        return t ? [{ ...t }] : [];
      });
  }

  /** The names of a device's type and subtype (undefined when unknown or absent). */
  async deviceTypeNames(
    typeId: number,
    subtypeId: number | null,
  ): Promise<{ type: string | undefined; subtype: string | undefined }> {
    let { types, subtypes } = await this.deviceTypes.get();
    if (!types.has(typeId) || (subtypeId !== null && !subtypes.has(subtypeId))) {
      // Created since the catalog was read, without a DatabaseEvent: read it again once.
      this.deviceTypes.invalidate();
      ({ types, subtypes } = await this.deviceTypes.get());
    }
    return {
      type: types.get(typeId),
      subtype: subtypeId === null ? undefined : subtypes.get(subtypeId),
    };
  }

  /** Reads `model`'s rows again at their next use (a DatabaseEvent about it arrived). */
  invalidate(model: string): void {
    const which = MODELS[model as keyof typeof MODELS];
    if (which) this[which].invalidate();
  }

  /** Listens to the DatabaseEvents of the catalog's models on `bus` until close(). */
  async watch(bus: Bus): Promise<void> {
    this.subscriptions = await Promise.all(
      Object.keys(MODELS).map((model) =>
        bus.subscribe(databaseEventsTopic(model), () => this.invalidate(model)),
      ),
    );
  }

  /** Stops listening. Idempotent. */
  async close(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
  }
}
