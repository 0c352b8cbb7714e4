/** Percentiles and rounding for the reports. */

/** The p-th percentile (0–100, nearest rank) of `sorted` ascending values; null when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** `sorted` summarised: p50, p99 and max. */
export function summary(sorted: ArrayLike<number>): {
  p50: number | null;
  p99: number | null;
  max: number | null;
} {
  return {
    p50: round(percentile(sorted, 50), 2),
    p99: round(percentile(sorted, 99), 2),
    max: round(percentile(sorted, 100), 2),
  };
}

export function round(x: number | null, digits = 1): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** a / b, rounded to 2 digits; null when either is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return round(a / b, 2);
}

export const sortNumbers = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

/** The median of the known values (the mean of the middle two for an even count); null if none. */
export function median(values: ReadonlyArray<number | null | undefined>): number | null {
  const known = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}
