/**
 * The hub: the one registry of this node's live connections, and the fan-out path.
 *
 * It keeps every live member with its shared topics, the members grouped by principal (kind,
 * then uuid), and, per shared topic, the member set, the topic's role and the one bus
 * subscription shared by all of them (made by the first member, dropped with the last), so a
 * node holds one subscription per topic however many sockets listen. A principal's own topics
 * (its direct events, `websocket.<kind>.<uuid>.events`, and its commands,
 * `module.TeraServer.TwistedModule.events.<uuid>`) are heard node-wide instead, through one
 * prefix subscription each (made with the first member, kept until the hub closes), and their
 * members are found by principal: an idle connection holds no topic entry, subscription or
 * topic name of its own. Every idle connection costs the entries left, so none holds more: a
 * principal with one connection gets no set, and members passing the same topic list share it.
 *
 * Roles:
 * - `events`: binary TeraEvents. Decoded once; a TeraEvent carrying several events is split
 *   and each event is filtered on its own (a client reads only the first event of a frame);
 *   each surviving event is encoded at most once per wire format, with the whole websocket
 *   frame around it (./event-frames.ts), and the same bytes go to every member allowed to see
 *   it. On a large topic, a UserEvent, ParticipantEvent or DeviceEvent reaches the members its
 *   audience index (./audience-index.ts) files under a set holding its subject, each distinct
 *   set asked once, plus its subject's own members, asked one by one: a member that may not
 *   see it costs nothing, and a connect storm costs no filter call per pair of devices. Other
 *   events ask only the members their audience names by kind and uuid (`audienceOf`), found
 *   by principal.
 * - `commands`: binary TeraModuleMessages on `module.TeraServer.TwistedModule.events.<uuid>`;
 *   a ServerCommand CMD_CLIENT_DISCONNECT closes every member of that uuid with 4000.
 * A node hears every principal's own topics, its members' or not: a message for a principal
 * with no member here costs one parse of its topic name and one map lookup.
 *
 * With a history (`--history on`), `events` topics are heard through it rather than the bus:
 * each event comes with its position, members that opted in (`resumable`) get the positioned
 * variant of the frame (made once per event and format too), and `lastPosition` is the last
 * position delivered on this node: every event of its topics up to it has been sent or filtered.
 * `framesFor` renders one kept event for one member, the same way, for a replay.
 *
 * The fan-out path is synchronous and total: no await, no throw, no database query; a
 * failure affects one message or one member, never the others or the bus.
 */
import type { Logger } from 'pino';
import type { Bus, Subscription } from '../seams/bus/bus.js';
import type { History } from '../seams/history/history.js';
import type { Metrics } from '../metrics.js';
import type { Codec, WireFormat } from '../protocol/codec.js';
import {
  anyUnpack,
  create,
  eventTypeName,
  ServerCommand_CommandType,
  ServerCommandSchema,
  TeraEventSchema,
  forEachClientEvent,
  type ClientEvent,
  type TeraEvent,
} from '../protocol/messages.js';
import {
  audienceOf,
  presenceSubject,
  type AccessScope,
  type Channel,
  type PresenceType,
} from '../access/scope.js';
import type { AccessSets } from '../access/access.js';
import type { CloseKind } from '../errors.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';
import { DIRECT_TOPIC_PREFIX, directTopicOwner, TWISTED_COMMANDS_PREFIX } from '../topics.js';
import type { Frame } from './connection.js';
import { positioned } from './resume-frames.js';
import { EventFrames } from './event-frames.js';
import { AudienceIndex } from './audience-index.js';
import {
  asSet,
  forEachItem,
  hasItem,
  itemsOf,
  sizeOf,
  withItem,
  withoutItem,
  type Group,
} from '../util/group.js';

export type TopicRole = 'events' | 'commands';

export interface TopicSpec {
  readonly topic: string;
  readonly role: TopicRole;
}

/** What the hub needs of a connection (src/realtime/connection.ts implements it). */
export interface HubMember {
  /** Unique per connection. */
  readonly id: string;
  readonly principal: { readonly kind: PrincipalKind; readonly uuid: string };
  readonly format: WireFormat;
  /** Its filter. Its access is replaced through the hub (`rescope`), never directly. */
  readonly scope: Pick<AccessScope, 'accepts' | 'access' | 'update'>;
  /** Opted in to positions: gets positioned frames, with the position. */
  readonly resumable?: boolean;
  /** `wire`: the whole websocket frame carrying `frame` in this member's format, when made. */
  send(frame: Frame, position?: string, wire?: Uint8Array): void;
  close(kind: CloseKind): void;
}

