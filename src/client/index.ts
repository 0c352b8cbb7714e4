/**
 * terarelay/client: the TeraRelay (and OpenTera) client SDK, one code base for Node ≥ 20 and
 * browsers.
 *
 * ```ts
 * const relay = new TeraRelayClient({ url: 'https://127.0.0.1:40075', insecure: true });
 * const session = await relay.login({ user: 'admin', password: 'admin' });
 * const connection = relay.connect(session);
 * connection.onState((s) => console.log(s.state, s.code ?? '', s.reason));
 * for await (const event of connection) console.log(event.type, event.kind, event.uuid);
 * ```
 *
 * In Node it speaks through `node:https` and `ws`, with `ca` and `insecure`; in a browser
 * through `fetch` and the native WebSocket (the page's certificate rules apply). The server
 * also serves this SDK as one ES module at `/client/terarelay-client.js`.
 */
export { TeraRelayClient, type ClientOptions } from './client.js';
export type { ServerOptions } from './api.js';
export type { TlsOptions } from './runtime.js';
export { RelayError } from './errors.js';
export type { Credentials, LoginOptions, PrincipalKind, Session } from './login.js';
export { tokenExpiry } from './login.js';
export {
  Connection,
  CLIENT_DISCONNECT_CODE,
  SUBPROTOCOL_BINARY,
  type ConnectOptions,
  type ConnectionState,
  type StateChange,
} from './connection.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  REPLACED_CODE,
  RESUME_HEADER,
  SUBPROTOCOL_RESUME_BINARY,
  SUBPROTOCOL_RESUME_JSON,
} from './resume.js';
export {
  decodeEvent,
  decodeTextFrame,
  type DeviceStatusEvent,
  type JoinSessionEvent,
  type JoinSessionReplyEvent,
  type LeaveSessionEvent,
  type PresenceChange,
  type PrincipalEvent,
  type RelayEvent,
  type StopSessionEvent,
  type UnknownEvent,
} from './events.js';
export { decodeBinaryFrame } from './frames.js';
export { applyEvent, OnlineTracker, type OnlineEntry } from './online.js';
export { ServiceClient, type OutgoingEvent } from './service.js';
