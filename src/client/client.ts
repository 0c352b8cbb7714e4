/**
 * TeraRelayClient: one server (base URL and, in Node, TLS options) and everything the SDK does
 * with it. See ./index.ts for an overview.
 */
import { Api, type ServerOptions } from './api.js';
import { Connection, type ConnectOptions } from './connection.js';
import { sendDeviceStatus } from './device.js';
import {
  login,
  logout,
  refresh,
  websocketUrl,
  type Credentials,
  type LoginOptions,
  type Session,
} from './login.js';
import { fetchOnline, OnlineTracker, type OnlineEntry } from './online.js';
import { ServiceClient } from './service.js';

export type ClientOptions = ServerOptions;

const sessionOf = (s: Session | Connection): Session => (s instanceof Connection ? s.session : s);

export class TeraRelayClient {
  private readonly api: Api;

  constructor(options: ClientOptions) {
    this.api = new Api(options);
  }

  /** The server's origin, e.g. `https://relay.example.org:40075`. */
  get url(): string {
    return this.api.base;
  }

  /** Logs in; the Session holds the tokens and (by default) a one-time websocket URL. */
  login(credentials: Credentials, options?: LoginOptions): Promise<Session> {
    return login(this.api, credentials, options);
  }

  /** A new token for a user or a participant's dynamic token (the old one is revoked). */
  refresh(session: Session | Connection): Promise<Session> {
    return refresh(this.api, sessionOf(session));
  }

  /** Closes every websocket of the principal (4000), observers included, and revokes the token. */
  logout(session: Session | Connection): Promise<void> {
    return logout(this.api, sessionOf(session));
  }

  /** A fresh one-time websocket URL for a session, without a password. */
  websocketUrl(session: Session): Promise<string> {
    return websocketUrl(this.api, session);
  }

  /** Opens the session's websocket; it reconnects by itself (see Connection). */
  connect(session: Session, options?: ConnectOptions): Connection {
    return new Connection(this.api, session, options);
  }

  /** Who is online or busy now, as the session's user may see it (REST lists). */
  online(session: Session | Connection): Promise<OnlineEntry[]> {
    return fetchOnline(this.api, sessionOf(session));
  }

  /** Who is online, kept current by a user's connection. */
  trackOnline(connection: Connection): OnlineTracker {
    return new OnlineTracker(this.api, connection);
  }

  /** Posts a device's status (the device must be connected). */
  sendDeviceStatus(
    session: Session | Connection | string,
    status: Readonly<Record<string, unknown>>,
    timestamp?: number,
  ): Promise<void> {
    const token = typeof session === 'string' ? session : sessionOf(session).token;
    return sendDeviceStatus(this.api, token, status, timestamp);
  }

  /** The service side, with a service token. */
  service(serviceToken: string): ServiceClient {
    return new ServiceClient(this.api, serviceToken);
  }
}
