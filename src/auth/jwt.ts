/**
 * The only module that reads or writes JWTs. Every token OpenTera clients and services use is
 * HS256 with OpenTera's claims (issuer `TeraServer`), so OpenTera's Python services accept the
 * tokens TeraRelay signs and the other way round (tests check both ways against jose).
 *
 * Static tokens (a device's `device_token`, a participant's `participant_token`) carry no
 * `iat` and no `exp`: they are permanent, stored in the database, and signed with the
 * database keys `TokenEncryptionKey` (devices) and `ParticipantTokenEncryptionKey`
 * (participants). Keys are secrets: never log them.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const TOKEN_ISSUER = 'TeraServer';

/** A token's claims, as JSON gives them. */
export type JWTPayload = Record<string, unknown>;

/** The protected header of every token TeraRelay signs (jose's, OpenTera's: alg then typ). */
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The JSON object a base64url segment holds, or null (bad encoding, bad UTF-8, not an object). */
function jsonSegment(segment: string): Record<string, unknown> | null {
  if (!BASE64URL.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const hs256 = (key: string, signingInput: string): Buffer =>
  createHmac('sha256', key).update(signingInput).digest();

/**
 * An HS256 token of `claims` signed with `key`: the compact JWS that jose's SignJWT makes with
 * header `{"alg":"HS256","typ":"JWT"}`. HMAC-SHA256 comes from node:crypto directly (jose's
 * WebCrypto path costs a key import and an async job per token, on every token login).
 */
export async function signHs256(key: string, claims: Record<string, unknown>): Promise<string> {
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${hs256(key, signingInput).toString('base64url')}`;
}

/**
 * The payload of an HS256 token signed with `key` whose `exp` (if any) has not passed, or null
 * when it is malformed, signed otherwise, expired, or lacks `exp` while `requireExp`. The rules
 * are jose's `jwtVerify` with `algorithms: ['HS256']`: a compact JWS of base64url JSON objects,
 * header `alg` HS256 and no `crit`; `iat`, `nbf` and `exp` numbers when present, `nbf` not in the
 * future, `exp` in the future (seconds); the signature compared in constant time.
 */
export async function verifyHs256(
  token: string,
  key: string,
  requireExp = false,
): Promise<JWTPayload | null> {
  if (typeof token !== 'string' || token.length === 0) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [head, body, signature] = parts as [string, string, string];
  const header = jsonSegment(head);
  if (!header || header.alg !== 'HS256' || 'crit' in header) return null;
  if (!BASE64URL.test(signature)) return null;
  const expected = hs256(key, `${head}.${body}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const payload = jsonSegment(body);
  if (!payload) return null;
  if (requireExp && !Object.hasOwn(payload, 'exp')) return null;
  const now = Math.floor(Date.now() / 1000);
  for (const claim of ['iat', 'nbf', 'exp'])
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number') return null;
  if (typeof payload.nbf === 'number' && payload.nbf > now) return null;
  if (typeof payload.exp === 'number' && payload.exp <= now) return null;
  return payload;
}

/**
 * The `exp` claim of a JWT in ms, read WITHOUT verifying it: only for expiring stored
 * revocations, never to trust a token. Undefined for anything that is not a JWT with `exp`.
 */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return undefined;
  const exp = jsonSegment(parts[1]!)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

export interface DeviceTokenClaims {
  iss: string;
  jti: string;
  device_uuid: string;
  id_device: number;
}

export interface ParticipantStaticTokenClaims {
  iss: string;
  jti: string;
  participant_uuid: string;
  id_participant: number;
}

/** A device's static token, signed with `TokenEncryptionKey`. */
export function signDeviceToken(
  key: string,
  device: { device_uuid: string; id_device: number },
): Promise<string> {
  const claims: DeviceTokenClaims = {
    iss: TOKEN_ISSUER,
    jti: randomUUID(),
    device_uuid: device.device_uuid,
    id_device: device.id_device,
  };
  return signHs256(key, { ...claims });
}

/** A participant's static token, signed with `ParticipantTokenEncryptionKey`. */
export function signParticipantStaticToken(
  key: string,
  participant: { participant_uuid: string; id_participant: number },
): Promise<string> {
  const claims: ParticipantStaticTokenClaims = {
    iss: TOKEN_ISSUER,
    jti: randomUUID(),
    participant_uuid: participant.participant_uuid,
    id_participant: participant.id_participant,
  };
  return signHs256(key, { ...claims });
}
