/**
 * OpenTera's UserManagerModule: the duties OpenTera gives its single UserManagerModule,
 * done only while this node is the leader (../seams/leadership/leadership.ts), so each is done exactly once
 * across the cluster. Every node subscribes (the bus restores subscriptions after a Redis
 * restart); a node that is not the leader drops what arrives.
 *
 * Consumes:
 * - `module.TeraServer.UserManagerModule.messages` (TeraModuleMessage): JoinSessionEvent,
 *   LeaveSessionEvent, StopSessionEvent, JoinSessionReplyEvent (not accepted) from services:
 *   busy state (held by the Presence seam), and one `*_JOINED_SESSION` / `*_LEFT_SESSION` per
 *   entity with names from the database, on `module.TeraServer.UserManagerModule.events`. As in
 *   OpenTera they are announced even when busy state did not change; uuids unknown to the
 *   database are skipped (OpenTera crashed). CONNECTED / DISCONNECTED items are ignored: the
 *   node that owns a connection keeps its presence itself (./local-presence.ts).
 * - `module.TeraServer.UserManagerModule.rpc`: answered by ./rpc.ts.
 * - `module.TeraServer.DatabaseModule.events.{user,participant,device}`: a DatabaseEvent that
 *   deletes, soft-deletes or disables a principal publishes the disconnect command.
 * It also sweeps presence entries left by dead nodes (`Presence.sweep`) every sweep interval
 * (`presenceTimings`) and at once on becoming the leader, and announces those principals'
 * DISCONNECTED.
 */
import type { Logger } from 'pino';
import type { Deps } from '../deps.js';
import type { Subscription } from '../seams/bus/bus.js';
import type { Leadership } from '../seams/leadership/leadership.js';
import { presenceTimings } from '../seams/presence/timings.js';
import { PRINCIPAL_KINDS, type PrincipalKind } from '../principal.js';
import {
  databaseEventsTopic,
  twistedCommandsTopic,
  USER_MANAGER_MESSAGES,
  USER_MANAGER_RPC,
} from '../topics.js';
import {
  disconnectCommand,
  JoinSessionReplyEvent_ReplyType,
  forEachClientEvent,
  type Any,
  type ClientEvent,
  type UnpackDrop,
} from '../protocol/messages.js';
import { announce, presenceEvent, type PresenceChange } from './events.js';
import { KeyedQueue } from '../util/keyed-queue.js';
import { revokedPrincipal } from './revocation.js';
import type { UserManagerRpc } from './rpc.js';
import type { Audit } from '../audit.js';

type Members = Readonly<Record<PrincipalKind, readonly string[]>>;

export class UserManager {
  private readonly log: Logger;
  private readonly queue: KeyedQueue;
  private subscriptions: Subscription[] = [];
  private sweepTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  private readonly leader: Leadership;
  private readonly rpc: UserManagerRpc;
  private readonly audit: Audit;

  constructor(
    private readonly deps: Deps,
    parts: { leader: Leadership; rpc: UserManagerRpc; audit: Audit },
  ) {
    this.leader = parts.leader;
    this.rpc = parts.rpc;
    this.audit = parts.audit;
    this.log = deps.log.child({ module: 'user-manager' });
    this.queue = new KeyedQueue((err, key) =>
      this.log.error({ err, key }, 'user manager task failed'),
    );
  }

  /** Subscribes to its topics; resolves once they are live. */
  async start(): Promise<void> {
    const { bus } = this.deps;
    const lead =
      (handle: (payload: Uint8Array) => void) =>
      (_topic: string, payload: Uint8Array): void => {
        if (this.leader.isLeader && !this.closing) handle(payload);
      };
    this.subscriptions.push(
      await bus.subscribe(
        USER_MANAGER_MESSAGES,
        lead((payload) => this.onModuleMessage(payload)),
      ),
      await bus.subscribe(
        USER_MANAGER_RPC,
        lead((payload) => this.queue.run('rpc', () => this.rpc.handle(payload))),
      ),
    );
    for (const kind of PRINCIPAL_KINDS) {
      this.subscriptions.push(
        await bus.subscribe(
          databaseEventsTopic(kind),
          lead((payload) => this.onDatabaseEvent(kind, payload)),
        ),
      );
    }
    const sweep = (): void => {
      if (this.leader.isLeader && !this.closing) this.queue.run('sweep', () => this.sweep());
    };
    this.leader.onChange((leader) => {
      if (leader) sweep();
    });
    this.sweepTimer = setInterval(
      sweep,
      presenceTimings(this.deps.config.presenceTtl).sweepIntervalMs,
    );
    this.sweepTimer.unref();
    sweep();
  }

