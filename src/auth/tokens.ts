/**
 * TokenService: the signing keys and the typed claims of every token OpenTera clients and
 * services use (signing and verifying themselves are in ./jwt.ts).
 *
 * It keeps the signing keys, read once from the server settings under OpenTera's names:
 * - dynamic keys `UserTokenAPIKey`, `ParticipantTokenAPIKey`, `ServiceTokenAPIKey` (created
 *   when missing; `rotate` regenerates them, which kills every user, dynamic participant and
 *   service token);
 * - static keys `TokenEncryptionKey` (devices) and `ParticipantTokenEncryptionKey`
 *   (participants), created when missing and never rotated: the static tokens stored in the
 *   database were signed with them and clients keep them for good (clients depend on them).
 * Keys are secrets: they are never logged; `redisKeys()` exists only to publish them under
 * OpenTera's Redis names for its Python services.
 *
 * Verification here checks signature, algorithm and `exp` only. Revocation (Revocations seam),
 * the account's state and the static-token database match are the caller's (auth/*.ts).
 */
import { randomUUID } from 'node:crypto';
import { signHs256 as sign, TOKEN_ISSUER, verifyHs256 as verify } from './jwt.js';
import type { Db } from '../store/connect.js';
import { SETTING, ensureSetting, randomKey, setSetting } from '../store/queries/settings.js';

export { TOKEN_ISSUER };
/** Lifetimes, seconds. */
export const LOGIN_TOKEN_TTL_S = 3600;
export const REFRESH_TOKEN_TTL_S = 1800;

/** OpenTera's setting (and Redis key) names of the dynamic signing keys. */
export const DYNAMIC_KEY = {
  user: 'UserTokenAPIKey',
  participant: 'ParticipantTokenAPIKey',
  service: 'ServiceTokenAPIKey',
} as const;

const KEY_LENGTH = 32;

export interface UserTokenSubject {
  uuid: string;
  id: number;
  /** "first last". */
  fullname: string;
  superadmin: boolean;
  /** service_key → global role names ({} for a superadmin). */
  serviceAccess: Record<string, string[]>;
}

/** The registered claims every dynamic token carries. */
export interface IssuedClaims {
  iat: number;
  exp: number;
  iss: string;
  jti: string;
}

export interface UserClaims extends IssuedClaims {
  user_uuid: string;
  id_user: number;
  user_fullname: string;
  user_superadmin: boolean;
  service_access: Record<string, string[]>;
}

export interface ParticipantTokenSubject {
  uuid: string;
  id: number;
  name: string;
}

export interface ParticipantClaims extends IssuedClaims {
  participant_uuid: string;
  id_participant: number;
  /** participant_name, under OpenTera's claim name. */
  user_fullname: string;
}

interface Keys {
  user: string;
  participant: string;
  service: string;
  deviceStatic: string;
  participantStatic: string;
}

