/**
 * Live permission changes across two TeraRelay processes sharing one PostgreSQL database and
 * one private redis-server: an admin changes access over HTTP on node A while websockets are
 * open on A and B, and every node applies it without a reconnect. A user added to a project's
 * group starts receiving the presence of that project's participants and devices, and stops
 * once removed; a participant moved to another project stops being seen by the users of the
 * old one; a disabled or deleted user, participant or device is disconnected (4000) on both
 * nodes, and its tokens and websocket URLs stop working on both.
 *
 * Each access refresh runs asynchronously on each node: a test first waits until a probe (an
 * event about the principal, published on Redis as OpenTera's services publish) is seen or not
 * by the watcher, then asserts on real presence events.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  basic,
  bearer,
  openSocket,
  requestUrl,
  type TestResponse,
  type TestSocket,
} from '../kit/server.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import {
  frameTag,
  nextMatching,
  pack,
  parseFrame,
  untilSentinel,
  type ParsedFrame,
} from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { startNode, type NodeProcess } from '../kit/node-process.js';
import { OpenTeraService } from '../kit/opentera-redis.js';
import { DeviceEventSchema, ParticipantEventSchema } from '../../src/protocol/messages.js';
import { USER_MANAGER_EVENTS } from '../../src/topics.js';

const JOINED_SESSION = 5;
const DISCONNECT = { code: 4000, reason: 'CMD_CLIENT_DISCONNECT' };
/** An upper bound for waits on a loaded machine, ms (never a timing assertion). */
const LONG = 30_000;

const uuidOf = (f: ParsedFrame): unknown =>
  f.fields.participantUuid ?? f.fields.deviceUuid ?? f.fields.userUuid;
const presenceOf = (f: ParsedFrame, uuid: string, type: 'CONNECTED' | 'DISCONNECTED'): boolean =>
  uuidOf(f) === uuid && String(f.fields.type).endsWith(`_${type}`);

/** Reads `socket` until it has received the `type` presence event of every one of `uuids`. */
async function seesAll(
  socket: TestSocket,
  uuids: readonly string[],
  type: 'CONNECTED' | 'DISCONNECTED',
): Promise<void> {
  const missing = new Set(uuids);
  while (missing.size > 0) {
    const f = await nextMatching(socket, (g) => uuids.some((u) => presenceOf(g, u, type)), LONG);
    for (const u of uuids) if (presenceOf(f, u, type)) missing.delete(u);
  }
}

