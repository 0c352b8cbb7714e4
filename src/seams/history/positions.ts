/**
 * Positions: `<ms>-<seq>`, Redis stream ids drawn from one counter for all topics. They compare
 * by ms, then seq; both parts stay far below 2^53, so plain numbers compare them exactly.
 */

/** The position before any event. */
export const ZERO_POSITION = '0-0';

const SHAPE = /^(\d{1,15})-(\d{1,15})$/;

/** True for a well-formed position (what a client sends is checked with it). */
export function isPosition(value: unknown): value is string {
  return typeof value === 'string' && SHAPE.test(value);
}

/** Negative when a < b, 0 when equal, positive when a > b. Both must be well formed. */
export function comparePositions(a: string, b: string): number {
  if (a === b) return 0;
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ms = Number(a.slice(0, da)) - Number(b.slice(0, db));
  if (ms !== 0) return ms;
  return Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}

/** The next position after `last` at time `nowMs` (what the Redis script computes too). */
export function nextPosition(last: string, nowMs: number): string {
  const dash = last.indexOf('-');
  const lastMs = Number(last.slice(0, dash));
  if (lastMs >= nowMs) return `${lastMs}-${Number(last.slice(dash + 1)) + 1}`;
  return `${nowMs}-0`;
}
