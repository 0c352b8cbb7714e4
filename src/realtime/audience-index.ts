/**
 * AudienceIndex: the node's members grouped by what decides whether they see presence.
 *
 * Whether a connection sees a UserEvent, ParticipantEvent or DeviceEvent about a principal other
 * than its own is one question, asked of one set: does the set `presenceSeen` names for its kind
 * and access hold the event's subject (src/access/scope.ts)? Members are filed under that set,
 * per event type, so a fan-out asks each distinct set once and touches only the members that
 * see the event. Sets are shared by every superadmin, and by users with the same roles
 * (src/access/set-pool.ts): a node with thousands of watchers asks a handful of sets per event.
 * A member whose set is null for a type (a device, of other devices) is not filed for it.
 *
 * Contract: a member is filed with the access its scope holds, and whoever replaces that access
 * refiles it (the hub's `rescope`), so that the index and the scope never disagree.
 */
import type { AccessSets } from '../access/access.js';
import { presenceSeen, PRESENCE_TYPES, type PresenceType } from '../access/scope.js';
import type { PrincipalKind } from '../principal.js';
import { forEachItem, withItem, withoutItem, type Group } from '../util/group.js';

/** What the index reads of a member: its kind, fixed for its life. */
interface Filed {
  readonly principal: { readonly kind: PrincipalKind };
}

export class AudienceIndex<M extends Filed> {
  /** Each filed member → the access it was filed with (what unfiling reads). */
  private readonly filed = new Map<M, AccessSets>();
  private readonly byType: Record<PresenceType, Map<ReadonlySet<string>, Group<M>>> = {
    UserEvent: new Map(),
    ParticipantEvent: new Map(),
    DeviceEvent: new Map(),
  };

  /** Files `member` as holding `access` (refiles it when already filed). */
  file(member: M, access: AccessSets): void {
    this.unfile(member);
    const kind = member.principal.kind;
    this.filed.set(member, access);
    for (const type of PRESENCE_TYPES) {
      const seen = presenceSeen(type, kind, access);
      if (seen === null) continue;
      const groups = this.byType[type];
      groups.set(seen, withItem(groups.get(seen), member));
    }
  }

  /** Forgets `member`; nothing when it is not filed. */
  unfile(member: M): void {
    const access = this.filed.get(member);
    if (access === undefined) return;
    const kind = member.principal.kind;
    this.filed.delete(member);
    for (const type of PRESENCE_TYPES) {
      const seen = presenceSeen(type, kind, access);
      if (seen === null) continue;
      const groups = this.byType[type];
      const group = groups.get(seen);
      const rest = group && withoutItem(group, member);
      if (rest === undefined) groups.delete(seen);
      else if (rest !== group) groups.set(seen, rest);
    }
  }

  /**
   * Calls `f` for every filed member whose set for `type` holds `subject`, each once: those that
   * see an event of that type about `subject`, unless they are `subject`'s own connections
   * (the caller asks those on their own). Members filed or unfiled by `f` may or may not be met.
   */
  forEachSeeing(type: PresenceType, subject: string, f: (member: M) => void): void {
    for (const [seen, group] of this.byType[type]) if (seen.has(subject)) forEachItem(group, f);
  }

  /** Distinct sets filed for `type` (tests and observability). */
  setCount(type: PresenceType): number {
    return this.byType[type].size;
  }
}
