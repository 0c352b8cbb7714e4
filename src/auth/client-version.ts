/**
 * OpenTera's client-version rule for user logins. A client that sends both
 * `X-Client-Name` and `X-Client-Version` and is known in the `ServerVersions` setting gets
 * `version_latest`; a different version adds `version_error`; a different major version
 * refuses the login with 426. Unknown clients and clients without the headers log in as usual.
 * `OpenTeraPlus` 1.0.0 is known even when the setting does not list it (OpenTera's default).
 */
import type { Db } from '../store/connect.js';
import { SETTING, getSetting } from '../store/queries/settings.js';

export interface ClientVersionInfo {
  client_name: string;
  client_description: string | null;
  client_version: string;
  client_documentation_url: string | null;
  client_windows_download_url: string | null;
  client_mac_download_url: string | null;
  client_linux_download_url: string | null;
}

export type VersionCheck =
  /** No headers, or an unknown client: nothing to add. */
  | { readonly kind: 'none'; readonly unknownClient?: string }
  /** Fields to add to the login answer. */
  | {
      readonly kind: 'known';
      readonly fields: { version_latest: ClientVersionInfo; version_error?: string };
    }
  /** The 426 answer's body. */
  | {
      readonly kind: 'outdated';
      readonly body: {
        version_latest: ClientVersionInfo;
        current_version: string[];
        version_error: string;
        message: string;
      };
    };

export const VERSION_MISMATCH = 'Client major version mismatch';
export const VERSION_TOO_OLD = 'Client major version too old, not accepting login';

/** OpenTera's default known clients (also the `clients` the `ServerVersions` setting is seeded with). */
export const DEFAULT_CLIENTS: Readonly<Record<string, Readonly<ClientVersionInfo>>> = {
  OpenTeraPlus: {
    client_name: 'OpenTeraPlus',
    client_description: 'OpenTeraPlus Qt Client',
    client_version: '1.0.0',
    client_documentation_url: 'https://github.com/introlab/openteraplus',
    client_windows_download_url: null,
    client_mac_download_url: null,
    client_linux_download_url: null,
  },
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The known clients: OpenTera's default, overridden by the `clients` object of the setting's JSON. */
export function parseClientVersions(json: string | null): Map<string, ClientVersionInfo> {
  const clients = new Map(Object.entries(DEFAULT_CLIENTS));
  if (!json) return clients;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return clients;
  }
  const listed = (parsed as { clients?: unknown } | null)?.clients;
  // OpenTera ignores the older list form; only an object keyed by name counts.
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed)) return clients;
  for (const value of Object.values(listed as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) continue;
    const v = value as Record<string, unknown>;
    const name = str(v.client_name);
    const version = str(v.client_version);
    if (name === null || version === null) continue;
    clients.set(name, {
      client_name: name,
      client_description: str(v.client_description),
      client_version: version,
      client_documentation_url: str(v.client_documentation_url),
      client_windows_download_url: str(v.client_windows_download_url),
      client_mac_download_url: str(v.client_mac_download_url),
      client_linux_download_url: str(v.client_linux_download_url),
    });
  }
  return clients;
}

/** Applies the rule to a client's name and version (both from the headers). */
export function compareClientVersion(
  clients: Map<string, ClientVersionInfo>,
  name: string | undefined,
  version: string | undefined,
): VersionCheck {
  if (name === undefined || version === undefined) return { kind: 'none' };
  const known = clients.get(name);
  if (!known) return { kind: 'none', unknownClient: name };
  if (known.client_version === version) return { kind: 'known', fields: { version_latest: known } };
  const current = version.split('.');
  if (known.client_version.split('.')[0] !== current[0]) {
    return {
      kind: 'outdated',
      body: {
        version_latest: known,
        current_version: current,
        version_error: VERSION_MISMATCH,
        message: VERSION_TOO_OLD,
      },
    };
  }
  return { kind: 'known', fields: { version_latest: known, version_error: VERSION_MISMATCH } };
}

/** The rule for one request's headers, with the known clients read from the database. */
export async function checkClientVersion(
  db: Db,
  headers: Record<string, string | string[] | undefined>,
): Promise<VersionCheck> {
  const one = (h: string | string[] | undefined): string | undefined =>
    Array.isArray(h) ? h[0] : h;
  const name = one(headers['x-client-name']);
  const version = one(headers['x-client-version']);
  if (name === undefined || version === undefined) return { kind: 'none' };
  return compareClientVersion(
    parseClientVersions(await getSetting(db, SETTING.ServerVersions)),
    name,
    version,
  );
}