export interface HubOptions {
  bus: Bus;
  codec: Codec;
  log?: Logger;
  metrics?: Metrics;
  /** With history on: where `events` topics are heard, with positions. */
  history?: Pick<History, 'subscribe' | 'subscribePrefix'>;
}

interface TopicEntry<M extends object> {
  readonly role: TopicRole;
  /** Its one member bare (a principal's own topics have one), else a set of them. */
  members: Group<M>;
  /**
   * The topic's bus subscription: a promise until it is made, then the Subscription itself (no
   * promise kept per topic); null when the bus refused it.
   */
  subscription: Promise<Subscription | null> | Subscription | null;
}

const SERVER_COMMAND = ServerCommandSchema.typeName;

/** Topics with at most this many members are fanned out to every member, unsorted. */
const SMALL_TOPIC = 16;

export class Hub<M extends HubMember = HubMember> {
  private readonly topics = new Map<string, TopicEntry<M>>();
  /** Every live member → the shared topics it listens to (the list `add` was given). */
  private readonly memberTopics = new Map<M, readonly TopicSpec[]>();
  /**
   * The node-wide subscriptions to every principal's own topics: a promise until both are made,
   * then the Subscriptions; undefined before the first member, or after they failed (the next
   * member tries again).
   */
  private own: Promise<Subscription[] | null> | Subscription[] | undefined;
  /**
   * Per kind, uuid → that principal's live member, or a set of them when it has several (most
   * principals have one connection: no set is made for them).
   */
  private readonly byPrincipal: Record<PrincipalKind, Map<string, Group<M>>> = {
    user: new Map(),
    participant: new Map(),
    device: new Map(),
  };
  /** Every live member, by the sets that decide which presence events it sees. */
  private readonly audience = new AudienceIndex<M>();
  private readonly unsubscribing = new Set<Promise<void>>();
  private closed = false;
  private last: string | null = null;
  /** The bus and history handlers, one per role for every topic (none made per topic). */
  private readonly onEvents = (topic: string, payload: Uint8Array): void =>
    this.deliver(topic, 'events', payload, null);
  private readonly onCommands = (topic: string, payload: Uint8Array): void =>
    this.deliver(topic, 'commands', payload, null);
  private readonly onPositioned = (
    topic: string,
    position: string | null,
    payload: Uint8Array,
  ): void => this.deliver(topic, 'events', payload, position);
  /** The handlers of every principal's own topics. */
  private readonly onDirect = (topic: string, payload: Uint8Array): void =>
    this.deliverDirect(topic, payload, null);
  private readonly onDirectPositioned = (
    topic: string,
    position: string | null,
    payload: Uint8Array,
  ): void => this.deliverDirect(topic, payload, position);
  private readonly onOwnCommands = (topic: string, payload: Uint8Array): void =>
    this.deliverCommand(topic, payload);

  constructor(private readonly options: HubOptions) {}

  /**
   * Makes `member` receive what is published on `topics` (shared topics: pass one list to every
   * member that has it) and on its own principal's topics. The member is registered at once
   * (a connection buffers until it opens); the promise resolves when every subscription is
   * live on the bus, and rejects (member removed) if the bus refused one.
   */
  async add(member: M, topics: readonly TopicSpec[]): Promise<void> {
    if (this.closed) throw new Error('hub is closed');
    if (this.memberTopics.has(member)) throw new Error('member already added');
    this.memberTopics.set(member, topics);
    this.audience.file(member, member.scope.access);
    const { kind, uuid } = member.principal;
    const ofKind = this.byPrincipal[kind];
    ofKind.set(uuid, withItem(ofKind.get(uuid), member));
    const pending = topics.map(({ topic, role }) => {
      let entry = this.topics.get(topic);
      if (!entry) {
        const made = this.subscribe(topic, role);
        const created: TopicEntry<M> = { role, members: member, subscription: made };
        void made.then((s) => {
          if (created.subscription === made) created.subscription = s;
        });
        entry = created;
        this.topics.set(topic, entry);
      } else entry.members = withItem(entry.members, member);
      return entry.subscription;
    });
    const own = await this.ownTopics();
    const subscriptions = await Promise.all(pending);
    if (own === null || subscriptions.includes(null)) {
      this.remove(member);
      throw new Error('bus subscription failed');
    }
  }

