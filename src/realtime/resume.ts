/**
 * Resume: what a node does for the clients that opted in to positions and resume
 * (ARCHITECTURE.md, "Positions, history and resume"; frames in ./resume-frames.ts).
 *
 * - `opening` (after the connection's subscriptions are live): reads its first frame (start or
 *   resume, within HELLO_MS), checks a resume token against the connection's principal, reads the
 *   history after the client's position and renders it for the access the connection has now,
 *   stores the token's record (the token is new unless the client proved it owns one), and gives
 *   the frames the connection opens with and where it then stands. A replay larger than half the
 *   send-buffer limit is refused (`recovered: false`, `too_large`): it would be closed as a slow
 *   consumer, and a fresh start is cheaper;
 * - `opened` (once the connection joined presence): the client's previous connection, on any
 *   node, is closed with 4002 (`REPLACED_TOPIC` on the bus), so its presence count goes 2 → 1;
 * - every POSITION_EVERY_MS, a client whose position lags the node's last delivered position is
 *   sent a position frame (it was not allowed to see the events in between);
 * - records of live clients are extended every REFRESH_EVERY_MS to outlive them; when a
 *   connection ends, its record is given `--history-seconds` more.
 *
 * It keeps the live resumable connections (with their token hashes) and two timers.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics, ResumeOutcome } from '../metrics.js';
import type { Bus, Subscription } from '../seams/bus/bus.js';
import type { History, HistoryHead } from '../seams/history/history.js';
import { comparePositions } from '../seams/history/positions.js';
import {
  hashResumeToken,
  newResumeToken,
  parseResumeRecord,
  type ResumeTokens,
} from '../seams/history/tokens.js';
import { withTimeout } from '../util/timers.js';
import type { Connection, Frame } from './connection.js';
import type { Hub } from './hub.js';
import { parseHello, positionFrame, welcomeFrame, type Welcome } from './resume-frames.js';

/** The bus topic on which a node asks whichever node holds a connection to close it (4002). */
export const REPLACED_TOPIC = 'terarelay.resume.replaced';
/** How long a resumable connection may take to send its first frame, ms. */
export const HELLO_MS = 10_000;
/** How often lagging clients get a position frame, ms. */
export const POSITION_EVERY_MS = 5_000;

export interface ResumeOptions {
  history: History;
  tokens: ResumeTokens;
  hub: Hub<Connection>;
  bus: Bus;
  config: Pick<Config, 'historySeconds' | 'sendBufferLimit'>;
  log: Logger;
  metrics?: Metrics;
}

/** What a resumable connection opens with (Connection.open's arguments). */
export interface Opening {
  readonly first: Frame;
  readonly then: Frame[];
  /** Where the client stands once `then` is sent: the floor of its live frames. */
  readonly position: string;
  /** Its token's hash. */
  readonly hash: string;
  /** The client's previous connection, to replace; null for a new client. */
  readonly replaces: string | null;
}

export class Resume {
  private readonly live = new Map<Connection, string>();
  private readonly positionTimer: NodeJS.Timeout;
  private readonly refreshTimer: NodeJS.Timeout;
  private readonly refreshEveryMs: number;
  private subscription: Promise<Subscription> | null = null;
  private closed = false;

  constructor(private readonly options: ResumeOptions) {
    const seconds = options.config.historySeconds;
    this.refreshEveryMs = Math.min((seconds * 1000) / 3, 60_000);
    this.positionTimer = setInterval(() => this.movePositions(), POSITION_EVERY_MS);
    this.positionTimer.unref();
    this.refreshTimer = setInterval(() => void this.refresh(), this.refreshEveryMs);
    this.refreshTimer.unref();
  }

  /** How long a live client's record lives between refreshes, ms. */
  private get liveTtlMs(): number {
    return this.options.config.historySeconds * 1000 + 2 * this.refreshEveryMs;
  }

  /** Listens for connections to replace. Resolves once the subscription is live. */
  async listen(): Promise<void> {
    this.subscription ??= this.options.bus.subscribe(REPLACED_TOPIC, (_t, payload) =>
      this.replaceHere(payload),
    );
    await this.subscription;
  }

  /**
   * The frames `connection` opens with, its subscriptions on `topics` being live; `own` is its
   * own CONNECTED. Null when the connection was closed instead (1008 without a valid first
   * frame, 1011 when the history or the tokens could not be reached).
   */
  async opening(
    connection: Connection,
    topics: readonly string[],
    own: Frame,
  ): Promise<Opening | null> {
    const text = await withTimeout(connection.firstClientFrame(), HELLO_MS, 'first frame').catch(
      () => null,
    );
    if (connection.isClosed) return null;
    const hello = parseHello(text);
    if (!hello) {
      connection.close('PROTOCOL_ERROR');
      return null;
    }
    try {
      return await this.plan(connection, topics, own, hello.type === 'resume' ? hello : null);
    } catch (err) {
      this.options.log.error({ err }, 'resume: could not open the connection');
      connection.close('INTERNAL_ERROR');
      return null;
    }
  }

