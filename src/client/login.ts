/**
 * Logging in, out, refreshing tokens and getting websocket URLs, for each kind of principal,
 * over OpenTera's REST API (plus TeraRelay's GET /api/user/websocket for users).
 *
 * Credentials per scheme:
 * - a user: username and password (HTTP Basic), once; the SDK then works with the user token.
 *   `observer: true` asks for an observer connection (events only, never counted online);
 * - a participant: username and password (Basic), or its token (the static one from its
 *   project, or a dynamic one from a previous login);
 * - a device: its token.
 *
 * A Session holds what the server answered: who logged in, the token used from then on, and
 * a one-time websocket URL (valid a minute by default) when one was asked for.
 */
import type { Api } from './api.js';
import { RelayError } from './errors.js';

export type PrincipalKind = 'user' | 'participant' | 'device';

export type Credentials =
  | { readonly user: string; readonly password: string; readonly observer?: boolean }
  | { readonly participant: string; readonly password: string }
  | { readonly participantToken: string }
  | { readonly deviceToken: string };

export interface Session {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  /** Full name of a user, name of a participant or device. */
  readonly name: string;
  /**
   * The token used after login: a user token (expires, refreshed by a connection), a
   * participant's dynamic token (expires) or static token, or a device token.
   */
  readonly token: string;
  /** A participant's static token (`base_token`), when the server gave it. */
  readonly staticToken: string | null;
  /** A user session opened for an observer connection. */
  readonly observer: boolean;
  /** A one-time `wss://` URL for `connect`, or null when none was asked for or given. */
  readonly websocketUrl: string | null;
  /** The login's JSON answer as the server sent it (e.g. a device's `participants_info`). */
  readonly answer: Readonly<Record<string, unknown>>;
}

export interface LoginOptions {
  /** Also get a one-time websocket URL (default true). */
  readonly websocket?: boolean;
}

type Json = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const textOrNull = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/** A login the server answered without tokens: a password change or 2FA is required first. */
function redirected(answer: Json): RelayError | null {
  if (typeof answer.reason !== 'string' || typeof answer.redirect_url !== 'string') return null;
  const message = text(answer.message) || `login needs ${answer.reason}`;
  return new RelayError(`user login: ${message}`, 200, answer.reason, answer);
}

export async function login(
  api: Api,
  credentials: Credentials,
  options: LoginOptions = {},
): Promise<Session> {
  const websocket = options.websocket ?? true;
  if ('user' in credentials) return userLogin(api, credentials, websocket);
  if ('deviceToken' in credentials) return deviceLogin(api, credentials.deviceToken, websocket);
  const auth =
    'participantToken' in credentials
      ? { token: credentials.participantToken }
      : { basic: { username: credentials.participant, password: credentials.password } };
  return participantLogin(
    api,
    auth,
    websocket,
    'participantToken' in credentials ? credentials.participantToken : null,
  );
}

async function userLogin(
  api: Api,
  credentials: { user: string; password: string; observer?: boolean },
  websocket: boolean,
): Promise<Session> {
  const observer = credentials.observer === true;
  const basic = { basic: { username: credentials.user, password: credentials.password } };
  // An observer's URL comes from the token endpoint, which gives it even while the user is online.
  const answer = await api.call<Json>('GET', '/api/user/login', basic, {
    query: { with_websocket: websocket && !observer ? true : undefined },
  });
  const refusal = redirected(answer);
  if (refusal) throw refusal;
  const session: Session = {
    kind: 'user',
    uuid: text(answer.user_uuid),
    name: text(answer.user_fullname),
    token: text(answer.user_token),
    staticToken: null,
    observer,
    websocketUrl: textOrNull(answer.websocket_url),
    answer,
  };
  if (!websocket || !observer) return session;
  return { ...session, websocketUrl: await websocketUrl(api, session) };
}