  /** Stops delivering to `member`; a topic's bus subscription goes with its last member. */
  remove(member: M): void {
    const topics = this.memberTopics.get(member);
    if (!topics) return;
    this.memberTopics.delete(member);
    this.audience.unfile(member);
    const { kind, uuid } = member.principal;
    const ofKind = this.byPrincipal[kind];
    const group = ofKind.get(uuid);
    const rest = group && withoutItem(group, member);
    if (rest === undefined) ofKind.delete(uuid);
    else if (rest !== group) ofKind.set(uuid, rest);
    for (const { topic } of topics) {
      const entry = this.topics.get(topic);
      if (!entry) continue;
      if (!hasItem(entry.members, member)) continue;
      const rest = withoutItem(entry.members, member);
      if (rest !== undefined) {
        entry.members = rest;
        continue;
      }
      this.topics.delete(topic);
      const done = Promise.resolve(entry.subscription)
        .then((s) => s?.unsubscribe())
        .catch((err: unknown) => this.options.log?.warn({ err, topic }, 'unsubscribe failed'))
        .finally(() => this.unsubscribing.delete(done));
      this.unsubscribing.add(done);
    }
  }

  /**
   * Replaces `member`'s access and sessions (an access refresh): the one way to change a
   * member's access, as the audience index files each member by it.
   */
  rescope(member: M, access: AccessSets, sessions: ReadonlySet<string>): void {
    member.scope.update(access, sessions);
    if (this.memberTopics.has(member)) this.audience.file(member, access);
  }

  /** True while `member` is registered (from add until remove). */
  has(member: M): boolean {
    return this.memberTopics.has(member);
  }

  /** Every live member. */
  members(): IterableIterator<M> {
    return this.memberTopics.keys();
  }

  /** The live members of one principal (empty when it has none here). */
  membersOf(kind: PrincipalKind, uuid: string): ReadonlySet<M> {
    return asSet(this.byPrincipal[kind].get(uuid));
  }

  /** The live members grouped by principal, one non-empty set per principal. */
  *principals(): IterableIterator<ReadonlySet<M>> {
    for (const ofKind of Object.values(this.byPrincipal))
      for (const group of ofKind.values()) yield asSet(group);
  }

  /** The last position delivered on this node (history on), null before the first. */
  get lastPosition(): string | null {
    return this.last;
  }

  /** The frames `member` gets for one kept event (a replay): those it may see, positioned. */
  framesFor(member: M, topic: string, payload: Uint8Array, position: string): Frame[] {
    const frames: Frame[] = [];
    let message: TeraEvent;
    try {
      message = this.options.codec.decodeEvent(payload);
    } catch {
      return frames;
    }
    const channel: Channel = topic.startsWith('websocket.') ? 'direct' : 'broadcast';
    const split = message.events.length > 1;
    forEachClientEvent(
      message.events,
      (event, any) => {
        if (!member.scope.accepts(event, channel)) return;
        const single = split
          ? create(TeraEventSchema, { header: message.header, events: [any] })
          : message;
        const frame = this.encode(single, member.format);
        if (frame)
          frames.push(member.resumable ? positioned(frame, member.format, position) : frame);
      },
      () => {},
    );
    return frames;
  }

  /** Number of members on a topic (observability and tests). */
  memberCount(topic: string): number {
    return asSet(this.topics.get(topic)?.members).size;
  }

