/**
 * OpenTera's server settings (`t_server_settings`): a name → string map holding the static
 * token signing keys, the device register key, the server uuid and the client versions.
 * Values are secrets: never log them.
 */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../connect.js';
import type { Database } from '../schema.js';

/** The setting names OpenTera uses (`TeraServerSettings`). */
export const SETTING = {
  /** Signs and verifies device static tokens (32 chars). */
  TokenEncryptionKey: 'TokenEncryptionKey',
  /** Signs and verifies participant static tokens (32 chars). */
  ParticipantTokenEncryptionKey: 'ParticipantTokenEncryptionKey',
  /** Shared secret for device self-registration (10 chars). */
  DeviceRegisterKey: 'DeviceRegisterKey',
  ServerUUID: 'ServerUUID',
  /** JSON: server version and known client versions. */
  ServerVersions: 'ServerVersions',
  /** TeraRelay's own: the TLS session ticket keys (48 bytes, base64), shared by every node. */
  TlsTicketKeys: 'TerarelayTlsTicketKeys',
} as const;

export type SettingName = (typeof SETTING)[keyof typeof SETTING];

const KEY_SYMBOLS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random key of `length` characters from [0-9A-Za-z], as OpenTera generates them. */
export function randomKey(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += KEY_SYMBOLS[randomInt(KEY_SYMBOLS.length)];
  return out;
}

/** A Db or a Kysely instance (e.g. a transaction). */
export type Queryable = Db | Kysely<Database>;
const qb = (db: Queryable): Kysely<Database> =>
  'dialect' in db && 'kysely' in db ? db.kysely : db;

export async function getSetting(db: Queryable, name: string): Promise<string | null> {
  const row = await qb(db)
    .selectFrom('t_server_settings')
    .select('server_settings_value')
    .where('server_settings_name', '=', name)
    .executeTakeFirst();
  return row?.server_settings_value ?? null;
}

/**
 * The setting's value, inserting `value` first when it is missing (the first writer wins, so
 * concurrent nodes agree on one value). Null only if the row could not be read back.
 */
export async function ensureSetting(
  db: Queryable,
  name: string,
  value: string,
): Promise<string | null> {
  const existing = await getSetting(db, name);
  if (existing) return existing;
  await qb(db)
    .insertInto('t_server_settings')
    .values({ server_settings_name: name, server_settings_value: value })
    .onConflict((oc) => oc.column('server_settings_name').doNothing())
    .execute();
  return getSetting(db, name);
}

/** Inserts or replaces the setting. */
export async function setSetting(db: Queryable, name: string, value: string): Promise<void> {
  await qb(db)
    .insertInto('t_server_settings')
    .values({ server_settings_name: name, server_settings_value: value })
    .onConflict((oc) =>
      oc.column('server_settings_name').doUpdateSet({ server_settings_value: value }),
    )
    .execute();
}
