/**
 * The filter rules as a table: connection kind × event type × relation → keep or drop
 * (spec §5.2 with DESIGN.md's decisions). `me` is the connection's principal, `v` a principal
 * in its access sets, `x` one outside them; `s-db` a session the database lists it in,
 * `s-ann` one announced to it, `s-no` neither.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AccessScope,
  audienceOf,
  canSee,
  presenceSubject,
  type Channel,
  type ScopeView,
} from '../../src/access/scope.js';
import type { AccessSets } from '../../src/access/access.js';
import { AudienceIndex } from '../../src/realtime/audience-index.js';
import type { PrincipalKind } from '../../src/principal.js';
import {
  ArchiveEventSchema,
  create,
  DatabaseEventSchema,
  DeviceEventSchema,
  JoinSessionEventSchema,
  JoinSessionReplyEventSchema,
  LeaveSessionEventSchema,
  ParticipantEventSchema,
  StopSessionEventSchema,
  UserEventSchema,
  type ClientEvent,
} from '../../src/protocol/messages.js';

const none = new Set<string>();
const ACCESS: Record<PrincipalKind, AccessSets> = {
  user: {
    kind: 'user',
    userId: 1,
    userUuid: 'me',
    superadmin: false,
    siteIds: new Set(),
    projectIds: new Set(),
    userUuids: new Set(['me', 'v']),
    participantUuids: new Set(['v']),
    deviceUuids: new Set(['v']),
    projectRoles: new Map(),
    siteRoles: new Map(),
    admin: {
      siteIds: new Set(),
      projectIds: new Set(),
      userUuids: none,
      participantUuids: none,
      deviceUuids: none,
    },
  },
  participant: {
    kind: 'participant',
    participantId: 1,
    participantUuid: 'me',
    deviceUuids: new Set(['v']),
  },
  device: { kind: 'device', deviceId: 1, deviceUuid: 'me', participantUuids: new Set(['v']) },
};

const view = (kind: PrincipalKind): ScopeView => ({
  kind,
  uuid: 'me',
  access: ACCESS[kind],
  isMember: (s) => s === 's-db' || s === 's-ann',
});

// Event builders by short label. Presence types: 1 CONNECTED, 2 DISCONNECTED; 6/5 JOINED.
const E = {
  user: (uuid: string, type = 6): ClientEvent => ({
    type: 'UserEvent',
    event: create(UserEventSchema, { userUuid: uuid, type }),
  }),
  participant: (uuid: string, type = 5): ClientEvent => ({
    type: 'ParticipantEvent',
    event: create(ParticipantEventSchema, { participantUuid: uuid, type }),
  }),
  device: (uuid: string, type = 7): ClientEvent => ({
    type: 'DeviceEvent',
    event: create(DeviceEventSchema, { deviceUuid: uuid, type }),
  }),
  join: (kind: PrincipalKind, named: string[]): ClientEvent => ({
    type: 'JoinSessionEvent',
    event: create(JoinSessionEventSchema, {
      sessionUuid: 's-new',
      sessionUsers: kind === 'user' ? named : ['me-elsewhere'],
      sessionParticipants: kind === 'participant' ? named : [],
      sessionDevices: kind === 'device' ? named : [],
    }),
  }),
  reply: (kind: PrincipalKind, session: string, replier: string): ClientEvent => ({
    type: 'JoinSessionReplyEvent',
    event: create(JoinSessionReplyEventSchema, {
      sessionUuid: session,
      userUuid: kind === 'user' ? replier : '',
      participantUuid: kind === 'participant' ? replier : '',
      deviceUuid: kind === 'device' ? replier : '',
    }),
  }),
  leave: (session: string): ClientEvent => ({
    type: 'LeaveSessionEvent',
    event: create(LeaveSessionEventSchema, { sessionUuid: session }),
  }),
  stop: (session: string): ClientEvent => ({
    type: 'StopSessionEvent',
    event: create(StopSessionEventSchema, { sessionUuid: session }),
  }),
  archive: (owner: string): ClientEvent => ({
    type: 'ArchiveEvent',
    event: create(ArchiveEventSchema, { ownerUuid: owner }),
  }),
  database: (): ClientEvent => ({
    type: 'DatabaseEvent',
    event: create(DatabaseEventSchema, { type: 2, objectType: 'user' }),
  }),
};

type Row = [
  kind: PrincipalKind,
  label: string,
  event: (k: PrincipalKind) => ClientEvent,
  channel: Channel,
  keep: boolean,
];
const each = (
  label: string,
  event: (k: PrincipalKind) => ClientEvent,
  channel: Channel,
  keep: Record<PrincipalKind, boolean>,
): Row[] =>
  (['user', 'participant', 'device'] as const).map((k) => [k, label, event, channel, keep[k]]);
const B: Channel = 'broadcast';
const D: Channel = 'direct';

// prettier-ignore
const TABLE: Row[] = [
  ...each('UserEvent about a visible user', () => E.user('v'), B, { user: true, participant: false, device: false }),
  ...each('UserEvent about an invisible user', () => E.user('x'), B, { user: false, participant: false, device: false }),
  ...each('UserEvent JOINED about oneself', () => E.user('me'), B, { user: true, participant: false, device: false }),
  ...each('UserEvent CONNECTED about oneself', () => E.user('me', 1), B, { user: false, participant: false, device: false }),
  ...each('UserEvent DISCONNECTED about oneself', () => E.user('me', 2), D, { user: false, participant: false, device: false }),
  ...each('ParticipantEvent about a visible/linked participant', () => E.participant('v'), B, { user: true, participant: false, device: true }),
  ...each('ParticipantEvent about an invisible participant', () => E.participant('x'), B, { user: false, participant: false, device: false }),
  ...each('ParticipantEvent JOINED about oneself', () => E.participant('me'), B, { user: false, participant: true, device: false }),
  ...each('ParticipantEvent CONNECTED about oneself', () => E.participant('me', 1), B, { user: false, participant: false, device: false }),
  ...each('DeviceEvent about a visible/linked device', () => E.device('v'), B, { user: true, participant: true, device: false }),
  ...each('DeviceEvent about an invisible device', () => E.device('x'), B, { user: false, participant: false, device: false }),
  ...each('DeviceEvent STATUS_CHANGED about oneself', () => E.device('me'), B, { user: false, participant: false, device: true }),
  ...each('DeviceEvent CONNECTED about oneself', () => E.device('me', 1), B, { user: false, participant: false, device: false }),
  ...each('JoinSessionEvent naming oneself', (k) => E.join(k, ['v', 'me']), B, { user: true, participant: true, device: true }),
  ...each('JoinSessionEvent naming others', (k) => E.join(k, ['v']), D, { user: false, participant: false, device: false }),
  ...each('JoinSessionReplyEvent, member (db), other replier', (k) => E.reply(k, 's-db', 'v'), B, { user: true, participant: true, device: true }),
  ...each('JoinSessionReplyEvent, member (announced), other replier', (k) => E.reply(k, 's-ann', 'v'), B, { user: true, participant: true, device: true }),
  ...each('JoinSessionReplyEvent, member, own reply', (k) => E.reply(k, 's-db', 'me'), B, { user: false, participant: false, device: false }),
  ...each('JoinSessionReplyEvent, not a member', (k) => E.reply(k, 's-no', 'v'), B, { user: false, participant: false, device: false }),
  ...each('LeaveSessionEvent, member (db)', () => E.leave('s-db'), B, { user: true, participant: true, device: true }),
  ...each('LeaveSessionEvent, member (announced)', () => E.leave('s-ann'), D, { user: true, participant: true, device: true }),
  ...each('LeaveSessionEvent, not a member', () => E.leave('s-no'), B, { user: false, participant: false, device: false }),
  ...each('StopSessionEvent on the direct channel', () => E.stop('s-no'), D, { user: true, participant: true, device: true }),
  ...each('StopSessionEvent on a broadcast topic, even as member', () => E.stop('s-db'), B, { user: false, participant: false, device: false }),
  ...each('ArchiveEvent owned by oneself', () => E.archive('me'), B, { user: true, participant: true, device: true }),
  ...each('ArchiveEvent owned by another', () => E.archive('v'), D, { user: false, participant: false, device: false }),
  ...each('DatabaseEvent', () => E.database(), D, { user: false, participant: false, device: false }),
];

describe('filter rules', () => {
  for (const [kind, label, event, channel, keep] of TABLE) {
    test(`${kind} × ${label} (${channel}) → ${keep ? 'keep' : 'drop'}`, () => {
      assert.equal(canSee(view(kind), event(kind), channel), keep);
    });
  }

  test('AccessScope records a session only from a JoinSessionEvent it lets through', () => {
    for (const kind of ['user', 'participant', 'device'] as const) {
      const scope = new AccessScope(kind, 'me', ACCESS[kind], new Set(['s-db']));
      assert.equal(scope.isMember('s-new'), false);
      assert.equal(scope.accepts(E.join(kind, ['v']), 'direct'), false);
      assert.equal(scope.isMember('s-new'), false, 'not named: nothing recorded');
      assert.equal(scope.accepts(E.join(kind, ['me']), 'broadcast'), true);
      assert.equal(scope.isMember('s-new'), true, 'named: recorded');
      scope.update(ACCESS[kind], new Set());
      assert.equal(scope.isMember('s-new'), true, 'announcements survive a refresh');
      assert.equal(scope.isMember('s-db'), false, 'database memberships are replaced');
    }
  });

  test('audienceOf names every connection a rule keeps an event for, by kind and uuid', () => {
    let narrowed = 0;
    for (const [kind, label, event, channel, keep] of TABLE) {
      const who = audienceOf(event(kind), channel)[kind];
      if (who !== 'all') narrowed++;
      if (!keep) continue;
      assert.ok(
        who === 'all' || (who !== 'none' && who.includes('me')),
        `${kind} × ${label}: kept, so in the audience (${JSON.stringify(who)})`,
      );
    }
    assert.ok(narrowed > 0, 'some audiences are narrower than everyone');
    assert.deepEqual(audienceOf(E.device('d'), 'broadcast'), {
      user: 'all',
      participant: 'all',
      device: ['d'],
    });
    assert.deepEqual(audienceOf(E.user('u'), 'broadcast'), {
      user: 'all',
      participant: 'none',
      device: 'none',
    });
  });

  test('the audience index picks exactly the other connections canSee keeps, one lookup per set', () => {
    // Sets that count their lookups, shared by connections whose AccessSets objects differ (as
    // superadmins' do): four connections of every kind; the subject's own are the caller's.
    let lookups = 0;
    class CountingSet extends Set<string> {
      override has(value: string): boolean {
        lookups++;
        return super.has(value);
      }
    }
    const shared = (kind: PrincipalKind): AccessSets => {
      const a = ACCESS[kind];
      if (a.kind === 'user')
        return {
          ...a,
          userUuids: new CountingSet(a.userUuids),
          participantUuids: new CountingSet(a.participantUuids),
          deviceUuids: new CountingSet(a.deviceUuids),
        };
      if (a.kind === 'participant') return { ...a, deviceUuids: new CountingSet(a.deviceUuids) };
      return { ...a, participantUuids: new CountingSet(a.participantUuids) };
    };
    const sets = {
      user: shared('user'),
      participant: shared('participant'),
      device: shared('device'),
    };
    const members = (['user', 'participant', 'device'] as const).flatMap((kind) =>
      ['me', 'v', 'x', 'y'].map((uuid) => ({
        principal: { kind, uuid },
        access: { ...sets[kind] },
      })),
    );
    const index = new AudienceIndex<(typeof members)[number]>();
    for (const m of members) index.file(m, m.access);
    let checked = 0;
    for (const [kind, label, event, channel] of TABLE) {
      const e = event(kind);
      const presence = presenceSubject(e);
      if (presence === null) continue;
      const picked = new Set<(typeof members)[number]>();
      lookups = 0;
      index.forEachSeeing(presence.type, presence.subject, (m) => picked.add(m));
      assert.ok(lookups <= 3, `${label}: ${lookups} set lookups for 3 distinct sets`);
      for (const m of members) {
        if (m.principal.uuid === presence.subject) continue;
        const { kind: k, uuid } = m.principal;
        const expected = canSee(
          { kind: k, uuid, access: m.access, isMember: () => false },
          e,
          channel,
        );
        assert.equal(picked.has(m), expected, `${k} ${uuid} × ${label}`);
        checked++;
      }
    }
    assert.ok(checked > 0);
    // Unfiled members are never picked again; refiled ones follow their new access.
    for (const m of members) index.unfile(m);
    const picked: unknown[] = [];
    index.forEachSeeing('UserEvent', 'v', (m) => picked.push(m));
    assert.deepEqual(picked, []);
    assert.equal(index.setCount('UserEvent'), 0);
  });

  test('accepts never throws', () => {
    const scope = new AccessScope('user', 'me', ACCESS.user, new Set());
    const broken = { type: 'UserEvent', event: null } as unknown as ClientEvent;
    assert.equal(scope.accepts(broken, 'direct'), false);
  });
});