/** The registered claims of a dynamic token issued now, valid `ttlSeconds`. */
function issued(ttlSeconds: number): IssuedClaims {
  const now = Math.floor(Date.now() / 1000);
  return { iat: now, exp: now + ttlSeconds, iss: TOKEN_ISSUER, jti: randomUUID() };
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** The key stored under `name`, created with a fresh random one when missing. */
async function ensureKey(db: Db, name: string): Promise<string> {
  const key = await ensureSetting(db, name, randomKey(KEY_LENGTH));
  if (!key) throw new Error(`token key ${name} could not be stored`);
  return key;
}

export class TokenService {
  private constructor(private readonly keys: Keys) {}

  /**
   * Loads the signing keys from the server settings, creating missing ones. With `rotate`,
   * the three dynamic keys are regenerated and stored first.
   */
  static async load(db: Db, o: { rotate: boolean }): Promise<TokenService> {
    if (o.rotate) {
      for (const name of Object.values(DYNAMIC_KEY))
        await setSetting(db, name, randomKey(KEY_LENGTH));
    }
    return new TokenService({
      user: await ensureKey(db, DYNAMIC_KEY.user),
      participant: await ensureKey(db, DYNAMIC_KEY.participant),
      service: await ensureKey(db, DYNAMIC_KEY.service),
      deviceStatic: await ensureKey(db, SETTING.TokenEncryptionKey),
      participantStatic: await ensureKey(db, SETTING.ParticipantTokenEncryptionKey),
    });
  }

  /** A user token (`user_token` / `refresh_token`) valid `ttlSeconds`. */
  signUser(user: UserTokenSubject, ttlSeconds: number = LOGIN_TOKEN_TTL_S): Promise<string> {
    const claims: UserClaims = {
      ...issued(ttlSeconds),
      user_uuid: user.uuid,
      id_user: user.id,
      user_fullname: user.fullname,
      user_superadmin: user.superadmin,
      service_access: user.superadmin ? {} : user.serviceAccess,
    };
    return sign(this.keys.user, { ...claims });
  }

  /** The claims of a valid, unexpired user token, or null. Does not check revocation. */
  async verifyUser(token: string): Promise<UserClaims | null> {
    const p = await verify(token, this.keys.user, true);
    if (!p || !isString(p.user_uuid) || !isInt(p.exp)) return null;
    return p as unknown as UserClaims;
  }

  /** A dynamic participant token (`participant_token` / `refresh_token`) valid `ttlSeconds`. */
  signParticipant(
    participant: ParticipantTokenSubject,
    ttlSeconds: number = LOGIN_TOKEN_TTL_S,
  ): Promise<string> {
    const claims: ParticipantClaims = {
      ...issued(ttlSeconds),
      participant_uuid: participant.uuid,
      id_participant: participant.id,
      user_fullname: participant.name,
    };
    return sign(this.keys.participant, { ...claims });
  }

  /** The claims of a valid, unexpired dynamic participant token, or null. Does not check revocation. */
  async verifyParticipant(token: string): Promise<ParticipantClaims | null> {
    const p = await verify(token, this.keys.participant, true);
    if (!p || !isString(p.participant_uuid) || !isInt(p.exp)) return null;
    return p as unknown as ParticipantClaims;
  }

  /** The device uuid a static device token was signed for (key `TokenEncryptionKey`), or null. */
  async verifyDeviceStatic(token: string): Promise<string | null> {
    const p = await verify(token, this.keys.deviceStatic, false);
    return p && isString(p.device_uuid) ? p.device_uuid : null;
  }

  /** The participant uuid a static participant token was signed for, or null. */
  async verifyParticipantStatic(token: string): Promise<string | null> {
    const p = await verify(token, this.keys.participantStatic, false);
    return p && isString(p.participant_uuid) ? p.participant_uuid : null;
  }

  /**
   * A service token: `{iat, service_uuid}` as OpenTera's (no expiry), plus `jti` (its id in
   * TeraRelay's registry of issued tokens, which makes it revocable) and `exp` when given.
   */
  signService(
    serviceUuid: string,
    options: { tokenId?: string; expiresAt?: Date } = {},
  ): Promise<string> {
    return sign(this.keys.service, {
      iat: Math.floor(Date.now() / 1000),
      service_uuid: serviceUuid,
      ...(options.tokenId ? { jti: options.tokenId } : {}),
      ...(options.expiresAt ? { exp: Math.floor(options.expiresAt.getTime() / 1000) } : {}),
    });
  }

  /** The service a token names, and its registry id when it has one; null when invalid or expired. */
  async verifyService(token: string): Promise<{ serviceUuid: string; tokenId?: string } | null> {
    const p = await verify(token, this.keys.service, false);
    if (!p || !isString(p.service_uuid)) return null;
    return isString(p.jti)
      ? { serviceUuid: p.service_uuid, tokenId: p.jti }
      : { serviceUuid: p.service_uuid };
  }

  /**
   * OpenTera's Redis key names → key values, for publishing to Redis so OpenTera's
   * Python services validate the same tokens. Secrets: never log the result.
   */
  redisKeys(): Record<string, string> {
    return {
      UserTokenAPIKey: this.keys.user,
      ParticipantTokenAPIKey: this.keys.participant,
      ServiceTokenAPIKey: this.keys.service,
      DeviceTokenAPIKey: this.keys.deviceStatic,
      DeviceStaticTokenAPIKey: this.keys.deviceStatic,
      ParticipantStaticTokenAPIKey: this.keys.participantStatic,
    };
  }
}
