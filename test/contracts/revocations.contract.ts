/**
 * The Revocations contract (src/seams/revocations/revocations.ts), run against every implementation.
 * `open` makes a store (or a skip reason when its backend is unreachable); the suite closes it.
 * With `durable`, `open` must reach the same persisted state each time (same database file or
 * server), and the suite checks that a revocation outlives the store that made it.
 * Tokens are random per test, so stores may share a backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { RevocableKind, Revocations } from '../../src/seams/revocations/revocations.js';
import { storeTest, type Opened } from '../kit/with-store.js';
import { waitFor } from '../kit/waiting.js';

export type OpenRevocations = () => Promise<Opened<Revocations>>;

const HOUR = 3_600_000;

/** A JWT-shaped token (its signature is random: no store may verify it). */
export function fakeJwt(expMs: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    iss: 'TeraServer',
    jti: randomBytes(16).toString('hex'),
    exp: Math.floor(expMs / 1000),
  };
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}

/** `store`, whose close() also runs `after` (in order) once the store is closed. */
export function closing(
  store: Revocations,
  ...after: Array<() => Promise<void> | void>
): Revocations {
  let closed: Promise<void> | null = null;
  return {
    revoke: (kind, token, expiresAtMs) => store.revoke(kind, token, expiresAtMs),
    isRevoked: (kind, token) => store.isRevoked(kind, token),
    close: () =>
      (closed ??= (async () => {
        await store.close();
        for (const step of after) await step();
      })()),
  };
}

export function revocationsContract(
  open: OpenRevocations,
  options: { durable?: boolean } = {},
): void {
  const withStore = storeTest(open);
  const token = (): string => fakeJwt(Date.now() + HOUR);

  test(
    'a revoked token is revoked for its kind only',
    withStore(async (store) => {
      for (const [kind, other] of [
        ['user', 'participant'],
        ['participant', 'user'],
      ] as [RevocableKind, RevocableKind][]) {
        const revoked = token();
        const untouched = token();
        assert.equal(await store.isRevoked(kind, revoked), false);
        await store.revoke(kind, revoked, Date.now() + HOUR);
        assert.equal(await store.isRevoked(kind, revoked), true);
        assert.equal(await store.isRevoked(other, revoked), false, 'kinds are separate');
        assert.equal(await store.isRevoked(kind, untouched), false);
      }
    }),
  );

  test(
    'revoking again, or concurrently, is harmless',
    withStore(async (store) => {
      const t = token();
      const exp = Date.now() + HOUR;
      await Promise.all(Array.from({ length: 20 }, () => store.revoke('user', t, exp)));
      await store.revoke('user', t, exp);
      assert.equal(await store.isRevoked('user', t), true);
    }),
  );

  test(
    'many tokens, long and odd ones included, are each revoked',
    withStore(async (store) => {
      const tokens = [
        ...Array.from({ length: 200 }, token),
        'x'.repeat(8192),
        'quote\'and"backslash\\;--',
        'é✓ unicode',
        ' leading and trailing ',
      ];
      for (const t of tokens) await store.revoke('participant', t, Date.now() + HOUR);
      for (const t of tokens) assert.equal(await store.isRevoked('participant', t), true, t);
      assert.equal(await store.isRevoked('participant', 'x'.repeat(8191)), false);
      assert.equal(await store.isRevoked('participant', 'É✓ unicode'), false);
    }),
  );

  test(
    'a revocation is forgotten once the token has expired',
    withStore(async (store) => {
      const shortLived = token();
      const longLived = token();
      await store.revoke('user', shortLived, Date.now() + 50);
      await store.revoke('user', longLived, Date.now() + HOUR);
      await waitFor(async () => !(await store.isRevoked('user', shortLived)), {
        what: 'the expired revocation to be forgotten',
      });
      assert.equal(await store.isRevoked('user', longLived), true);
    }),
  );

  test(
    'the empty token counts as revoked (as in OpenTera)',
    withStore(async (store) => {
      assert.equal(await store.isRevoked('user', ''), true);
      assert.equal(await store.isRevoked('participant', ''), true);
      await store.revoke('user', '', Date.now() + HOUR);
      assert.equal(await store.isRevoked('user', ''), true);
    }),
  );

  test(
    'close is idempotent',
    withStore(async (store) => {
      await store.close();
      await store.close();
    }),
  );

  if (options.durable) {
    test('a revocation survives reopening the store', async (t) => {
      const first = await open();
      if ('skip' in first) return t.skip(first.skip);
      const user = token();
      const participant = token();
      await first.revoke('user', user, Date.now() + HOUR);
      await first.revoke('participant', participant, Date.now() + HOUR);
      await first.close();
      const second = await open();
      if ('skip' in second) return t.skip(second.skip);
      try {
        assert.equal(await second.isRevoked('user', user), true);
        assert.equal(await second.isRevoked('participant', participant), true);
        assert.equal(await second.isRevoked('participant', user), false);
      } finally {
        await second.close();
      }
    });
  }
}