  /** Removes every member and drops every bus subscription. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    for (const member of [...this.memberTopics.keys()]) this.remove(member);
    const own = this.own;
    this.own = undefined;
    const subscriptions = (await own) ?? [];
    await Promise.all([...this.unsubscribing, ...subscriptions.map((s) => s.unsubscribe())]);
  }

  /** The node-wide subscriptions to every principal's own topics; null when refused. */
  private ownTopics(): Promise<Subscription[] | null> | Subscription[] {
    if (this.own !== undefined) return this.own;
    const { bus, history } = this.options;
    const attempt: Promise<Subscription[] | null> = Promise.allSettled([
      history
        ? history.subscribePrefix(DIRECT_TOPIC_PREFIX, this.onDirectPositioned)
        : bus.subscribePrefix(DIRECT_TOPIC_PREFIX, this.onDirect),
      bus.subscribePrefix(TWISTED_COMMANDS_PREFIX, this.onOwnCommands),
    ]).then(async (outcomes) => {
      const live = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed === undefined) {
        if (this.own === attempt) this.own = live;
        return live;
      }
      // Both or neither: the next member's attempt must not hear a prefix twice.
      if (this.own === attempt) this.own = undefined;
      this.options.log?.error({ err: failed.reason }, 'bus subscription failed');
      this.options.metrics?.busErrors.inc({ op: 'subscribe' });
      await Promise.all(live.map((s) => s.unsubscribe()));
      return null;
    });
    this.own = attempt;
    return attempt;
  }

  private async subscribe(topic: string, role: TopicRole): Promise<Subscription | null> {
    const history = this.options.history;
    try {
      if (history && role === 'events') return await history.subscribe(topic, this.onPositioned);
      return await this.options.bus.subscribe(
        topic,
        role === 'events' ? this.onEvents : this.onCommands,
      );
    } catch (err) {
      this.options.log?.error({ err, topic }, 'bus subscription failed');
      this.options.metrics?.busErrors.inc({ op: 'subscribe' });
      return null;
    }
  }

  /** A principal's direct events: to its members. */
  private deliverDirect(topic: string, payload: Uint8Array, position: string | null): void {
    if (position !== null) this.last = position;
    const owner = directTopicOwner(topic);
    const members = owner && this.byPrincipal[owner.kind].get(owner.uuid);
    if (members) this.dispatch(topic, 'events', members, payload, position);
  }

  /** A uuid's commands: to the members of every principal with that uuid. */
  private deliverCommand(topic: string, payload: Uint8Array): void {
    const uuid = topic.slice(TWISTED_COMMANDS_PREFIX.length);
    for (const kind of PRINCIPAL_KINDS) {
      const members = this.byPrincipal[kind].get(uuid);
      if (members !== undefined) this.dispatch(topic, 'commands', members, payload, null);
    }
  }

  /** A shared topic's message: to its members. */
  private deliver(
    topic: string,
    role: TopicRole,
    payload: Uint8Array,
    position: string | null,
  ): void {
    if (position !== null) this.last = position;
    const entry = this.topics.get(topic);
    if (entry) this.dispatch(topic, role, entry.members, payload, position);
  }

  /** Every bus handler ends here. Total: a failure drops this message only. */
  private dispatch(
    topic: string,
    role: TopicRole,
    members: Group<M>,
    payload: Uint8Array,
    position: string | null,
  ): void {
    try {
      if (role === 'events') this.fanOut(topic, members, payload, position);
      else this.command(members, payload);
    } catch (err) {
      this.options.log?.error({ err, topic }, 'delivery failed');
      this.drop('error');
    }
  }

  private fanOut(
    topic: string,
    members: Group<M>,
    payload: Uint8Array,
    position: string | null,
  ): void {
    const received = performance.now();
    let message: TeraEvent;
    try {
      message = this.options.codec.decodeEvent(payload);
    } catch {
      return this.drop('undecodable');
    }
    const channel: Channel = topic.startsWith('websocket.') ? 'direct' : 'broadcast';
    const split = message.events.length > 1;
    forEachClientEvent(
      message.events,
      (event, any) => {
        const single = split
          ? create(TeraEventSchema, { header: message.header, events: [any] })
          : message;
        this.fanOutOne(single, event, channel, members, position);
        this.options.metrics?.eventDelivery.observe((performance.now() - received) / 1000);
      },
      (reason) => this.drop(reason),
    );
  }

  /**
   * One event to every member that may see it: one encode per wire format at most (and one
   * positioned variant of it for members that opted in).
   */
  private fanOutOne(
    single: TeraEvent,
    event: ClientEvent,
    channel: Channel,
    members: Group<M>,
    position: string | null,
  ): void {
    const frames = new EventFrames((format) => this.encode(single, format), position);
    let sent = 0;
    let passed = 0;
    const give = (member: M): void => {
      passed++;
      const resumable = member.resumable === true;
      const frame = frames.for(member.format, resumable);
      if (frame === null) return;
      try {
        if (resumable && position !== null) member.send(frame.payload, position, frame.wire);
        else member.send(frame.payload, undefined, frame.wire);
        sent++;
      } catch {
        // Connection.send never throws; a foreign member must not break the loop either.
      }
    };
    const ask = (member: M): void => {
      if (member.scope.accepts(event, channel)) give(member);
    };
    const size = sizeOf(members);
    const presence = size > SMALL_TOPIC ? presenceSubject(event) : null;
    if (presence !== null) this.forPresence(presence.type, presence.subject, members, ask, give);
    else this.forAudience(event, channel, members, ask);
    if (sent > 0) this.options.metrics?.eventsDelivered.inc(sent);
    else if (passed < size) this.options.metrics?.eventsFiltered.inc();
  }

  /**
   * A presence event about `subject` on a large topic: `give` to the members the audience index
   * files under a set holding `subject`, and `ask` the subject's own members (the rules differ
   * for a principal's own events), each only if it is one of `members`.
   */
  private forPresence(
    type: PresenceType,
    subject: string,
    members: Group<M>,
    ask: (member: M) => void,
    give: (member: M) => void,
  ): void {
    let own: Group<M> | undefined;
    for (const kind of PRINCIPAL_KINDS)
      forEachItem(this.byPrincipal[kind].get(subject), (m) => (own = withItem(own, m)));
    this.audience.forEachSeeing(type, subject, (m) => {
      if (!hasItem(own, m) && hasItem(members, m)) give(m);
    });
    forEachItem(own, (m) => {
      if (hasItem(members, m)) ask(m);
    });
  }

  /**
   * Calls `visit` for the members of `members` that may see `event` by their kind and uuid
   * (`audienceOf`): found through the registry by principal when that asks fewer than all of
   * them (a session event naming a few principals on a topic every device listens to), else
   * every member.
   */
  private forAudience(
    event: ClientEvent,
    channel: Channel,
    members: Group<M>,
    visit: (member: M) => void,
  ): void {
    const size = sizeOf(members);
    const audience = size > SMALL_TOPIC ? audienceOf(event, channel) : null;
    let lookups = 0;
    if (audience)
      for (const kind of PRINCIPAL_KINDS) {
        const who = audience[kind];
        lookups += who === 'all' ? this.byPrincipal[kind].size : who === 'none' ? 0 : who.length;
      }
    if (!audience || lookups >= size) return forEachItem(members, visit);
    const inTopic = (member: M): void => {
      if (hasItem(members, member)) visit(member);
    };
    for (const kind of PRINCIPAL_KINDS) {
      const who = audience[kind];
      if (who === 'none') continue;
      const ofKind = this.byPrincipal[kind];
      if (who === 'all') for (const group of ofKind.values()) forEachItem(group, inTopic);
      else
        for (const uuid of who.length > 1 ? new Set(who) : who) {
          const group = ofKind.get(uuid);
          if (group !== undefined) forEachItem(group, inTopic);
        }
    }
  }

  /** The frame's bytes, made once per event and format (a JSON text frame too is bytes). */
  private encode(event: TeraEvent, format: WireFormat): Uint8Array | null {
    try {
      const frame = this.options.codec.encodeFrame(event, format);
      return typeof frame === 'string' ? Buffer.from(frame) : frame;
    } catch {
      this.drop('unencodable');
      return null;
    }
  }

  private command(members: Group<M>, payload: Uint8Array): void {
    let disconnect = false;
    try {
      const message = this.options.codec.decodeModuleMessage(payload);
      for (const any of message.data) {
        if (eventTypeName(any) !== SERVER_COMMAND) continue;
        const command = anyUnpack(any, ServerCommandSchema);
        if (command?.type === ServerCommand_CommandType.CMD_CLIENT_DISCONNECT) disconnect = true;
      }
    } catch {
      return this.drop('undecodable');
    }
    if (!disconnect) return;
    for (const member of itemsOf(members)) member.close('CLIENT_DISCONNECT');
  }

  private drop(reason: string): void {
    this.options.metrics?.eventsDropped.inc({ reason });
  }
}