  /** Stops consuming and waits for the work already queued. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.sweepTimer) clearInterval(this.sweepTimer);
      const subscriptions = this.subscriptions.splice(0);
      await Promise.all(subscriptions.map((s) => s.unsubscribe()));
      await this.queue.drain();
    })();
    return this.closing;
  }

  private onModuleMessage(payload: Uint8Array): void {
    let data: Any[];
    try {
      data = this.deps.codec.decodeModuleMessage(payload).data;
    } catch {
      return this.dropped('undecodable');
    }
    forEachClientEvent(
      data,
      (e) => this.dispatch(e),
      (reason) => reason === 'undecodable' && this.dropped(reason),
    );
  }

  private dropped(reason: UnpackDrop): void {
    this.deps.metrics.eventsDropped.inc({ reason });
  }

  private dispatch(e: ClientEvent): void {
    switch (e.type) {
      case 'JoinSessionEvent': {
        const { sessionUuid: session, sessionUsers, sessionParticipants, sessionDevices } = e.event;
        const members = {
          user: sessionUsers,
          participant: sessionParticipants,
          device: sessionDevices,
        };
        return this.session(session, () => this.joined(session, members));
      }
      case 'LeaveSessionEvent': {
        const { sessionUuid: session, leavingUsers, leavingParticipants, leavingDevices } = e.event;
        const members = {
          user: leavingUsers,
          participant: leavingParticipants,
          device: leavingDevices,
        };
        return this.session(session, () => this.left(session, members));
      }
      case 'StopSessionEvent': {
        const session = e.event.sessionUuid;
        return this.session(session, () => this.stopped(session));
      }
      case 'JoinSessionReplyEvent': {
        if (e.event.joinReply === JoinSessionReplyEvent_ReplyType.REPLY_ACCEPTED) return;
        const { sessionUuid: session, userUuid, participantUuid, deviceUuid } = e.event;
        const members = { user: [userUuid], participant: [participantUuid], device: [deviceUuid] };
        return this.session(session, () => this.left(session, members));
      }
      default:
        return;
    }
  }

  private session(sessionUuid: string, task: () => Promise<void>): void {
    if (!sessionUuid) return;
    this.queue.run(`session:${sessionUuid}`, task);
  }

  private async joined(session: string, members: Members): Promise<void> {
    await this.eachKnown(members, 'joined', (kind, uuid) =>
      this.deps.presence.setBusy(kind, uuid, session),
    );
  }

  private async left(session: string, members: Members): Promise<void> {
    await this.eachKnown(members, 'left', (kind, uuid) =>
      this.deps.presence.clearBusy(kind, uuid, session),
    );
  }

  private async stopped(session: string): Promise<void> {
    const members: Record<PrincipalKind, string[]> = { user: [], participant: [], device: [] };
    for (const kind of PRINCIPAL_KINDS) {
      for (const [uuid, busyIn] of await this.deps.presence.busy(kind)) {
        if (busyIn === session) members[kind].push(uuid);
      }
    }
    await this.left(session, members);
  }

  /** For each principal the database knows, in OpenTera's order: update state, then announce. */
  private async eachKnown(
    members: Members,
    change: PresenceChange,
    update: (kind: PrincipalKind, uuid: string) => Promise<unknown>,
  ): Promise<void> {
    for (const kind of PRINCIPAL_KINDS) {
      const uuids = members[kind].filter((u) => u !== '');
      if (uuids.length === 0) continue;
      const known = await this.deps.principals.findMany(kind, uuids);
      for (const uuid of uuids) {
        const principal = known.get(uuid);
        if (!principal) {
          this.log.debug({ kind, uuid }, 'session event names an unknown principal; skipped');
          continue;
        }
        await update(kind, uuid);
        await announce(this.deps, presenceEvent(principal, change));
      }
    }
  }

  private async sweep(): Promise<void> {
    const gone = await this.deps.presence.sweep();
    for (const kind of PRINCIPAL_KINDS) {
      const uuids = gone.filter((p) => p.kind === kind).map((p) => p.uuid);
      if (uuids.length === 0) continue;
      const known = await this.deps.principals.findMany(kind, uuids);
      for (const principal of known.values())
        await announce(this.deps, presenceEvent(principal, 'disconnected'));
    }
  }

  private onDatabaseEvent(kind: PrincipalKind, payload: Uint8Array): void {
    let events: Any[];
    try {
      events = this.deps.codec.decodeEvent(payload).events;
    } catch {
      return this.dropped('undecodable');
    }
    forEachClientEvent(
      events,
      (e) => {
        if (e.type !== 'DatabaseEvent') return;
        const uuid = revokedPrincipal(kind, e.event);
        if (!uuid) return;
        const topic = twistedCommandsTopic(uuid);
        void this.deps.bus.publish(
          topic,
          this.deps.codec.encodeModuleMessage(disconnectCommand(topic)),
        );
        this.audit.disconnectForced({ cause: 'database_event', target: { kind, uuid } });
      },
      () => {},
    );
  }
}
