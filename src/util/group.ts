/**
 * A group that usually holds one item: the item kept bare while it is alone, a Set from the
 * second one on. Every idle connection is an item of several groups (its topics' handlers, its
 * principal's connections), and a Set with its table costs about 200 bytes, so no Set is made
 * for a group of one. Items must not be Sets themselves; an empty group is `undefined`.
 */
export type Group<T extends object> = T | Set<T>;

/** `group` with `item` added (the same Set when it already was one). */
export function withItem<T extends object>(group: Group<T> | undefined, item: T): Group<T> {
  if (group === undefined || group === item) return item;
  if (group instanceof Set) return group.add(item);
  return new Set([group, item]);
}

/** `group` without `item`: bare again when one is left, undefined when none is. */
export function withoutItem<T extends object>(group: Group<T>, item: T): Group<T> | undefined {
  if (group === item) return undefined;
  if (!(group instanceof Set) || !group.delete(item)) return group;
  if (group.size > 1) return group;
  return group.size === 1 ? (group.values().next().value as T) : undefined;
}

export function hasItem<T extends object>(group: Group<T> | undefined, item: T): boolean {
  return group instanceof Set ? group.has(item) : group === item;
}

export function sizeOf<T extends object>(group: Group<T> | undefined): number {
  if (group === undefined) return 0;
  return group instanceof Set ? group.size : 1;
}

/** Calls `f` for each item; with a Set, items added or removed by `f` follow Set iteration. */
export function forEachItem<T extends object>(
  group: Group<T> | undefined,
  f: (item: T) => void,
): void {
  if (group instanceof Set) for (const item of group) f(item);
  else if (group !== undefined) f(group);
}

/** The items as a Set (a new one for a bare item; the group's own Set otherwise). */
export function asSet<T extends object>(group: Group<T> | undefined): ReadonlySet<T> {
  if (group === undefined) return new Set();
  return group instanceof Set ? group : new Set([group]);
}

/** The items now, as an array that later changes to the group do not affect. */
export function itemsOf<T extends object>(group: Group<T> | undefined): T[] {
  if (group === undefined) return [];
  return group instanceof Set ? [...group] : [group];
}
