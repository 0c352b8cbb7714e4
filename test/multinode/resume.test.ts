/**
 * Resume across two TeraRelay processes sharing one private Redis and one PostgreSQL database,
 * with `--history on`: a client away while 100 events flow (published by a simulated OpenTera
 * Python service with plain PUBLISHes, and by TeraRelay itself) comes back on the other node and
 * gets exactly what a never-disconnected client saw; every event is appended once and carries
 * the same position on both nodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import { signHs256 } from '../../src/auth/jwt.js';
import { directTopic, FILE_TRANSFER_EVENTS, USER_MANAGER_EVENTS } from '../../src/topics.js';
import { RESUME_HEADER } from '../../src/realtime/resume-login.js';
import { basic, openSocket, requestUrl, type TestSocket } from '../kit/server.js';
import { createTestDatabase, type TestDatabase } from '../kit/postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../kit/redis.js';
import { pack, parseFrame } from '../kit/sockets.js';
import { JoinSessionEventSchema } from '../../src/protocol/messages.js';
import { waitFor } from '../kit/waiting.js';
import { startNode, type NodeProcess } from '../kit/node-process.js';
import { OpenTeraService } from '../kit/opentera-redis.js';
import { openResume, tagged, tagPrefix, type ResumeSocket } from '../realtime/resume-kit.js';

describe('resume across two nodes on one Redis', () => {
  let redis: PrivateRedis | { skip: string };
  let db: TestDatabase | { skip: string };
  let a: NodeProcess | undefined;
  let b: NodeProcess | undefined;
  let service: OpenTeraService | undefined;
  let admin: Redis | undefined;
  let adminUuid = '';
  let serviceUuid = '';
  const closers: Array<() => void> = [];

  before(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    if ('skip' in redis || 'skip' in db) return;
    const options = { db: db.url, redis: redis.url, args: ['--history', 'on'] };
    a = await startNode(options);
    b = await startNode(options);
    service = new OpenTeraService(redis.url);
    admin = new Redis(redis.url);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const users = await client.query<{ user_uuid: string }>(
        "SELECT user_uuid FROM t_users WHERE user_username = 'admin'",
      );
      adminUuid = users.rows[0]!.user_uuid;
      const services = await client.query<{ service_uuid: string }>(
        "SELECT service_uuid FROM t_services WHERE service_key = 'VideoRehabService'",
      );
      serviceUuid = services.rows[0]!.service_uuid;
    } finally {
      await client.end();
    }
  });
  after(async () => {
    for (const close of closers) close();
    service?.close();
    admin?.disconnect();
    await a?.stop();
    await b?.stop();
    if (!('skip' in db)) await db.drop();
    if (!('skip' in redis)) await redis.close();
  });

  /** admin's login on `node` (its websocket URL rewritten to `node`), with extra headers. */
  const login = async (node: NodeProcess, headers: Record<string, string> = {}) => {
    const res = await requestUrl(`${node.url}/api/user/login?with_websocket=true`, {
      headers: { authorization: basic('admin', 'admin'), ...headers },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.json<{ websocket_url: string; user_token: string }>();
    const url = new URL(body.websocket_url);
    url.host = `127.0.0.1:${node.port}`;
    return { url: url.toString(), token: body.user_token };
  };

  /** An observer connection of admin on `node` (given while admin is online). */
  const observerUrl = async (node: NodeProcess, userToken: string): Promise<string> => {
    const res = await requestUrl(`${node.url}/api/user/websocket?observer=true`, {
      headers: { authorization: `OpenTera ${userToken}` },
    });
    assert.equal(res.status, 200, res.text);
    const url = new URL(res.json<{ websocket_url: string }>().websocket_url);
    url.host = `127.0.0.1:${node.port}`;
    return url.toString();
  };

  const lastPosition = async (): Promise<string | null> => admin!.get('terarelay:h-last');

  test('away while 100 events flow, back on the other node: all of them, in order, once', async (t) => {
    if ('skip' in redis) return t.skip(redis.skip);
    if ('skip' in db) return t.skip(db.skip);
    const [A, B] = [a!, b!];
    const prefix = tagPrefix();
    const direct = directTopic('user', adminUuid);
    const topics = [USER_MANAGER_EVENTS, FILE_TRANSFER_EVENTS, direct];

    const first = await login(A);
    const away = await openResume(first.url);
    // Never disconnected: a plain OpenTera observer on B, and a resumable observer on each node.
    const reference = (await openSocket(await observerUrl(B, first.token))).socket!;
    const liveA = await openResume(await observerUrl(A, first.token));
    const liveB = await openResume(await observerUrl(B, first.token));
    for (const s of [reference.ws, away.socket.ws, liveA.socket.ws, liveB.socket.ws])
      closers.push(() => s.terminate());
    const seen = tagsOf(reference, prefix);

    const serviceKey = await admin!.get('ServiceTokenAPIKey');
    assert.ok(serviceKey);
    const token = await signHs256(serviceKey, {
      service_uuid: serviceUuid,
      iat: Math.floor(Date.now() / 1000),
    });
    /** Event i: a plain PUBLISH by a Python service, or every fourth TeraRelay's (REST, on A). */
    const send = async (i: number): Promise<void> => {
      const tag = `${prefix}${i}`;
      if (i % 4 === 3) {
        const res = await requestUrl(`${A.url}/api/service/events`, {
          method: 'POST',
          headers: { authorization: `OpenTera ${token}` },
          body: {
            kind: 'user',
            uuid: adminUuid,
            event: {
              '@type': 'type.googleapis.com/opentera.protobuf.ArchiveEvent',
              ownerUuid: adminUuid,
              archiveUrl: tag,
            },
          },
        });
        assert.equal(res.status, 202, res.text);
        return;
      }
      // Appended by whichever node hears it first: wait for it, so the order is the test's.
      const before = await lastPosition();
      await service!.publishEvent(topics[i % 3]!, [tagged(adminUuid, tag)]);
      await waitFor(async () => (await lastPosition()) !== before, { what: `event ${i} appended` });
    };

    for (let i = 0; i < 10; i++) await send(i);
    await away.untilTag(`${prefix}9`);
    const standing = away.standing;
    away.close();
    await away.socket.waitClose();
    for (let i = 10; i < 110; i++) await send(i);

    // Back on B: its login lets it in with its token even if A has not yet seen it leave.
    const second = await login(B, { [RESUME_HEADER]: standing.token });
    const back = await openResume(second.url, { resume: standing });
    closers.push(() => back.socket.ws.terminate());
    assert.equal(back.welcome?.recovered, true, JSON.stringify(back.welcome));
    await service!.publishEvent(USER_MANAGER_EVENTS, [tagged(adminUuid, `${prefix}end`)]);
    const missed = await back.untilTag(`${prefix}end`);
    await waitFor(() => seen.includes(`${prefix}end`), { what: 'the reference got everything' });

    const expected = Array.from({ length: 110 }, (_, i) => `${prefix}${i}`);
    assert.deepEqual(
      [...away.tags(prefix), ...missed.filter((x) => x.startsWith(prefix))],
      expected,
    );
    assert.deepEqual(seen.slice(0, 110), expected, 'what a never-disconnected client saw');
    assert.ok(back.events.filter((e) => e.frame.fields.archiveUrl).every((e) => e.position));

    // Appended once each: the direct stream holds exactly the events published there.
    const onDirect = expected.filter((_, i) => i % 4 === 3 || i % 3 === 2).length;
    assert.equal(await admin!.xlen(`terarelay:h:${direct}`), onDirect);
    // And the same positions on both nodes.
    await liveA.untilTag(`${prefix}end`);
    await liveB.untilTag(`${prefix}end`);
    const positions = (s: ResumeSocket) =>
      s.events
        .filter((e) => String(e.frame.fields.archiveUrl).startsWith(prefix))
        .map((e) => e.position);
    assert.equal(positions(liveA).length, 111);
    assert.deepEqual(positions(liveA), positions(liveB));
  });

  test('a participant invited by a Python service while connected nowhere gets the invitation', async (t) => {
    if ('skip' in redis) return t.skip(redis.skip);
    if ('skip' in db) return t.skip(db.skip);
    const [A, B] = [a!, b!];
    const participantLogin = async (node: NodeProcess, headers: Record<string, string> = {}) => {
      const res = await requestUrl(`${node.url}/api/participant/login?with_websocket=true`, {
        headers: { authorization: basic('participant1', 'opentera'), ...headers },
      });
      assert.equal(res.status, 200, res.text);
      const body = res.json<{ websocket_url: string; participant_uuid: string }>();
      const url = new URL(body.websocket_url);
      url.host = `127.0.0.1:${node.port}`;
      return { url: url.toString(), uuid: body.participant_uuid };
    };
    const first = await participantLogin(A);
    const gone = await openResume(first.url);
    const standing = gone.standing;
    gone.close();
    await gone.socket.waitClose();
    // Its only connection is closed: the clinician's invitation comes from VideoRehab meanwhile.
    const topic = directTopic('participant', first.uuid);
    const session = 'd0000000-0000-4000-8000-00000000000d';
    await service!.publishEvent(topic, [
      pack(JoinSessionEventSchema, {
        sessionUuid: session,
        sessionParticipants: [first.uuid],
        joinMsg: 'invited while away',
      }),
    ]);
    await waitFor(async () => (await admin!.xlen(`terarelay:h:${topic}`)) === 1, {
      what: 'the invitation appended',
    });
    const second = await participantLogin(B, { [RESUME_HEADER]: standing.token });
    const back = await openResume(second.url, { resume: standing });
    closers.push(() => back.socket.ws.terminate());
    assert.equal(back.welcome?.recovered, true, JSON.stringify(back.welcome));
    await back.until(
      () => back.events.some((e) => e.frame.fields.sessionUuid === session),
      'the invitation',
    );
    const invitation = back.events.find((e) => e.frame.fields.sessionUuid === session)!;
    assert.equal(invitation.frame.type, 'JoinSessionEvent');
    assert.equal(invitation.frame.fields.joinMsg, 'invited while away');
    assert.ok(invitation.position);
    assert.equal(await admin!.xlen(`terarelay:h:${topic}`), 1, 'appended once');
  });
});

/** The tags (archiveUrl) a plain websocket receives from now on, in order. */
function tagsOf(socket: TestSocket, prefix: string): string[] {
  const tags: string[] = [];
  socket.ws.on('message', (data: Buffer) => {
    const tag = parseFrame(data.toString('utf8')).fields.archiveUrl;
    if (typeof tag === 'string' && tag.startsWith(prefix)) tags.push(tag);
  });
  return tags;
}
