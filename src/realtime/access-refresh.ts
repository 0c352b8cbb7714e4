/**
 * Keeps live connections' access sets current when access changes, off the fan-out path.
 *
 * The node listens once (not once per connection) to the DatabaseEvent topics of the models
 * that may change access (`ACCESS_MODELS`); a message there only marks the principal kinds its
 * model may affect (`affectedKinds`), synchronously and without decoding it.
 *
 * It keeps the principal kinds marked dirty, the running pass, and a generation number bumped
 * by every request. One pass, which coalesces a burst of requests, takes the live principals of
 * the dirty kinds (read from the hub's registry) and:
 * 1. looks their standing up, in one query per kind and 500 principals: the connections of a
 *    principal now disabled or deleted are closed (`revoke`, 4000), on this node, whether or not
 *    the event named it (a delete may carry only an id) and whichever event caused the pass;
 * 2. recomputes, once per remaining principal (not per socket, not per event), its access sets
 *    and session memberships, and swaps them into every connection of that principal.
 * Requests that arrive during a pass cause exactly one more pass. A connection whose sets were
 * computed before the latest request (it was still handshaking) asks for a pass itself: compare
 * `generation` before computing and after registering. A failed lookup closes nothing.
 */
import type { Logger } from 'pino';
import type { AccessSets } from '../access/access.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';
import type { Bus, Subscription } from '../seams/bus/bus.js';
import { ACCESS_MODELS, databaseEventsTopic } from '../topics.js';

export interface RefreshTarget {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  update(access: AccessSets, sessions: ReadonlySet<string>): void;
}

export interface AccessSource {
  accessFor(kind: PrincipalKind, uuid: string): Promise<AccessSets | null>;
  sessionMemberships(kind: PrincipalKind, uuid: string): Promise<Set<string>>;
}

/** Which principals still exist (not deleted) and whether they are enabled. */
export interface StandingSource {
  findMany(
    kind: PrincipalKind,
    uuids: readonly string[],
  ): Promise<ReadonlyMap<string, { readonly enabled: boolean }>>;
}

export interface AccessRefresherOptions {
  access: AccessSource;
  standing: StandingSource;
  /** The live connections, grouped by principal. */
  targets: () => Iterable<readonly RefreshTarget[]>;
  /** Closes this node's connections of a disabled or deleted principal (4000). */
  revoke: (kind: PrincipalKind, uuid: string) => void;
  log?: Logger;
  /** Principals recomputed at once. */
  concurrency?: number;
}

/** Principals whose standing is read in one query. */
const STANDING_CHUNK = 500;

/** The principal kinds whose connections a DatabaseEvent on `topic` may affect. */
export function affectedKinds(topic: string): readonly PrincipalKind[] {
  const model = topic.slice(topic.lastIndexOf('.') + 1);
  return Object.hasOwn(ACCESS_MODELS, model) ? (ACCESS_MODELS[model] ?? []) : [];
}

export class AccessRefresher {
  /** Kinds whose connections need a pass. */
  private readonly dirty = new Set<PrincipalKind>();
  private running: Promise<void> | null = null;
  private closed = false;
  private gen = 0;
  private subscriptions: Subscription[] = [];

  constructor(private readonly options: AccessRefresherOptions) {}

  /** Bumped by every request(). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Subscribes this node to the DatabaseEvent topics of every access model; each message asks
   * for a pass over the kinds it may affect. Resolves once the subscriptions are live.
   */
  async listen(bus: Bus): Promise<void> {
    for (const model of Object.keys(ACCESS_MODELS)) {
      const topic = databaseEventsTopic(model);
      this.subscriptions.push(await bus.subscribe(topic, (t) => this.request(affectedKinds(t))));
    }
  }

  /**
   * Asks for a pass soon over the connections of `kinds` (default: all). Cheap, synchronous,
   * never throws.
   */
  request(kinds: Iterable<PrincipalKind> = PRINCIPAL_KINDS): void {
    if (this.closed) return;
    this.gen++;
    for (const kind of kinds) this.dirty.add(kind);
    this.running ??= this.loop();
  }

  /** Resolves once no pass is running or pending (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops listening, and stops after the current principal. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const subscriptions = this.subscriptions.splice(0);
    await Promise.all(subscriptions.map((s) => s.unsubscribe()));
    await this.settled();
  }

  private async loop(): Promise<void> {
    try {
      // Let a burst of DatabaseEvents coalesce into one pass.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.dirty.size > 0 && !this.closed) {
        const kinds = new Set(this.dirty);
        this.dirty.clear();
        await this.pass(kinds);
      }
    } finally {
      this.running = null;
    }
  }

  private async pass(kinds: ReadonlySet<PrincipalKind>): Promise<void> {
    const groups = [...this.options.targets()].filter((g) => g[0] && kinds.has(g[0].kind));
    const standing = await this.revokeFallen(groups);
    const width = this.options.concurrency ?? 8;
    for (let i = 0; i < standing.length && !this.closed; i += width) {
      await Promise.all(standing.slice(i, i + width).map((group) => this.refresh(group)));
    }
  }

  /** Revokes the groups whose principal is disabled or deleted; returns the others. */
  private async revokeFallen(
    groups: readonly (readonly RefreshTarget[])[],
  ): Promise<(readonly RefreshTarget[])[]> {
    const kept: (readonly RefreshTarget[])[] = [];
    for (const kind of PRINCIPAL_KINDS) {
      const ofKind = groups.filter((g) => g[0]?.kind === kind);
      for (let i = 0; i < ofKind.length && !this.closed; i += STANDING_CHUNK) {
        const chunk = ofKind.slice(i, i + STANDING_CHUNK);
        const uuids = chunk.map((g) => g[0]?.uuid ?? '');
        let found: ReadonlyMap<string, { readonly enabled: boolean }>;
        try {
          found = await this.options.standing.findMany(kind, uuids);
        } catch (err) {
          this.options.log?.warn({ err, kind }, 'access refresh: standing lookup failed');
          kept.push(...chunk);
          continue;
        }
        for (const group of chunk) {
          const uuid = group[0]?.uuid ?? '';
          if (found.get(uuid)?.enabled) kept.push(group);
          else this.revoke(kind, uuid);
        }
      }
    }
    return kept;
  }

  private revoke(kind: PrincipalKind, uuid: string): void {
    this.options.log?.info({ kind, uuid }, 'disabled or deleted principal: connections closed');
    try {
      this.options.revoke(kind, uuid);
    } catch (err) {
      this.options.log?.warn({ err, kind, uuid }, 'access refresh: revoke failed');
    }
  }

  private async refresh(group: readonly RefreshTarget[]): Promise<void> {
    const first = group[0];
    if (!first) return;
    try {
      const [access, sessions] = await Promise.all([
        this.options.access.accessFor(first.kind, first.uuid),
        this.options.access.sessionMemberships(first.kind, first.uuid),
      ]);
      // Deleted since its standing was read: its deletion's DatabaseEvent brings a pass that revokes it.
      if (!access) return;
      for (const target of group) target.update(access, sessions);
    } catch (err) {
      this.options.log?.warn({ err, kind: first.kind, uuid: first.uuid }, 'access refresh failed');
    }
  }
}
