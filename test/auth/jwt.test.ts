/**
 * TeraRelay's HS256 tokens against jose's (the library OpenTera-compatible clients and the
 * earlier implementation used): the same claims make the same token, each verifies the other's,
 * and verification refuses what jose's `jwtVerify` refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { jwtExpiryMs, signHs256, verifyHs256 } from '../../src/auth/jwt.js';

const KEY = 'k3y-0f-32-characters-for-hs256!!';
const encoder = new TextEncoder();
const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A token with any header, signed by hand. */
function handSigned(header: unknown, claims: unknown): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

const joseSign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(encoder.encode(KEY));

/** What jose's jwtVerify says of `token`: its payload, or null when it refuses it. */
async function joseVerify(token: string, requireExp = false) {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(KEY), {
      algorithms: ['HS256'],
      ...(requireExp ? { requiredClaims: ['exp'] } : {}),
    });
    return payload;
  } catch {
    return null;
  }
}

test('the same claims make the same token as jose, and each verifies the other', async () => {
  const claims = {
    iat: now(),
    exp: now() + 3600,
    iss: 'TeraServer',
    jti: 'a-jti',
    user_uuid: 'u',
    service_access: { a: ['b'] },
    name: 'Élise ✓',
  };
  const ours = await signHs256(KEY, claims);
  assert.equal(ours, await joseSign(claims));
  assert.deepEqual(await joseVerify(ours, true), claims);
  assert.deepEqual(await verifyHs256(await joseSign(claims), KEY, true), claims);
  const staticToken = await joseSign({ iss: 'TeraServer', jti: 'j', device_uuid: 'd' });
  assert.deepEqual(await verifyHs256(staticToken, KEY), {
    iss: 'TeraServer',
    jti: 'j',
    device_uuid: 'd',
  });
});

test('refused as jose refuses it', async () => {
  const valid = await signHs256(KEY, { exp: now() + 60, x: 1 });
  const [head, body, sig] = valid.split('.') as [string, string, string];
  const other = await new SignJWT({ x: 1 })
    .setProtectedHeader({ alg: 'HS512' })
    .sign(encoder.encode(KEY));
  assert.deepEqual(await verifyHs256(handSigned({ alg: 'HS256' }, { x: 1 }), KEY), { x: 1 });
  const cases: Array<[string, string, boolean?]> = [
    [
      'wrong key',
      await new SignJWT({ x: 1 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(encoder.encode('another key')),
    ],
    ['alg none', `${b64({ alg: 'none' })}.${body}.`],
    ['HS512', other],
    ['expired', await signHs256(KEY, { exp: now() - 1 })],
    ['expiring now', await signHs256(KEY, { exp: now() })],
    ['not before later', await signHs256(KEY, { nbf: now() + 60 })],
    ['exp not a number', await signHs256(KEY, { exp: String(now() + 60) })],
    ['iat not a number', await signHs256(KEY, { iat: 'yesterday' })],
    ['no exp where required', await signHs256(KEY, { x: 1 }), true],
    ['crit header', handSigned({ alg: 'HS256', crit: ['x-ours'], 'x-ours': 1 }, { x: 1 })],
    ['tampered payload', `${head}.${b64({ exp: now() + 60, x: 2 })}.${sig}`],
    ['tampered signature', `${head}.${body}.${sig.slice(0, -2)}AA`],
    ['two parts', `${head}.${body}`],
    ['four parts', `${valid}.x`],
    ['payload not JSON', `${head}.${Buffer.from('nope').toString('base64url')}.${sig}`],
    ['payload an array', `${head}.${b64([1])}.${sig}`],
    ['bad base64url', `${head}.${body}.${sig.replace(/^./, '+')}`],
    ['empty', ''],
  ];
  for (const [what, token, requireExp] of cases) {
    assert.equal(await verifyHs256(token, KEY, requireExp), null, what);
    if (token !== '') assert.equal(await joseVerify(token, requireExp), null, `jose too: ${what}`);
  }
});

test('jwtExpiryMs reads exp without verifying', async () => {
  const exp = now() + 60;
  assert.equal(jwtExpiryMs(await signHs256('any key', { exp })), exp * 1000);
  assert.equal(jwtExpiryMs(await signHs256(KEY, { x: 1 })), undefined);
  assert.equal(jwtExpiryMs('not.a.jwt'), undefined);
  assert.equal(jwtExpiryMs('garbage'), undefined);
});
