/**
 * A live connection of one session: a websocket that reconnects by itself, and the typed
 * events it receives.
 *
 * States (`state`, `onState`):
 * - `connecting`: the first websocket is being opened;
 * - `open`: the server's first frame (the principal's own CONNECTED) has arrived, so every
 *   event published from now on reaches this connection;
 * - `reconnecting`: the websocket ended (`code`, `reason`) or an attempt failed (`error`); the
 *   next attempt (`attempt`, 1-based) starts after `delayMs`;
 * - `closed`: final. After `close()`, a 4000 close (logout, /api/user/disconnect, the principal
 *   disabled or deleted), a refused login (401) or another final HTTP answer, or any end when
 *   `reconnect` is off.
 *
 * Reconnecting never uses a password: a user's URL comes from its token (GET
 * /api/user/websocket), a participant's and a device's from a login with their token. A 403
 * ("already logged in": the server has not yet noticed the old socket died), 429, 503 or no
 * answer are retried; waits follow ./backoff.ts and restart small once a websocket stayed
 * open `stableAfterMs`. There is never more than one websocket per Connection.
 *
 * Resume (`resume`, on by default; ./resume.ts): the connection opts in to positions, and each
 * time it reconnects it asks for the events it missed. `recovered` (on the `open` state and as a
 * getter) says whether it got them (true), or must rebuild its state as a fresh client (false:
 * the server's history no longer had them); null when nothing was resumed (a first websocket, a
 * server with history off). Its login carries its resume token, so a server that has not yet
 * noticed the old socket died lets it in. A 4002 close (the same client resumed elsewhere) is
 * final. After a 4001 it waits longer before resuming (./backoff.ts), so that the replay does not
 * add load when the server is the busiest.
 *
 * An expiring token (a user's, a participant's dynamic one) is refreshed before it expires,
 * while the connection lives; `session` always holds the current one (the previous one is
 * revoked by the server, so log out with `connection.session`).
 */
import type { Api } from './api.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { Listeners } from './emitter.js';
import { RelayError } from './errors.js';
import { decodeTextFrame, type RelayEvent } from './events.js';
import { decodeBinaryFrame } from './frames.js';
import { refresh, refreshable, tokenExpiry, websocketUrl, type Session } from './login.js';
import { backgroundTimer } from './runtime.js';
import { openSocket, type SocketHandle } from './socket.js';
import { REPLACED_CODE, Resumer } from './resume.js';

/** The subprotocol asking for binary protobuf frames. */
export const SUBPROTOCOL_BINARY = 'opentera-protobuf';
/** OpenTera's forced disconnect: the connection must not come back. */
export const CLIENT_DISCONNECT_CODE = 4000;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  readonly state: ConnectionState;
  /** The close code of the websocket that just ended, or null when none did. */
  readonly code: number | null;
  /** The close reason, or what failed. */
  readonly reason: string;
  /** `reconnecting`: the number of the attempt to come (1 = first retry); else 0. */
  readonly attempt: number;
  /** `reconnecting`: ms until that attempt; else null. */
  readonly delayMs: number | null;
  /** The failed request that led here (no websocket URL, a refused login), or null. */
  readonly error: RelayError | null;
  /**
   * `open` after a resume: true when the missed events follow, false when they could not be
   * given (rebuild the state as a fresh client would); null when nothing was resumed.
   */
  readonly recovered: boolean | null;
}

export interface ConnectOptions {
  /** `json` (OpenTera's text frames, the default) or `binary` (protobuf, `opentera-protobuf`). */
  readonly format?: 'json' | 'binary';
  /** Reconnect after a close other than 4000 (default true). */
  readonly reconnect?: boolean;
  readonly backoff?: BackoffOptions;
  /** A websocket that stayed open this long resets the backoff, ms (default 10000). */
  readonly stableAfterMs?: number;
  /** Refresh an expiring token before it expires (default true). */
  readonly refreshTokens?: boolean;
  /** Opt in to resume: get the events missed while reconnecting (default true). */
  readonly resume?: boolean;
}

interface Ended {
  opened: boolean;
  openedAt: number;
  code: number;
  reason: string;
  /** The HTTP status of a refused upgrade (Node only), or null. */
  refused: number | null;
}

const CLIENT_CLOSE = { code: 1000, reason: 'closed by the client' };
/** Earliest token refresh after a schedule, ms; and the retry pause after a failed refresh. */
const MIN_REFRESH_MS = 5_000;
const REFRESH_RETRY_MS = 30_000;