async function participantLogin(
  api: Api,
  auth: { token: string } | { basic: { username: string; password: string } },
  websocket: boolean,
  presented: string | null,
): Promise<Session> {
  const answer = await api.call<Json>('GET', '/api/participant/login', auth, {
    query: { with_websocket: websocket ? true : undefined },
  });
  const dynamic = textOrNull(answer.participant_token);
  const staticToken = textOrNull(answer.base_token);
  const token = dynamic ?? presented ?? staticToken;
  if (token === null)
    throw new RelayError('participant login: the server gave no token', 200, 'no_token', answer);
  return {
    kind: 'participant',
    uuid: text(answer.participant_uuid),
    name: text(answer.participant_name),
    token,
    staticToken,
    observer: false,
    websocketUrl: websocket ? textOrNull(answer.websocket_url) : null,
    answer,
  };
}

async function deviceLogin(api: Api, token: string, websocket: boolean): Promise<Session> {
  const answer = await api.call<Json>('GET', '/api/device/login', { token });
  const info = (answer.device_info ?? {}) as Json;
  return {
    kind: 'device',
    uuid: text(info.device_uuid),
    name: text(info.device_name),
    token,
    staticToken: null,
    observer: false,
    websocketUrl: websocket ? textOrNull(answer.websocket_url) : null,
    answer,
  };
}

/**
 * A fresh one-time websocket URL for a logged-in session, without its password: users through
 * GET /api/user/websocket (observer or not), participants and devices by logging in again with
 * their token. The session's token may change (a participant's login gives a new dynamic
 * token): `onToken` receives it. 403 while the principal is still online (retryable), unless
 * `headers` carry the client's resume token (./resume.ts).
 */
export async function websocketUrl(
  api: Api,
  session: Session,
  onToken: (token: string) => void = () => {},
  headers: Record<string, string> = {},
): Promise<string> {
  const auth = { token: session.token };
  let answer: Json;
  if (session.kind === 'user') {
    answer = await api.call<Json>('GET', '/api/user/websocket', auth, {
      query: { observer: session.observer ? true : undefined },
      headers,
    });
  } else if (session.kind === 'participant') {
    answer = await api.call<Json>('GET', '/api/participant/login', auth, {
      query: { with_websocket: true },
      headers,
    });
    const renewed = textOrNull(answer.participant_token);
    if (renewed !== null && session.token !== session.staticToken) onToken(renewed);
  } else {
    answer = await api.call<Json>('GET', '/api/device/login', auth, { headers });
  }
  const url = textOrNull(answer.websocket_url);
  if (url === null)
    throw new RelayError(
      `${session.kind} ${session.uuid} got no websocket URL (a device that is not onlineable?)`,
      200,
      'no_websocket',
      answer,
    );
  return url;
}

/**
 * A new token for a user or a participant's dynamic token; the old one is revoked by the
 * server. A participant's static token and a device token do not expire (RelayError).
 */
export async function refresh(api: Api, session: Session): Promise<Session> {
  if (!refreshable(session))
    throw new RelayError(
      `a ${session.kind} ${session.token === session.staticToken ? 'static ' : ''}token is not refreshed`,
      null,
      'not_refreshable',
    );
  const path =
    session.kind === 'user' ? '/api/user/refresh_token' : '/api/participant/refresh_token';
  const answer = await api.call<Json>('GET', path, { token: session.token });
  const token = textOrNull(answer.refresh_token);
  if (token === null) throw new RelayError(`${path}: no refresh_token`, 200, 'no_token', answer);
  return { ...session, token, websocketUrl: null };
}

/** Whether `refresh` applies: a user token, or a participant's dynamic token. */
export const refreshable = (session: Session): boolean =>
  session.kind === 'user' ||
  (session.kind === 'participant' && session.token !== session.staticToken);

/**
 * Logs out: the server closes every websocket of the principal (4000), its observers
 * included, and revokes the token (not a static one).
 */
export async function logout(api: Api, session: Session): Promise<void> {
  await api.call<unknown>('GET', `/api/${session.kind}/logout`, { token: session.token });
}

/** Seconds since the epoch when a JWT expires, or null for a token that is not a JWT with `exp`. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const padded = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(atob(padded + '='.repeat((4 - (padded.length % 4)) % 4))) as {
      exp?: unknown;
    };
    return typeof json.exp === 'number' ? json.exp : null;
  } catch {
    return null;
  }
}
