/**
 * Keeps live connections' access sets current when access changes, off the fan-out path.
 *
 * It keeps the principal kinds marked dirty, the running pass, and a generation number bumped
 * by every request. A DatabaseEvent that may change access only marks the kinds it may affect;
 * one pass then recomputes, once per live principal of those kinds (not per socket, not per
 * event), its access sets and session memberships, and swaps them into every connection of
 * that principal. Requests that arrive during a pass cause exactly one more pass. A connection whose sets were computed
 * before the latest request (it was still handshaking) asks for a pass itself: compare
 * `generation` before computing and after registering.
 */
import type { Logger } from 'pino';
import type { AccessSets } from '../access/access.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';

export interface RefreshTarget {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  update(access: AccessSets, sessions: ReadonlySet<string>): void;
}

export interface AccessSource {
  accessFor(kind: PrincipalKind, uuid: string): Promise<AccessSets | null>;
  sessionMemberships(kind: PrincipalKind, uuid: string): Promise<Set<string>>;
}

export interface AccessRefresherOptions {
  access: AccessSource;
  /** The live connections, grouped by principal. */
  targets: () => Iterable<readonly RefreshTarget[]>;
  log?: Logger;
  /** Principals recomputed at once. */
  concurrency?: number;
}

export class AccessRefresher {
  /** Kinds whose connections need a pass. */
  private readonly dirty = new Set<PrincipalKind>();
  private running: Promise<void> | null = null;
  private closed = false;
  private gen = 0;

  constructor(private readonly options: AccessRefresherOptions) {}

  /** Bumped by every request(). */
  get generation(): number {
    return this.gen;
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

  /** Stops after the current principal. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
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
    const width = this.options.concurrency ?? 8;
    for (let i = 0; i < groups.length && !this.closed; i += width) {
      await Promise.all(groups.slice(i, i + width).map((group) => this.refresh(group)));
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
      // A principal that vanished keeps its old sets: the UserManager disconnects it.
      if (!access) return;
      for (const target of group) target.update(access, sessions);
    } catch (err) {
      this.options.log?.warn({ err, kind: first.kind, uuid: first.uuid }, 'access refresh failed');
    }
  }
}
