/**
 * After the copy, every static token is checked the way a login checks it: an HS256 signature by
 * the copied key (`TokenEncryptionKey` for devices, `ParticipantTokenEncryptionKey` for
 * participants) and the uuid claim of the row that holds it. A token that fails here did not log
 * in on OpenTera either; the report names those rows by id (never the token).
 */
import type { Transaction } from 'kysely';
import { verifyHs256 } from '../../auth/jwt.js';
import type { Database } from '../schema.js';
import { deviceTokens, participantTokens } from '../queries/import.js';
import { SETTING, getSetting } from '../queries/settings.js';

export interface TokenCheck {
  /** Tokens that verify. */
  verified: number;
  /** Ids of the rows whose token does not verify. */
  failed: number[];
  /** Whether the signing key is among the copied settings. */
  keyPresent: boolean;
}

async function check(
  key: string | null,
  claim: 'device_uuid' | 'participant_uuid',
  rows: ReadonlyArray<{ id: number; uuid: string; token: string }>,
): Promise<TokenCheck> {
  const out: TokenCheck = { verified: 0, failed: [], keyPresent: key !== null };
  for (const r of rows) {
    const claims = key === null ? null : await verifyHs256(r.token, key);
    if (claims?.[claim] === r.uuid) out.verified++;
    else out.failed.push(r.id);
  }
  return out;
}

export async function checkStaticTokens(
  trx: Transaction<Database>,
): Promise<{ devices: TokenCheck; participants: TokenCheck }> {
  return {
    devices: await check(
      await getSetting(trx, SETTING.TokenEncryptionKey),
      'device_uuid',
      await deviceTokens(trx),
    ),
    participants: await check(
      await getSetting(trx, SETTING.ParticipantTokenEncryptionKey),
      'participant_uuid',
      await participantTokens(trx),
    ),
  };
}
