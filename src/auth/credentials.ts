/**
 * Reads the `Authorization` header the way OpenTera's auth layers do, refusing
 * anything malformed instead of guessing: `Basic <base64(user:password)>` or
 * `OpenTera <token>` (scheme names compared case-insensitively, which OpenTera clients never
 * rely on either way). Pure functions; nothing here touches the database.
 */
import { timingSafeEqual, createHash } from 'node:crypto';

export type Credentials =
  | { readonly scheme: 'none' }
  | { readonly scheme: 'basic'; readonly username: string; readonly password: string }
  | { readonly scheme: 'token'; readonly token: string }
  /** A header with another scheme, or one that does not parse. */
  | { readonly scheme: 'invalid'; readonly reason: 'unknown-scheme' | 'malformed' };

/** Longest username or password considered, in bytes (bcrypt reads 72; this only bounds work). */
export const MAX_SECRET_BYTES = 1024;
/** Longest token considered, in characters. */
export const MAX_TOKEN_LENGTH = 8192;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Python's `str.split(None, 1)`: the first word and the (left-trimmed) rest, or null when there are not two. */
export function splitScheme(header: string): [string, string] | null {
  const m = /^\s*(\S+)\s+(\S[\s\S]*?)\s*$/.exec(header);
  return m ? [m[1]!, m[2]!] : null;
}

function decodeBasic(encoded: string): { username: string; password: string } | null {
  if (encoded.length > 4 * Math.ceil((2 * MAX_SECRET_BYTES + 1) / 3) || !BASE64.test(encoded))
    return null;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(encoded, 'base64'));
  } catch {
    return null;
  }
  const colon = text.indexOf(':');
  if (colon < 0) return null;
  const username = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (
    Buffer.byteLength(username) > MAX_SECRET_BYTES ||
    Buffer.byteLength(password) > MAX_SECRET_BYTES
  )
    return null;
  return { username, password };
}

/** The credentials an `Authorization` header carries. */
export function readCredentials(header: string | string[] | undefined): Credentials {
  if (header === undefined) return { scheme: 'none' };
  if (Array.isArray(header) || header.length === 0)
    return { scheme: 'invalid', reason: 'malformed' };
  const parts = splitScheme(header);
  if (!parts) return { scheme: 'invalid', reason: 'malformed' };
  const [scheme, value] = parts;
  switch (scheme.toLowerCase()) {
    case 'basic': {
      const decoded = decodeBasic(value);
      return decoded ? { scheme: 'basic', ...decoded } : { scheme: 'invalid', reason: 'malformed' };
    }
    case 'opentera':
      return value.length <= MAX_TOKEN_LENGTH
        ? { scheme: 'token', token: value }
        : { scheme: 'invalid', reason: 'malformed' };
    default:
      return { scheme: 'invalid', reason: 'unknown-scheme' };
  }
}

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}