export class Connection implements AsyncIterable<RelayEvent> {
  private current: Session;
  private snapshot: StateChange;
  private readonly stateListeners = new Listeners<StateChange>();
  private readonly eventListeners = new Listeners<RelayEvent>();
  private readonly sessionListeners = new Listeners<Session>();
  private readonly backoff: Backoff;
  private readonly format: 'json' | 'binary';
  private readonly reconnect: boolean;
  private readonly stableAfterMs: number;
  private readonly refreshTokens: boolean;
  private readonly resumer: Resumer | null;
  private lastRecovered: boolean | null = null;
  private socket: SocketHandle | null = null;
  private liveSockets = 0;
  private stopping = false;
  private wake: (() => void) | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly done: Promise<StateChange>;
  private resolveDone: (s: StateChange) => void = () => {};

  constructor(
    private readonly api: Api,
    session: Session,
    options: ConnectOptions = {},
  ) {
    this.current = session;
    this.format = options.format ?? 'json';
    this.reconnect = options.reconnect ?? true;
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.refreshTokens = options.refreshTokens ?? true;
    this.resumer = (options.resume ?? true) ? new Resumer() : null;
    this.backoff = new Backoff(options.backoff);
    this.snapshot = change('connecting');
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.scheduleRefresh();
    this.run().catch((err: unknown) => {
      const error = asRelayError(err);
      this.finish(null, error.message, error);
    });
  }

  /** The current state, with the close code and reason that led to it. */
  get state(): StateChange {
    return this.snapshot;
  }

  /** The session with its current token. */
  get session(): Session {
    return this.current;
  }

  /** The `recovered` of the last `open` (see StateChange.recovered); null before the first. */
  get recovered(): boolean | null {
    return this.lastRecovered;
  }

  /** Websockets of this connection not yet closed: 0 or 1. */
  get openSockets(): number {
    return this.liveSockets;
  }

  /** Calls `listener` with every event; returns the function that stops it. */
  onEvent(listener: (event: RelayEvent) => void): () => void {
    return this.eventListeners.add(listener);
  }

  /**
   * Calls `listener` with every state change after the initial `connecting` (read `state` for
   * the current one); returns the function that stops it.
   */
  onState(listener: (state: StateChange) => void): () => void {
    return this.stateListeners.add(listener);
  }

  /** Calls `listener` whenever the session's token is replaced. */
  onSession(listener: (session: Session) => void): () => void {
    return this.sessionListeners.add(listener);
  }

  /** Resolves once the connection is `open` (now or next); rejects if it closes first. */
  opened(): Promise<void> {
    if (this.snapshot.state === 'open') return Promise.resolve();
    if (this.snapshot.state === 'closed') return Promise.reject(closedError(this.snapshot));
    return new Promise((resolve, reject) => {
      const stop = this.onState((s) => {
        if (s.state === 'open') resolve();
        else if (s.state === 'closed') reject(closedError(s));
        else return;
        stop();
      });
    });
  }

  /** Resolves with the final state once the connection is `closed`. */
  closed(): Promise<StateChange> {
    return this.done;
  }

