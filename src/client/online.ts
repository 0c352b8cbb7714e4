/**
 * Who is online now, as one user may see it: the REST lists (GET /api/user/users/online,
 * /participants/online, /devices/online) merged with that user's event stream.
 *
 * `fetchOnline` reads the lists once. `OnlineTracker` keeps them current over a Connection:
 * each time the connection is `open` it reads the lists again (events may have been missed
 * while it was down), unless it resumed with the missed events (`recovered`), applying on top the events that arrived meanwhile, then applies every
 * event as it comes: CONNECTED/DISCONNECTED set `online`, JOINED/LEFT_SESSION set `busy`, a
 * device status replaces `status`. A principal neither online nor busy leaves the list.
 */
import type { Api } from './api.js';
import { Listeners } from './emitter.js';
import type { RelayEvent } from './events.js';
import type { Connection } from './connection.js';
import type { PrincipalKind, Session } from './login.js';

export interface OnlineEntry {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  readonly name: string;
  readonly online: boolean;
  readonly busy: boolean;
  /** A device's last posted status (parsed), or null. */
  readonly status: unknown;
  /** When that status was posted (the device's timestamp), or null. */
  readonly statusTimestamp: number | null;
  /** A participant's project and site, when known. */
  readonly projectName?: string;
  readonly siteName?: string;
}

type Json = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function deviceEntry(d: Json): OnlineEntry {
  const st = (d.device_status as Json | undefined)?.status as Json | null | undefined;
  return {
    kind: 'device',
    uuid: text(d.device_uuid),
    name: text(d.device_name),
    online: d.device_online === true,
    busy: d.device_busy === true,
    status: st ? parseJson(st.status) : null,
    statusTimestamp: st && typeof st.timestamp === 'number' ? st.timestamp : null,
  };
}

/** The REST lists once, users then participants then devices. Needs a user session. */
export async function fetchOnline(api: Api, session: Session): Promise<OnlineEntry[]> {
  if (session.kind !== 'user') throw new TypeError('only a user may list who is online');
  const auth = { token: session.token };
  const [users, participants, devices] = await Promise.all([
    api.call<Json[]>('GET', '/api/user/users/online', auth),
    api.call<Json[]>('GET', '/api/user/participants/online', auth, {
      query: { with_projects: true, with_sites: true },
    }),
    api.call<Json[]>('GET', '/api/user/devices/online', auth),
  ]);
  return [
    ...users.map((u): OnlineEntry => ({
      kind: 'user',
      uuid: text(u.user_uuid),
      name: text(u.user_name),
      online: u.user_online === true,
      busy: u.user_busy === true,
      status: null,
      statusTimestamp: null,
    })),
    ...participants.map((p): OnlineEntry => ({
      kind: 'participant',
      uuid: text(p.participant_uuid),
      name: text(p.participant_name),
      online: p.participant_online === true,
      busy: p.participant_busy === true,
      status: null,
      statusTimestamp: null,
      projectName: text(p.project_name),
      siteName: text(p.site_name),
    })),
    ...devices.map(deviceEntry),
  ];
}

const key = (kind: string, uuid: string): string => `${kind}:${uuid}`;

/** The entry `event` makes of `before` (undefined: not listed), or undefined when it leaves. */
export function applyEvent(
  before: OnlineEntry | undefined,
  event: RelayEvent,
): OnlineEntry | undefined {
  if (event.type === 'device_status') {
    const base = before ?? blank('device', event.uuid, event.name);
    return { ...base, online: true, status: event.status, statusTimestamp: event.timestamp };
  }
  if (event.type !== 'user' && event.type !== 'participant' && event.type !== 'device')
    return before;
  const base = before ?? blank(event.kind, event.uuid, event.name);
  const named = {
    ...base,
    name: event.name || base.name,
    ...(event.type === 'participant' && event.projectName
      ? { projectName: event.projectName, siteName: event.siteName ?? '' }
      : {}),
  };
  let next: OnlineEntry;
  switch (event.change) {
    case 'connected':
      next = { ...named, online: true };
      break;
    case 'disconnected':
      next = { ...named, online: false };
      break;
    case 'joined_session':
      next = { ...named, busy: true };
      break;
    case 'left_session':
      next = { ...named, busy: false };
      break;
    case 'deleted':
      return undefined;
    default:
      return before;
  }
  return next.online || next.busy ? next : undefined;
}

