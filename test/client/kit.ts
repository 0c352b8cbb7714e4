/**
 * Helpers of the SDK tests: a client for a test server, the seeded credentials, and a recorder
 * of one connection's states and events that tests wait on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  TeraRelayClient,
  type ClientOptions,
  type Connection,
  type RelayEvent,
  type StateChange,
} from '../../src/client/index.js';
import type { TestServer } from '../kit/server.js';
import { pack } from '../kit/sockets.js';
import { USER_MANAGER_MESSAGES } from '../../src/topics.js';
import {
  JoinSessionEventSchema,
  moduleMessage,
  StopSessionEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import { waitFor } from '../kit/waiting.js';

/** The server's origin as tests reach it. */
export const originOf = (server: Pick<TestServer, 'port'>): string =>
  `https://127.0.0.1:${server.port}`;

/** A client of `server` trusting its dev certificate through `insecure`. */
export function clientOf(
  server: Pick<TestServer, 'port'>,
  options: Partial<ClientOptions> = {},
): TeraRelayClient {
  return new TeraRelayClient({ url: originOf(server), insecure: true, ...options });
}

/** The PEM of the server's generated dev certificate (to pass as `ca`). */
export const devCertificate = (server: TestServer): string =>
  readFileSync(join(server.deps.config.dataDir, 'tls', 'dev-cert.pem'), 'utf8');

/** A seeded static token: a device's or a participant's, by name. */
export function seededToken(server: TestServer, name: string): string {
  const found = server.seed?.credentials.find((c) => c.name === name && c.token);
  if (!found?.token) throw new Error(`no seeded token for ${name}`);
  return found.token;
}

/** How long a recorder waits before the test is called broken, ms (a loaded machine is slow). */
const GUARD_MS = 60_000;

/** Everything one connection did, in order, and ways to wait for more. */
export class Recorder {
  readonly states: StateChange[] = [];
  readonly events: RelayEvent[] = [];
  /** The most sockets of the connection ever open at once (checked at each state change). */
  maxOpenSockets = 0;
  private readonly stops: Array<() => void>;

  constructor(readonly connection: Connection) {
    this.stops = [
      connection.onState((s) => {
        this.states.push(s);
        this.maxOpenSockets = Math.max(this.maxOpenSockets, connection.openSockets);
      }),
      connection.onEvent((e) => {
        this.events.push(e);
        this.maxOpenSockets = Math.max(this.maxOpenSockets, connection.openSockets);
      }),
    ];
  }

  /** The state names so far, e.g. `['open', 'reconnecting', 'open']`. */
  get names(): string[] {
    return this.states.map((s) => s.state);
  }

  /** Resolves with the first recorded state from index `from` matching `match`. */
  state(match: (s: StateChange) => boolean, what: string, from = 0): Promise<StateChange> {
    return waitFor(() => this.states.slice(from).find(match), { what, timeoutMs: GUARD_MS });
  }

  /** Resolves with the first recorded event from index `from` matching `match`. */
  event<E extends RelayEvent = RelayEvent>(
    match: (e: RelayEvent) => boolean,
    what: string,
    from = 0,
  ): Promise<E> {
    return waitFor(() => this.events.slice(from).find(match) as E | undefined, {
      what,
      timeoutMs: GUARD_MS,
    });
  }

  stop(): void {
    for (const stop of this.stops) stop();
  }
}

/** Resolves once the server no longer counts the principal online. */
export async function offline(
  server: TestServer,
  kind: 'user' | 'participant' | 'device',
  uuid: string,
): Promise<void> {
  await waitFor(async () => !(await server.deps.presence.isOnline(kind, uuid)), {
    what: `${kind} ${uuid} offline`,
  });
}

/** Resolves once the server counts the principal online. */
export async function online(
  server: TestServer,
  kind: 'user' | 'participant' | 'device',
  uuid: string,
): Promise<void> {
  await waitFor(() => server.deps.presence.isOnline(kind, uuid), {
    what: `${kind} ${uuid} online`,
  });
}

/** The value of a metric's series with `labels` (0 when absent). */
export async function metricValue(
  metric: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const found = values.find((v) =>
    Object.entries(labels).every(
      ([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want,
    ),
  );
  return found?.value ?? 0;
}

/** Sends the UserManager a service's session event, as OpenTera's services do. */
export async function sessionMessage(server: TestServer, event: Any): Promise<void> {
  await server.deps.bus.publish(
    USER_MANAGER_MESSAGES,
    server.deps.codec.encodeModuleMessage(
      moduleMessage('serviceVideoRehabService', USER_MANAGER_MESSAGES, [event]),
    ),
  );
}

/** A session with these members starts: they become busy. */
export const startSession = (
  server: TestServer,
  sessionUuid: string,
  members: { users?: string[]; participants?: string[]; devices?: string[] },
): Promise<void> =>
  sessionMessage(
    server,
    pack(JoinSessionEventSchema, {
      sessionUuid,
      sessionUsers: members.users ?? [],
      sessionParticipants: members.participants ?? [],
      sessionDevices: members.devices ?? [],
    }),
  );

/** The session stops: its members are no longer busy. */
export const stopSession = (server: TestServer, sessionUuid: string): Promise<void> =>
  sessionMessage(server, pack(StopSessionEventSchema, { sessionUuid }));
