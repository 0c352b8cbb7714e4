/**
 * The only module that reads or writes JWTs. Every token OpenTera clients and services use is
 * HS256 with OpenTera's claims (issuer `TeraServer`), so OpenTera's Python services accept the
 * tokens TeraRelay signs and the other way round.
 *
 * Static tokens (a device's `device_token`, a participant's `participant_token`) carry no
 * `iat` and no `exp`: they are permanent, stored in the database, and signed with the
 * database keys `TokenEncryptionKey` (devices) and `ParticipantTokenEncryptionKey`
 * (participants). Keys are secrets: never log them.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, jwtVerify, type JWTPayload } from 'jose';

export const TOKEN_ISSUER = 'TeraServer';

export type { JWTPayload };

const encoder = new TextEncoder();

/** An HS256 token of `claims` signed with `key`. */
export function signHs256(key: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(encoder.encode(key));
}

/**
 * The payload of an HS256 token signed with `key` whose `exp` (if any) has not passed, or null
 * when it is malformed, signed otherwise, expired, or lacks `exp` while `requireExp`.
 */
export async function verifyHs256(
  token: string,
  key: string,
  requireExp = false,
): Promise<JWTPayload | null> {
  if (typeof token !== 'string' || token.length === 0) return null;
  try {
    const { payload } = await jwtVerify(token, encoder.encode(key), {
      algorithms: ['HS256'],
      ...(requireExp ? { requiredClaims: ['exp'] } : {}),
    });
    return payload;
  } catch {
    return null;
  }
}

/**
 * The `exp` claim of a JWT in ms, read WITHOUT verifying it: only for expiring stored
 * revocations, never to trust a token. Undefined for anything that is not a JWT with `exp`.
 */
export function jwtExpiryMs(token: string): number | undefined {
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
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