function blank(kind: PrincipalKind, uuid: string, name: string): OnlineEntry {
  return { kind, uuid, name, online: false, busy: false, status: null, statusTimestamp: null };
}

export class OnlineTracker {
  private entries = new Map<string, OnlineEntry>();
  private readonly changes = new Listeners<readonly OnlineEntry[]>();
  private readonly failures = new Listeners<unknown>();
  /** Events received while the lists are being read; null when not reading. */
  private pending: RelayEvent[] | null = null;
  private generation = 0;
  private readonly stops: Array<() => void>;
  private ready = false;
  private readyWaiters: Array<() => void> = [];

  constructor(
    private readonly api: Api,
    private readonly connection: Connection,
  ) {
    if (connection.session.kind !== 'user')
      throw new TypeError('only a user connection can track who is online');
    this.stops = [
      // A resumed connection gets the events it missed: the lists stay right without a reload.
      connection.onState((s) => {
        if (s.state === 'open' && s.recovered !== true) void this.reload();
      }),
      connection.onEvent((event) => this.onEvent(event)),
    ];
    if (connection.state.state === 'open') void this.reload();
  }

  /** Everyone online or busy now: users, then participants, then devices. */
  list(): OnlineEntry[] {
    const order: Record<PrincipalKind, number> = { user: 0, participant: 1, device: 2 };
    return [...this.entries.values()].sort(
      (a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name),
    );
  }

  get(kind: PrincipalKind, uuid: string): OnlineEntry | undefined {
    return this.entries.get(key(kind, uuid));
  }

  /** Calls `listener` with the whole list after each change. */
  onChange(listener: (entries: readonly OnlineEntry[]) => void): () => void {
    return this.changes.add(listener);
  }

  /** Calls `listener` when reading the lists failed (the next `open` reads them again). */
  onError(listener: (error: unknown) => void): () => void {
    return this.failures.add(listener);
  }

  /** Resolves once the lists have been read at least once. */
  loaded(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Stops following the connection (which stays open). */
  close(): void {
    for (const stop of this.stops) stop();
  }

  private onEvent(event: RelayEvent): void {
    // Before the first `open` (the connection's own CONNECTED) the lists are not read yet.
    if (this.connection.state.state !== 'open') return;
    if (this.pending) return void this.pending.push(event);
    if (this.apply(event)) this.changes.emit(this.list());
  }

  private apply(event: RelayEvent): boolean {
    if (event.kind === null || event.kind === 'session') return false;
    const k = key(event.kind, event.uuid);
    const before = this.entries.get(k);
    const after = applyEvent(before, event);
    if (after === before) return false;
    if (after) this.entries.set(k, after);
    else this.entries.delete(k);
    return true;
  }

  private async reload(): Promise<void> {
    const generation = ++this.generation;
    this.pending = [];
    try {
      const fresh = await fetchOnline(this.api, this.connection.session);
      if (generation !== this.generation) return;
      this.entries = new Map(fresh.map((e) => [key(e.kind, e.uuid), e]));
      for (const event of this.pending ?? []) this.apply(event);
      this.pending = null;
      this.ready = true;
      for (const resolve of this.readyWaiters.splice(0)) resolve();
      this.changes.emit(this.list());
    } catch (err) {
      if (generation !== this.generation) return;
      for (const event of this.pending ?? []) this.apply(event);
      this.pending = null;
      this.failures.emit(err);
    }
  }
}
