/**
 * OpenTera's static tokens: permanent HS256 JWTs stored in `t_devices.device_token` and
 * `t_participants.participant_token`, signed with the database keys `TokenEncryptionKey`
 * (devices) and `ParticipantTokenEncryptionKey` (participants). No `iat`, no `exp`.
 * The claims are OpenTera's (spec §2.2), so OpenTera's Python services accept them too.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

export const TOKEN_ISSUER = 'TeraServer';

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

const secret = (key: string): Uint8Array => new TextEncoder().encode(key);

async function sign(key: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret(key));
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
  return sign(key, { ...claims });
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
  return sign(key, { ...claims });
}

/**
 * Verifies an HS256 token's signature with `key` (and `exp` if present); returns its claims,
 * or null when the token is malformed, signed with another key or expired.
 */
export async function verifyHs256(token: string, key: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(token, secret(key), { algorithms: ['HS256'] });
    return payload;
  } catch {
    return null;
  }
}
