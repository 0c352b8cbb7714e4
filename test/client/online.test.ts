/**
 * Who is online: the SDK's REST snapshot, and the tracker that keeps it current from a user's
 * events (online, busy during a session, device status, gone when offline).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { applyEvent, decodeEvent, type TeraRelayClient } from '../../src/client/index.js';
import { startTestServer, type TestServer } from '../kit/server.js';
import { seeded, type Seeded } from '../kit/sockets.js';
import { waitFor } from '../kit/waiting.js';
import { clientOf, online, seededToken, startSession, stopSession } from './kit.js';

describe('SDK online helpers', () => {
  let server: TestServer;
  let ids: Seeded;
  let relay: TeraRelayClient;

  before(async () => {
    server = await startTestServer();
    ids = await seeded(server);
    relay = clientOf(server);
  });
  after(() => server.close());

  test('the tracker follows presence, sessions and device status; REST agrees', async (t) => {
    const p1 = ids.participants['Participant #1']!;
    const watch = ids.devices['Apple Watch #W05P1']!;
    const connection = relay.connect(await relay.login({ user: 'admin', password: 'admin' }));
    t.after(() => connection.close());
    const tracker = relay.trackOnline(connection);
    t.after(() => tracker.close());
    await tracker.loaded();
    assert.equal(tracker.get('participant', p1), undefined);

    const participant = relay.connect(
      await relay.login({ participantToken: seededToken(server, 'Participant #1') }),
    );
    t.after(() => participant.close());
    const came = await waitFor(() => tracker.get('participant', p1), { what: 'p1 listed' });
    assert.deepEqual([came.online, came.busy, came.name], [true, false, 'Participant #1']);

    const sessionUuid = randomUUID();
    await startSession(server, sessionUuid, { participants: [p1] });
    await waitFor(() => tracker.get('participant', p1)?.busy, { what: 'p1 busy' });

    const device = await relay.login({ deviceToken: seededToken(server, 'Apple Watch #W05P1') });
    const deviceConnection = relay.connect(device);
    t.after(() => deviceConnection.close());
    await deviceConnection.opened();
    await online(server, 'device', watch);
    await relay.sendDeviceStatus(device, { battery: 42 }, 1_700_000_000);
    const status = await waitFor(
      () => (tracker.get('device', watch)?.status as { battery?: number } | null)?.battery,
      { what: 'device status' },
    );
    assert.equal(status, 42);

    // The REST snapshot says the same.
    const listed = await relay.online(connection);
    const p = listed.find((e) => e.kind === 'participant' && e.uuid === p1);
    assert.deepEqual([p?.online, p?.busy], [true, true]);
    assert.ok(p?.projectName, 'with its project');
    const d = listed.find((e) => e.kind === 'device' && e.uuid === watch);
    assert.deepEqual(
      [d?.online, d?.status, d?.statusTimestamp],
      [true, { battery: 42 }, 1_700_000_000],
    );

    await stopSession(server, sessionUuid);
    await waitFor(() => tracker.get('participant', p1)?.busy === false, { what: 'p1 free' });
    await participant.close();
    await waitFor(() => tracker.get('participant', p1) === undefined, { what: 'p1 gone' });
    assert.ok(tracker.list().some((e) => e.kind === 'device' && e.uuid === watch));
  });

  test('applyEvent: online and busy are independent; neither means not listed', () => {
    const event = (type: string) =>
      decodeEvent(
        {
          '@type': 'type.googleapis.com/opentera.protobuf.ParticipantEvent',
          participantUuid: 'p',
          participantName: 'P',
          type,
        },
        't',
        1,
      );
    let entry = applyEvent(undefined, event('PARTICIPANT_JOINED_SESSION'));
    assert.deepEqual([entry?.online, entry?.busy], [false, true]);
    entry = applyEvent(entry, event('PARTICIPANT_CONNECTED'));
    assert.deepEqual([entry?.online, entry?.busy], [true, true]);
    entry = applyEvent(entry, event('PARTICIPANT_LEFT_SESSION'));
    assert.deepEqual([entry?.online, entry?.busy], [true, false]);
    assert.equal(applyEvent(entry, event('PARTICIPANT_DISCONNECTED')), undefined);
    assert.equal(applyEvent(undefined, event('PARTICIPANT_DISCONNECTED')), undefined);
  });
});
