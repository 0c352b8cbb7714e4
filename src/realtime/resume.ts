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
 * - records of live clients are extended every third of `--history-seconds` (at most a minute)
 *   to outlive them; when a connection ends, its record is given `--history-seconds` more, and
 *   its shared event topics stay subscribed on this node for as long (`gone`, called before the
 *   hub drops them): a node hears only the topics it subscribes to, so this is what keeps, for a
 *   client connected nowhere, what OpenTera's services publish on them meanwhile. Its direct
 *   topic needs no such care: every node with a hub hears every direct topic (./hub.ts). Lost
 *   when this node dies: see ARCHITECTURE.md.
 *
 * It keeps the live resumable connections (with their token hashes and topics), the lingering
 * subscriptions and two timers.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics, ResumeOutcome } from '../metrics.js';
import type { Bus, Subscription } from '../seams/bus/bus.js';
import { directTopicOwner } from '../topics.js';
import type { History, HistoryEntry, HistoryHead } from '../seams/history/history.js';
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
import {
  parseHello,
  positionFrame,
  welcomeFrame,
  type ClientHello,
  type Welcome,
} from './resume-frames.js';

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
  /** Its event topics (kept subscribed a while after it ends). */
  readonly topics: readonly string[];
  /** The client's previous connection, to replace; null for a new client. */
  readonly replaces: string | null;
}

type ResumeHello = Extract<ClientHello, { type: 'resume' }>;

interface Resumed {
  readonly outcome: ResumeOutcome;
  readonly head: HistoryHead;
  readonly replay: Frame[];
  /** The client's previous connection (null: the token did not prove the client). */
  readonly replaces: string | null;
}

export class Resume {
  private readonly live = new Map<Connection, Opening>();
  /** Subscriptions kept after a client left, each until its timer ends it. */
  private readonly lingering = new Map<NodeJS.Timeout, Promise<Subscription[]>>();
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
    this.live.set(connection, opening);
    const previous = opening.replaces;
    if (previous === null || previous === connection.id) return;
    const { kind, uuid } = connection.principal;
    const message = Buffer.from(JSON.stringify({ kind, uuid, connection: previous }));
    void joined.finally(() => this.options.bus.publish(REPLACED_TOPIC, message));
  }

  /**
   * `connection` stopped being live (call it before the hub drops its topics): its record lives
   * `--history-seconds` more, and its shared topics stay subscribed here as long.
   */
  gone(connection: Connection): void {
    const opening = this.live.get(connection);
    if (opening === undefined) return;
    this.live.delete(connection);
    if (this.closed) return;
    const ttl = this.options.config.historySeconds * 1000;
    this.options.tokens.extend([opening.hash], ttl).catch((err: Error) => {
      this.options.log.warn({ err: err.message }, 'resume: could not extend a token record');
    });
    const { history } = this.options;
    const shared = opening.topics.filter((t) => directTopicOwner(t) === null);
    const subscriptions = Promise.all(shared.map((t) => history.subscribe(t, noop)));
    subscriptions.catch((err: Error) => {
      this.options.log.warn({ err: err.message }, 'resume: could not keep topics subscribed');
    });
    const timer = setTimeout(() => {
      this.lingering.delete(timer);
      void unsubscribeAll(subscriptions);
    }, ttl);
    timer.unref();
    this.lingering.set(timer, subscriptions);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.positionTimer);
    clearInterval(this.refreshTimer);
    const lingering = [...this.lingering];
    this.lingering.clear();
    for (const [timer] of lingering) clearTimeout(timer);
    await Promise.all(lingering.map(([, subscriptions]) => unsubscribeAll(subscriptions)));
    const subscription = await this.subscription?.catch(() => null);
    await subscription?.unsubscribe();
  }

  private async plan(
    connection: Connection,
    topics: readonly string[],
    own: Frame,
    resume: ResumeHello | null,
  ): Promise<Opening> {
    const { history, tokens } = this.options;
    const { kind, uuid } = connection.principal;
    const outcome = resume ? await this.resumed(connection, topics, resume) : null;
    if (outcome) this.options.metrics?.resumes.inc({ outcome: outcome.outcome });
    const head = outcome?.head ?? (await history.head());
    const recovered = outcome?.outcome === 'recovered';
    // The client keeps its token when it proved it owns it; a new client gets a new one.
    const token = resume && outcome?.replaces != null ? resume.token : newResumeToken();
    const hash = hashResumeToken(token);
    await tokens.save(hash, { kind, uuid, connection: connection.id }, this.liveTtlMs);
    const welcome: Welcome = {
      token,
      epoch: head.epoch,
      position: recovered && resume ? resume.position : head.position,
      ...(outcome ? { recovered } : {}),
      ...(outcome && !recovered ? { reason: outcome.outcome } : {}),
    };
    const replay = outcome?.replay ?? [];
    const then = recovered ? [own, ...replay, positionFrame(head.position)] : [own];
    const first = welcomeFrame(welcome);
    const replaces = outcome?.replaces ?? null;
    return { first, then, position: head.position, hash, topics, replaces };
  }

  /** What a resume gets: the replay when recovered, else why not. */
  private async resumed(
    connection: Connection,
    topics: readonly string[],
    resume: ResumeHello,
  ): Promise<Resumed> {
    const { history, tokens } = this.options;
    const { kind, uuid } = connection.principal;
    const record = await tokens.find(hashResumeToken(resume.token));
    if (record?.kind !== kind || record.uuid !== uuid) {
      // A lost history (a restarted node) also lost its tokens: say what the client lost.
      const head = await history.head();
      const outcome = head.epoch === resume.epoch ? 'unknown_token' : 'epoch';
      return { outcome, head, replay: [], replaces: null };
    }
    const replaces = record.connection;
    const found = await history.since(resume.epoch, resume.position, topics);
    if (!found.recovered) return { outcome: found.reason, head: found.head, replay: [], replaces };
    const replay = this.render(connection, found.entries);
    if (!replay) return { outcome: 'too_large', head: found.head, replay: [], replaces };
    return { outcome: 'recovered', head: found.head, replay, replaces };
  }

  /** The kept events as `connection` may see them now; null past half the send-buffer limit. */
  private render(connection: Connection, entries: readonly HistoryEntry[]): Frame[] | null {
    const limit = this.options.config.sendBufferLimit / 2;
    const frames: Frame[] = [];
    let bytes = 0;
    for (const { topic, payload, position } of entries) {
      for (const frame of this.options.hub.framesFor(connection, topic, payload, position)) {
        bytes += typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
        if (bytes > limit) return null;
        frames.push(frame);
      }
    }
    return frames;
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
    const hashes = [...this.live.values()].map((o) => o.hash);
    if (hashes.length === 0) return;
    try {
      await this.options.tokens.extend(hashes, this.liveTtlMs);
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'resume: could not refresh records');
    }
  }
}

function noop(): void {}

async function unsubscribeAll(subscriptions: Promise<Subscription[]>): Promise<void> {
  const list = await subscriptions.catch(() => []);
  await Promise.all(list.map((s) => s.unsubscribe()));
}