  /**
   * `connection` is open; `joined` settles once it counts in presence. Its previous connection
   * is then replaced, and its record kept alive while it lives.
   */
  opened(connection: Connection, opening: Opening, joined: Promise<unknown>): void {
    if (connection.isClosed) return;
    this.live.set(connection, opening.hash);
    const previous = opening.replaces;
    if (previous === null || previous === connection.id) return;
    const { kind, uuid } = connection.principal;
    const message = Buffer.from(JSON.stringify({ kind, uuid, connection: previous }));
    void joined.finally(() => this.options.bus.publish(REPLACED_TOPIC, message));
  }

  /** `connection` stopped being live: its record lives `--history-seconds` more. */
  gone(connection: Connection): void {
    const hash = this.live.get(connection);
    if (hash === undefined) return;
    this.live.delete(connection);
    if (this.closed) return;
    const ttl = this.options.config.historySeconds * 1000;
    this.options.tokens.extend([hash], ttl).catch((err: Error) => {
      this.options.log.warn({ err: err.message }, 'resume: could not extend a token record');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.positionTimer);
    clearInterval(this.refreshTimer);
    const subscription = await this.subscription?.catch(() => null);
    await subscription?.unsubscribe();
  }

  private async plan(
    connection: Connection,
    topics: readonly string[],
    own: Frame,
    resume: { token: string; epoch: string; position: string } | null,
  ): Promise<Opening> {
    const { history, tokens, hub, config } = this.options;
    const { kind, uuid } = connection.principal;
    let token = newResumeToken();
    let replaces: string | null = null;
    let outcome: ResumeOutcome | null = null;
    let head: HistoryHead | null = null;
    let replay: Frame[] = [];
    if (resume) {
      const hash = hashResumeToken(resume.token);
      const record = await tokens.find(hash);
      if (record?.kind === kind && record.uuid === uuid) {
        token = resume.token;
        replaces = record.connection;
        const found = await history.since(resume.epoch, resume.position, topics);
        head = found.head;
        if (!found.recovered) outcome = found.reason;
        else {
          let bytes = 0;
          for (const entry of found.entries) {
            for (const frame of hub.framesFor(
              connection,
              entry.topic,
              entry.payload,
              entry.position,
            )) {
              bytes += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
              replay.push(frame);
            }
            if (bytes > config.sendBufferLimit / 2) break;
          }
          if (bytes > config.sendBufferLimit / 2) {
            outcome = 'too_large';
            replay = [];
          } else outcome = 'recovered';
        }
      } else {
        // A lost history (a restarted node) also loses its tokens: say what the client lost.
        head = await history.head();
        outcome = head.epoch === resume.epoch ? 'unknown_token' : 'epoch';
      }
      this.options.metrics?.resumes.inc({ outcome });
    }
    head ??= await history.head();
    const hash = hashResumeToken(token);
    await tokens.save(hash, { kind, uuid, connection: connection.id }, this.liveTtlMs);
    const recovered = outcome === 'recovered';
    const welcome: Welcome = {
      token,
      epoch: head.epoch,
      position: recovered && resume ? resume.position : head.position,
      ...(resume ? { recovered } : {}),
      ...(outcome && !recovered ? { reason: outcome } : {}),
    };
    const then = recovered ? [own, ...replay, positionFrame(head.position)] : [own];
    return { first: welcomeFrame(welcome), then, position: head.position, hash, replaces };
  }

  /** A message on REPLACED_TOPIC: closes that connection if it is here. */
  private replaceHere(payload: Uint8Array): void {
    const target = parseResumeRecord(Buffer.from(payload).toString('utf8'));
    if (!target) return;
    for (const c of [...this.options.hub.membersOf(target.kind, target.uuid)])
      if (c.id === target.connection) c.close('REPLACED');
  }

  /** Position frames for the clients whose position lags the node's. */
  private movePositions(): void {
    const last = this.options.hub.lastPosition;
    if (last === null) return;
    let frame: string | null = null;
    for (const connection of this.live.keys()) {
      const at = connection.position;
      if (connection.isClosed || at === null || comparePositions(last, at) <= 0) continue;
      connection.send((frame ??= positionFrame(last)));
      connection.position = last;
    }
  }

  private async refresh(): Promise<void> {
    const hashes = [...this.live.values()];
    if (hashes.length === 0) return;
    try {
      await this.options.tokens.extend(hashes, this.liveTtlMs);
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'resume: could not refresh records');
    }
  }
}
