/**
 * The origin a login advertises in `websocket_url`: `--public-url`, else derived
 * from the listening host and port. Behind a reverse proxy OpenTera takes the host from
 * `X-ExternalServer` (nginx sends `X_ExternalServer`) and the port from `X-ExternalPort`; here
 * those headers count only when the TCP peer is a configured trusted proxy (anyone else could
 * redirect clients to a server of their choosing),
 * and only when they hold a plain host name or address and a port number.
 */
import { isIP } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { publicOrigin, trustedProxies, type Config } from '../config.js';
import type { PrincipalKind } from '../principal.js';

export interface OriginRequest {
  headers: IncomingHttpHeaders;
  /** The TCP peer (never a forwarded address). */
  peerAddress: string | undefined;
  /** The port this server listens on. */
  listeningPort: number;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function header(headers: IncomingHttpHeaders, names: string[]): string | undefined {
  for (const name of names) {
    const v = headers[name];
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

/** `host` as it goes in a URL, or null when it is neither a host name nor an IP address. */
function urlHost(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) return `[${bare}]`;
  if (isIP(bare) === 4 || HOST_NAME.test(bare)) return bare;
  return null;
}

function urlPort(port: string): string | null {
  if (!/^\d{1,5}$/.test(port)) return null;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? String(n) : null;
}

/** Builds websocket URLs for one server configuration. */
export class WebsocketUrls {
  private readonly trusted: (address: string | undefined) => boolean;

  constructor(private readonly config: Config) {
    this.trusted = trustedProxies(config);
  }

  /** The origin (`wss://host:port`) for this request. */
  origin(req: OriginRequest): string {
    const base = new URL(publicOrigin(this.config, req.listeningPort));
    if (!this.trusted(req.peerAddress)) return base.origin;
    const serverHeader = header(req.headers, ['x-externalserver', 'x_externalserver']);
    const portHeader = header(req.headers, ['x-externalport', 'x_externalport']);
    const host = serverHeader === undefined ? null : urlHost(serverHeader);
    const port = portHeader === undefined ? null : urlPort(portHeader);
    const hostPart = host ?? base.hostname;
    const portPart = port ?? (base.port || (base.protocol === 'wss:' ? '443' : '80'));
    return `${base.protocol}//${hostPart}:${portPart}`;
  }

  /** `<origin>/wss/<kind>?id=<ticket>`. */
  url(req: OriginRequest, kind: PrincipalKind, ticket: string): string {
    return `${this.origin(req)}/wss/${kind}?id=${encodeURIComponent(ticket)}`;
  }
}