  /** Closes for good (no reconnect); resolves once the websocket has closed. */
  close(): Promise<StateChange> {
    if (this.snapshot.state !== 'closed') {
      this.stopping = true;
      this.socket?.close(CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
      this.wake?.();
    }
    return this.done;
  }

  /** The events from now until the connection closes, in order. */
  events(): AsyncIterableIterator<RelayEvent> {
    const queue: RelayEvent[] = [];
    let waiting: ((r: IteratorResult<RelayEvent>) => void) | null = null;
    let finished = this.snapshot.state === 'closed';
    const end = (): void => {
      finished = true;
      stopEvents();
      stopState();
      waiting?.({ value: undefined, done: true });
      waiting = null;
    };
    const stopEvents = this.onEvent((event) => {
      if (waiting) {
        waiting({ value: event, done: false });
        waiting = null;
      } else queue.push(event);
    });
    const stopState = this.onState((s) => s.state === 'closed' && end());
    const iterator: AsyncIterableIterator<RelayEvent> = {
      next: () => {
        const event = queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        queue.length = 0;
        end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    if (finished) end();
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterator<RelayEvent> {
    return this.events();
  }

  private setState(next: StateChange): void {
    if (this.snapshot.state === 'closed') return;
    this.snapshot = next;
    if (next.state === 'closed') {
      if (this.refreshTimer) clearTimeout(this.refreshTimer);
      this.resolveDone(next);
    }
    this.stateListeners.emit(next);
  }

  private setSession(session: Session): void {
    this.current = session;
    this.sessionListeners.emit(session);
  }

  private async run(): Promise<void> {
    let url = this.current.websocketUrl;
    for (;;) {
      if (this.stopping) return this.finish(CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
      if (url === null) {
        const presented = this.current.token;
        try {
          url = await websocketUrl(
            this.api,
            this.current,
            (token) => this.setSession({ ...this.current, token }),
            this.resumer?.headers(),
          );
        } catch (err) {
          const error = asRelayError(err);
          if (this.stopping) continue;
          // The token was refreshed (and the old one revoked) meanwhile: ask again with the new one.
          if (error.status === 401 && this.current.token !== presented) continue;
          if (!error.retryable || !this.reconnect) return this.finish(null, error.message, error);
          await this.pause({ code: null, reason: error.message, error }, error.retryAfterMs);
          continue;
        }
      }
      if (this.stopping) continue;
      const ended = await this.openOnce(url);
      url = null;
      if (this.stopping) return this.finish(ended.code, CLIENT_CLOSE.reason);
      const reason =
        ended.refused !== null ? `websocket upgrade refused (${ended.refused})` : ended.reason;
      if (ended.code === CLIENT_DISCONNECT_CODE || ended.code === REPLACED_CODE || !this.reconnect)
        return this.finish(ended.code, reason);
      if (ended.opened && Date.now() - ended.openedAt >= this.stableAfterMs) this.backoff.reset();
      await this.pause({ code: ended.code, reason, error: null }, null);
    }
  }

  private finish(code: number | null, reason: string, error: RelayError | null = null): void {
    this.setState({ ...change('closed'), code, reason, error });
  }

  /** `reconnecting` until the next attempt is due (or close() is called). */
  private async pause(
    why: { code: number | null; reason: string; error: RelayError | null },
    retryAfterMs: number | null,
  ): Promise<void> {
    const delayMs = this.backoff.next({ closeCode: why.code, retryAfterMs });
    this.setState({
      state: 'reconnecting',
      ...why,
      attempt: this.backoff.attempt,
      delayMs,
      recovered: null,
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, delayMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One websocket, from opening to its close. */
  private openOnce(url: string): Promise<Ended> {
    const plain = this.format === 'binary' ? [SUBPROTOCOL_BINARY] : [];
    const resumer = this.resumer;
    const protocols = resumer ? resumer.protocols(this.format, plain) : plain;
    const ended: Ended = { opened: false, openedAt: 0, code: 1006, reason: '', refused: null };
    let announced = false;
    let resuming = false;
    return new Promise<Ended>((resolve) => {
      this.liveSockets += 1;
      openSocket(url, protocols, this.api.tls, {
        open: (protocol, send) => {
          ended.opened = true;
          ended.openedAt = Date.now();
          resuming = resumer !== null && resumer.accepted(protocol);
          if (resuming) send(resumer!.hello());
        },
        message: (data) => {
          if (resuming) {
            const frame = resumer!.read(data);
            if (frame.kind === 'welcome') {
              this.lastRecovered = frame.recovered;
              this.setState({ ...change('open'), recovered: frame.recovered });
            }
            if (frame.kind !== 'events') return;
            for (const event of frame.events) this.eventListeners.emit(event);
            return;
          }
          const events = typeof data === 'string' ? decodeTextFrame(data) : decodeBinaryFrame(data);
          for (const event of events) this.eventListeners.emit(event);
          if (!announced) {
            announced = true;
            this.setState(change('open'));
          }
        },
        refused: (status) => (ended.refused = status),
        close: (code, reason) => {
          this.socket = null;
          this.liveSockets -= 1;
          ended.code = code;
          ended.reason = reason;
          resolve(ended);
        },
      }).then(
        (socket) => {
          this.socket = socket;
          if (this.stopping) socket.close(CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
        },
        (err: unknown) => {
          this.liveSockets -= 1;
          ended.reason = err instanceof Error ? err.message : String(err);
          resolve(ended);
        },
      );
    });
  }

  /** Refreshes an expiring token at three quarters of its remaining life. */
  private scheduleRefresh(delayMs?: number): void {
    if (!this.refreshTokens || !refreshable(this.current)) return;
    const exp = tokenExpiry(this.current.token);
    if (exp === null) return;
    const left = exp * 1000 - Date.now();
    const wait = delayMs ?? Math.max(MIN_REFRESH_MS, left * 0.75);
    if (left <= 0) return;
    this.refreshTimer = backgroundTimer(() => void this.refreshNow(), wait);
  }

  private get isClosed(): boolean {
    return this.snapshot.state === 'closed';
  }

  private async refreshNow(): Promise<void> {
    if (this.isClosed) return;
    try {
      const next = await refresh(this.api, this.current);
      if (this.isClosed) return;
      this.setSession({ ...next, websocketUrl: null });
      this.scheduleRefresh();
    } catch (err) {
      // A refused token stays refused; anything else is tried again later.
      if (asRelayError(err).retryable) this.scheduleRefresh(REFRESH_RETRY_MS);
    }
  }
}

function change(state: ConnectionState): StateChange {
  return { state, code: null, reason: '', attempt: 0, delayMs: null, error: null, recovered: null };
}

function asRelayError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RelayError(message, null, 'network');
}

function closedError(s: StateChange): Error {
  return (
    s.error ??
    new Error(`connection closed (${s.code ?? 'no code'}${s.reason ? `: ${s.reason}` : ''})`)
  );
}