describe('live permission changes across two nodes on Redis and PostgreSQL', () => {
  let redis: PrivateRedis | { skip: string };
  let db: TestDatabase | { skip: string };
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  let service: OpenTeraService | undefined;
  let sql: pg.Client | undefined;
  let adminAuth = '';
  const sockets: TestSocket[] = [];
  let seq = 0;

  before(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    if ('skip' in redis || 'skip' in db) return;
    const options = { db: db.url, redis: redis.url };
    a = await startNode(options); // migrates and seeds the shared database
    b = await startNode(options);
    service = new OpenTeraService(redis.url);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    const login = await get(a, '/api/user/login', basic('admin', 'admin'));
    assert.equal(login.status, 200, login.text);
    adminAuth = bearer(login.json<{ user_token: string }>().user_token);
  });
  after(async () => {
    for (const s of sockets) s.ws.terminate();
    await sql?.end();
    service?.close();
    await a?.stop();
    await b?.stop();
    if (typeof db === 'object' && !('skip' in db)) await db.drop();
    if (typeof redis === 'object' && !('skip' in redis)) await redis.close();
  });

  /** The skip reason when PostgreSQL or Redis is missing. */
  const skipped = (t: TestContext): boolean => {
    const reason = ('skip' in redis && redis.skip) || ('skip' in db && db.skip);
    if (reason) t.skip(reason);
    return Boolean(reason);
  };

  const get = (node: NodeProcess, path: string, authorization: string): Promise<TestResponse> =>
    requestUrl(`${node.url}${path}`, { headers: { authorization } });

  /** An admin API call on node A as the superadmin; asserts it succeeded. */
  async function asAdmin(method: 'POST' | 'DELETE', path: string, body?: object) {
    const r = await requestUrl(`${a!.url}${path}`, {
      method,
      headers: { authorization: adminAuth },
      ...(body ? { body } : {}),
    });
    assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
    return r;
  }

  /** One row of a query on the shared database. */
  async function row<T>(text: string, values: unknown[] = []): Promise<T> {
    const r = await sql!.query(text, values);
    assert.ok(r.rows[0], text);
    return r.rows[0] as T;
  }

  /** Opens a login's websocket_url on `node`; reads the principal's own CONNECTED. */
  async function openOn(node: NodeProcess, websocketUrl: string): Promise<TestSocket> {
    const url = new URL(websocketUrl);
    url.host = `127.0.0.1:${node.port}`;
    const { socket, status } = await openSocket(url.toString());
    assert.ok(socket, `upgrade refused with ${status}`);
    sockets.push(socket);
    const own = parseFrame(await socket.next(LONG));
    assert.ok(String(own.fields.type).endsWith('_CONNECTED'), 'own CONNECTED first');
    return socket;
  }

  /** The upgrade status of a login's websocket_url on `node` (101 when it opened). */
  async function upgradeStatus(node: NodeProcess, websocketUrl: string): Promise<number> {
    const url = new URL(websocketUrl);
    url.host = `127.0.0.1:${node.port}`;
    const { socket, status } = await openSocket(url.toString());
    socket?.ws.terminate();
    return socket ? 101 : (status ?? 0);
  }

  /** A user's login with a websocket URL (on node A). */
  async function userLogin(username: string, password = username) {
    const r = await get(a!, '/api/user/login?with_websocket=true', basic(username, password));
    assert.equal(r.status, 200, r.text);
    return r.json<{ user_uuid: string; user_token: string; websocket_url: string }>();
  }

  /** A participant's or device's token login (on node A): a websocket URL while offline. */
  async function tokenLogin(kind: 'participant' | 'device', token: string): Promise<string> {
    const r = await get(a!, `/api/${kind}/login`, bearer(token));
    assert.equal(r.status, 200, r.text);
    const url = r.json<{ websocket_url?: string }>().websocket_url;
    assert.ok(url, `${kind} login gave a websocket_url`);
    return url;
  }

  /** A new token-enabled participant in the project named `project`, through the admin API. */
  async function newParticipant(name: string, project: string) {
    const { id_project } = await row<{ id_project: number }>(
      'SELECT id_project FROM t_projects WHERE project_name = $1',
      [project],
    );
    const r = await asAdmin('POST', '/api/user/participants', {
      participant: {
        id_participant: 0,
        id_project,
        participant_name: name,
        participant_token_enabled: true,
      },
    });
    return r.json<
      Array<{ id_participant: number; participant_uuid: string; participant_token: string }>
    >()[0]!;
  }

  /** A new onlineable device, through the admin API. */
  async function newDevice(name: string) {
    const { id_device_type } = await row<{ id_device_type: number }>(
      'SELECT id_device_type FROM t_devices_types ORDER BY id_device_type LIMIT 1',
    );
    const r = await asAdmin('POST', '/api/user/devices', {
      device: {
        id_device: 0,
        device_name: name,
        id_device_type,
        device_enabled: true,
        device_onlineable: true,
      },
    });
    return r.json<Array<{ id_device: number; device_uuid: string; device_token: string }>>()[0]!;
  }

  /** Adds a user to a user group through OpenTera's user API on node A. */
  async function addToGroup(idUser: number, idUserGroup: number): Promise<void> {
    await asAdmin('POST', '/api/user/users/usergroups', {
      user_user_group: { id_user: idUser, id_user_group: idUserGroup },
    });
  }

  /**
   * Publishes on Redis an event about the participant or device `uuid` (a tagged
   * JOINED_SESSION), then a sentinel; true when `socket` (of `owner`) received the event.
   */
  async function probe(
    socket: TestSocket,
    owner: string,
    kind: 'participant' | 'device',
    uuid: string,
  ): Promise<boolean> {
    const tag = `probe${seq++}`;
    const event =
      kind === 'participant'
        ? pack(ParticipantEventSchema, {
            participantUuid: uuid,
            type: JOINED_SESSION,
            participantName: tag,
          })
        : pack(DeviceEventSchema, { deviceUuid: uuid, type: JOINED_SESSION, deviceName: tag });
    await service!.publishEvent(USER_MANAGER_EVENTS, [event]);
    return (await untilSentinel(socket, owner, service!)).some((f) => frameTag(f) === tag);
  }

  const settles = (wanted: boolean, check: () => Promise<boolean>, what: string) =>
    waitFor(async () => (await check()) === wanted, { what, timeoutMs: LONG });

  test("a user added to a project's user group, watching on B, receives the presence of its participants and devices from A; removed, no longer", async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const admin = await openOn(A, (await userLogin('admin')).websocket_url);
    const user4 = await userLogin('user4');
    const watcher = await openOn(B, user4.websocket_url);
    const p = await newParticipant('Live Group P', 'Default Project #1');
    const kit = await row<{ device_uuid: string; device_token: string }>(
      "SELECT device_uuid, device_token FROM t_devices WHERE device_name = 'Kit Télé #1'",
    );
    assert.equal(await probe(watcher, user4.user_uuid, 'participant', p.participant_uuid), false);

    const { id_user } = await row<{ id_user: number }>(
      'SELECT id_user FROM t_users WHERE user_uuid = $1',
      [user4.user_uuid],
    );
    const { id_user_group } = await row<{ id_user_group: number }>(
      "SELECT id_user_group FROM t_users_groups WHERE user_group_name = 'Users - Project 1'",
    );
    await addToGroup(id_user, id_user_group);
    await settles(
      true,
      () => probe(watcher, user4.user_uuid, 'participant', p.participant_uuid),
      'access on B to the new participant',
    );
    const participant = await openOn(A, await tokenLogin('participant', p.participant_token));
    await seesAll(watcher, [p.participant_uuid], 'CONNECTED');
    const device = await openOn(A, await tokenLogin('device', kit.device_token));
    await seesAll(watcher, [kit.device_uuid], 'CONNECTED');

    // Removed through POST /api/user/users on A.
    await asAdmin('POST', '/api/user/users', { user: { id_user, user_user_groups: [] } });
    await settles(
      false,
      () => probe(watcher, user4.user_uuid, 'participant', p.participant_uuid),
      'no access on B once removed',
    );
    assert.equal(await probe(watcher, user4.user_uuid, 'device', kit.device_uuid), false);
    participant.close();
    device.close();
    await seesAll(admin, [p.participant_uuid, kit.device_uuid], 'DISCONNECTED');
    const seen = await untilSentinel(watcher, user4.user_uuid, service!);
    assert.deepEqual(
      seen.filter((f) => uuidOf(f) === p.participant_uuid || uuidOf(f) === kit.device_uuid),
      [],
      'no presence of the project on B once removed',
    );
    assert.equal(watcher.closed, null, 'never reconnected');
    for (const s of [admin, watcher]) s.close();
  });

  test('a participant moved to another project on A is no longer seen by the users of the old one on B', async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const admin = await openOn(A, (await userLogin('admin')).websocket_url);
    const user3 = await userLogin('user3'); // Admins - Project 1
    const watcher = await openOn(B, user3.websocket_url);
    const p = await newParticipant('Live Moved P', 'Default Project #1');
    await settles(
      true,
      () => probe(watcher, user3.user_uuid, 'participant', p.participant_uuid),
      'the new participant of Project 1 seen on B',
    );

    const { id_project } = await row<{ id_project: number }>(
      "SELECT id_project FROM t_projects WHERE project_name = 'Secret Project #1'",
    );
    await asAdmin('POST', '/api/user/participants', {
      participant: { id_participant: p.id_participant, id_project },
    });
    await settles(
      false,
      () => probe(watcher, user3.user_uuid, 'participant', p.participant_uuid),
      'the moved participant out of sight on B',
    );
    const participant = await openOn(A, await tokenLogin('participant', p.participant_token));
    await seesAll(admin, [p.participant_uuid], 'CONNECTED');
    const seen = await untilSentinel(watcher, user3.user_uuid, service!);
    assert.deepEqual(
      seen.filter((f) => uuidOf(f) === p.participant_uuid),
      [],
      'the old project sees nothing',
    );
    for (const s of [participant, admin, watcher]) s.close();
  });

  /**
   * Three websocket URLs of one principal, made before it comes online: opened on A, opened on
   * B, and kept unused.
   */
  async function threeUrls(login: () => Promise<string>): Promise<[string, string, string]> {
    return [await login(), await login(), await login()];
  }

  /** Asserts both live sockets got 4000, and the unused URL is refused on both nodes. */
  async function revokedEverywhere(live: TestSocket[], unused: string): Promise<void> {
    for (const s of live) assert.deepEqual(await s.waitClose(LONG), DISCONNECT);
    assert.equal(await upgradeStatus(b!, unused), 403, 'an issued URL is refused');
  }

  test('a user disabled on A is disconnected (4000) on A and B; its token and URLs stop working on both', async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const logins = [await userLogin('user2'), await userLogin('user2'), await userLogin('user2')];
    const live = [
      await openOn(A, logins[0]!.websocket_url),
      await openOn(B, logins[1]!.websocket_url),
    ];
    const token = bearer(logins[0]!.user_token);
    for (const node of [A, B])
      assert.equal((await get(node, '/api/user/users/online', token)).status, 200);
    const { id_user } = await row<{ id_user: number }>(
      "SELECT id_user FROM t_users WHERE user_username = 'user2'",
    );
    await asAdmin('POST', '/api/user/users', { user: { id_user, user_enabled: false } });
    await revokedEverywhere(live, logins[2]!.websocket_url);
    for (const node of [A, B])
      assert.equal((await get(node, '/api/user/users/online', token)).status, 401);
  });

  test('a participant disabled on A is disconnected (4000) on A and B; its token and URLs stop working on both', async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const p = await newParticipant('Live Disabled P', 'Default Project #1');
    const urls = await threeUrls(() => tokenLogin('participant', p.participant_token));
    const live = [await openOn(A, urls[0]), await openOn(B, urls[1])];
    await asAdmin('POST', '/api/user/participants', {
      participant: { id_participant: p.id_participant, participant_enabled: false },
    });
    await revokedEverywhere(live, urls[2]);
    for (const node of [A, B])
      assert.equal(
        (await get(node, '/api/participant/login', bearer(p.participant_token))).status,
        401,
      );
  });

  test('a device disabled on A is disconnected (4000) on A and B; its token and URLs stop working on both', async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const d = await newDevice('Live Disabled D');
    const urls = await threeUrls(() => tokenLogin('device', d.device_token));
    const live = [await openOn(A, urls[0]), await openOn(B, urls[1])];
    await asAdmin('POST', '/api/user/devices', {
      device: { id_device: d.id_device, device_enabled: false },
    });
    await revokedEverywhere(live, urls[2]);
    for (const node of [A, B]) {
      const r = await get(node, '/api/device/login', bearer(d.device_token));
      assert.equal(r.status, 401);
      assert.equal(r.json(), 'Disabled device');
    }
  });

  test('a user, participant and device deleted on A are disconnected (4000) on A and B; their tokens and URLs stop working on both', async (t) => {
    if (skipped(t)) return;
    const [A, B] = [a!, b!];
    const password = 'Live-Deleted-2024!';
    const created = await asAdmin('POST', '/api/user/users', {
      user: {
        id_user: 0,
        user_username: 'live_deleted',
        user_password: password,
        user_firstname: 'Live',
        user_lastname: 'Deleted',
        user_profile: '',
        user_enabled: true,
      },
    });
    const user = created.json<Array<{ id_user: number }>>()[0]!;
    const p = await newParticipant('Live Deleted P', 'Default Project #1');
    const d = await newDevice('Live Deleted D');
    const userLogins = [
      await userLogin('live_deleted', password),
      await userLogin('live_deleted', password),
      await userLogin('live_deleted', password),
    ];
    const userUrls = userLogins.map((l) => l.websocket_url) as [string, string, string];
    const participantUrls = await threeUrls(() => tokenLogin('participant', p.participant_token));
    const deviceUrls = await threeUrls(() => tokenLogin('device', d.device_token));
    const live = {
      user: [await openOn(A, userUrls[0]), await openOn(B, userUrls[1])],
      participant: [await openOn(A, participantUrls[0]), await openOn(B, participantUrls[1])],
      device: [await openOn(A, deviceUrls[0]), await openOn(B, deviceUrls[1])],
    };

    await asAdmin('DELETE', `/api/user/users?id=${user.id_user}`);
    await asAdmin('DELETE', `/api/user/participants?id=${p.id_participant}`);
    await asAdmin('DELETE', `/api/user/devices?id=${d.id_device}`);
    await revokedEverywhere(live.user, userUrls[2]);
    await revokedEverywhere(live.participant, participantUrls[2]);
    await revokedEverywhere(live.device, deviceUrls[2]);
    const userToken = bearer(userLogins[0]!.user_token);
    for (const node of [A, B]) {
      assert.equal((await get(node, '/api/user/users/online', userToken)).status, 401);
      const participantLogin = await get(
        node,
        '/api/participant/login',
        bearer(p.participant_token),
      );
      assert.equal(participantLogin.status, 401);
      assert.equal((await get(node, '/api/device/login', bearer(d.device_token))).status, 401);
    }
  });
});
