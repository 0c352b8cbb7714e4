/**
 * Property: over random disconnect and reconnect schedules against random events (access fixed
 * during the run), a client that resumes every time it comes back receives exactly the sequence
 * of events a never-disconnected client with the same access received: same events, same order,
 * none twice. One node, history in memory; the reference is an observer connection of the same
 * user (the same access), in OpenTera's plain JSON frames.
 *
 * Replay a failure with PROPERTY_SEED=<seed> (printed on failure); PROPERTY_RUNS sets how many
 * schedules one run tries (default 3).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, openSocket, type TestServer, type TestSocket } from '../kit/server.js';
import { frameTag, pack, parseFrame, publish, seeded, type Seeded } from '../kit/sockets.js';
import {
  ArchiveEventSchema,
  ParticipantEventSchema,
  UserEventSchema,
  type Any,
} from '../../src/protocol/messages.js';
import { directTopic, FILE_TRANSFER_EVENTS, USER_MANAGER_EVENTS } from '../../src/topics.js';
import {
  openResume,
  tagPrefix,
  wssUrl,
  type ResumeSocket,
  type Standing,
} from '../realtime/resume-kit.js';
import { waitFor } from '../kit/waiting.js';
import { Rng } from './topology.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 3);
const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 1_000_000);

type Step =
  | { kind: 'publish'; count: number }
  | { kind: 'drop'; abrupt: boolean }
  | { kind: 'back'; format: 'json' | 'binary' };

function schedule(rng: Rng): Step[] {
  const steps: Step[] = [];
  let connected = true;
  for (let i = rng.int(8, 16); i > 0; i--) {
    if (rng.chance(0.5)) steps.push({ kind: 'publish', count: rng.int(1, 25) });
    else if (connected) {
      steps.push({ kind: 'drop', abrupt: rng.chance(0.5) });
      connected = false;
    } else {
      steps.push({ kind: 'back', format: rng.pick(['json', 'binary'] as const) });
      connected = true;
    }
  }
  return steps;
}

describe('property: a resumed client receives what a never-disconnected one does', () => {
  let server: TestServer;
  let ids: Seeded;
  before(async () => {
    server = await startTestServer({ history: 'on', historySize: 100_000 });
    ids = await seeded(server);
  });
  after(() => server.close());

  for (let run = 0; run < RUNS; run++) {
    const seed = SEED + run;
    test(`schedule ${run + 1} (PROPERTY_SEED=${seed})`, async () => {
      const rng = new Rng(seed);
      const subject = ids.users.siteadmin!;
      const users = Object.values(ids.users);
      const participants = Object.values(ids.participants);
      const prefix = tagPrefix();
      let n = 0;
      /** A random event (visible or not to the subject) on a random topic, tagged. */
      const randomEvent = (): { topic: string; event: Any } => {
        const tag = `${prefix}${n++}`;
        const topic = rng.pick([
          USER_MANAGER_EVENTS,
          FILE_TRANSFER_EVENTS,
          directTopic('user', subject),
          directTopic('user', rng.pick(users)),
        ]);
        const event = rng.pick([
          () =>
            pack(ArchiveEventSchema, {
              ownerUuid: rng.chance(0.6) ? subject : rng.pick(users),
              archiveUrl: tag,
            }),
          () => pack(UserEventSchema, { userUuid: rng.pick(users), type: 3, userFullname: tag }),
          () =>
            pack(ParticipantEventSchema, {
              participantUuid: rng.pick(participants),
              type: 3,
              participantName: tag,
            }),
        ])();
        return { topic, event };
      };

      const ticket = (observer: boolean) =>
        server.deps.tickets.issue('user', subject, 60_000, { observer });
      const reference = await plainSocket(server, await ticket(true));
      const seen = tagsFrom(reference, prefix);
      const received: string[] = [];
      const sockets: ResumeSocket[] = [];
      let current: ResumeSocket | null = await openResume(
        wssUrl(server.port, 'user', await ticket(false)),
      );
      sockets.push(current);
      let coming: Promise<ResumeSocket> | null = null;
      let standing: Standing | null = null;
      const collect = (s: ResumeSocket): void => {
        received.push(
          ...s.events.map((e) => String(frameTag(e.frame))).filter((t) => t.startsWith(prefix)),
        );
      };
      const arrived = async (): Promise<void> => {
        if (!coming) return;
        current = await coming;
        coming = null;
        sockets.push(current);
        assert.equal(current.welcome?.recovered, true, JSON.stringify(current.welcome));
      };

      for (const step of schedule(rng)) {
        if (step.kind === 'publish') {
          for (let i = 0; i < step.count; i++) {
            const { topic, event } = randomEvent();
            await publish(server, topic, [event]);
            // Let deliveries and a connection being set up interleave with the publishes.
            await new Promise((resolve) => setImmediate(resolve));
          }
        } else if (step.kind === 'drop') {
          await arrived();
          const s = current!;
          if (step.abrupt) s.socket.ws.terminate();
          else s.close();
          await s.socket.waitClose();
          standing = s.standing;
          collect(s);
          current = null;
        } else {
          const url = wssUrl(server.port, 'user', await ticket(false));
          coming = openResume(url, { format: step.format, resume: standing! });
        }
      }
      await arrived();
      if (!current) {
        const url = wssUrl(server.port, 'user', await ticket(false));
        current = await openResume(url, { resume: standing! });
        assert.equal(current.welcome?.recovered, true);
        sockets.push(current);
      }
      // The end: an event both may see; everything before it has reached both by then.
      const end = `${prefix}end`;
      await publish(server, USER_MANAGER_EVENTS, [
        pack(ArchiveEventSchema, { ownerUuid: subject, archiveUrl: end }),
      ]);
      const last = current as ResumeSocket;
      await last.until(() => last.tags().includes(end), 'the end on the subject');
      await waitFor(() => seen.includes(end), { what: 'the end on the reference' });
      collect(last);
      assert.ok(seen.length > 1, 'the reference saw events');
      assert.deepEqual(received, seen, `seed ${seed}: ${sockets.length} connections`);
      for (const s of sockets) s.socket.ws.terminate();
      reference.ws.terminate();
    });
  }
});

async function plainSocket(server: TestServer, ticket: string): Promise<TestSocket> {
  const { socket, status } = await openSocket(wssUrl(server.port, 'user', ticket));
  if (!socket) throw new Error(`upgrade refused with ${status}`);
  return socket;
}

/** The test tags a plain socket receives from now on, in order. */
function tagsFrom(socket: TestSocket, prefix: string): string[] {
  const tags: string[] = [];
  socket.ws.on('message', (data: Buffer) => {
    const tag = String(frameTag(parseFrame(data.toString('utf8'))));
    if (tag.startsWith(prefix)) tags.push(tag);
  });
  return tags;
}
