import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readCredentials, secretsEqual, splitScheme } from '../../src/auth/credentials.js';
import { compareClientVersion, parseClientVersions } from '../../src/auth/client-version.js';
import { parseArgs } from '../../src/http/query.js';
import { jsonDepthExceeds } from '../../src/protocol/python-json.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('readCredentials', () => {
  test('Basic and OpenTera schemes, any case; the password may contain colons and UTF-8', () => {
    assert.deepEqual(readCredentials(`Basic ${b64('user:pa:ss')}`), {
      scheme: 'basic',
      username: 'user',
      password: 'pa:ss',
    });
    assert.deepEqual(readCredentials(`basic ${b64('é:ü')}`), {
      scheme: 'basic',
      username: 'é',
      password: 'ü',
    });
    assert.deepEqual(readCredentials('OpenTera abc.def'), { scheme: 'token', token: 'abc.def' });
    assert.deepEqual(readCredentials('opentera   abc  '), { scheme: 'token', token: 'abc' });
    assert.deepEqual(readCredentials(undefined), { scheme: 'none' });
  });

  test('anything else is invalid: other schemes, bad base64, no colon, invalid UTF-8, oversize', () => {
    assert.equal(readCredentials('Bearer x').scheme, 'invalid');
    assert.equal(readCredentials('Basic').scheme, 'invalid');
    assert.equal(readCredentials('Basic a$b=').scheme, 'invalid');
    assert.equal(readCredentials(`Basic ${b64('nocolon')}`).scheme, 'invalid');
    assert.equal(
      readCredentials(`Basic ${b64(Buffer.from([0xc3, 0x28, 0x3a, 0x61]))}`).scheme,
      'invalid',
    );
    assert.equal(readCredentials(`Basic ${b64('u:' + 'p'.repeat(2000))}`).scheme, 'invalid');
    assert.equal(readCredentials(`OpenTera ${'t'.repeat(9000)}`).scheme, 'invalid');
    assert.equal(readCredentials(['Basic a', 'Basic b']).scheme, 'invalid');
  });

  test("splitScheme is Python's split(None, 1)", () => {
    assert.deepEqual(splitScheme('  OpenTera   a b  '), ['OpenTera', 'a b']);
    assert.equal(splitScheme('OpenTera'), null);
    assert.equal(splitScheme('OpenTera   '), null);
  });

  test('secretsEqual', () => {
    assert.equal(secretsEqual('abc', 'abc'), true);
    assert.equal(secretsEqual('abc', 'abd'), false);
    assert.equal(secretsEqual('abc', 'abcd'), false);
    assert.equal(secretsEqual('', ''), true);
  });
});

describe('client versions', () => {
  test('the setting overrides and adds clients; junk keeps the default', () => {
    assert.equal(parseClientVersions(null).get('OpenTeraPlus')?.client_version, '1.0.0');
    assert.equal(parseClientVersions('not json').get('OpenTeraPlus')?.client_version, '1.0.0');
    assert.equal(parseClientVersions('{"clients": [1, 2]}').size, 1);
    const c = parseClientVersions(
      '{"clients": {"A": {"client_name": "A", "client_version": "2.0"}, "B": {"client_name": "B"}}}',
    );
    assert.equal(c.get('A')?.client_version, '2.0');
    assert.equal(c.has('B'), false);
  });

  test('the rule', () => {
    const clients = parseClientVersions(null);
    assert.equal(compareClientVersion(clients, undefined, '1').kind, 'none');
    assert.equal(compareClientVersion(clients, 'X', '1').kind, 'none');
    assert.equal(compareClientVersion(clients, 'OpenTeraPlus', '1.0.0').kind, 'known');
    assert.equal(compareClientVersion(clients, 'OpenTeraPlus', '1.0').kind, 'known');
    assert.equal(compareClientVersion(clients, 'OpenTeraPlus', '2').kind, 'outdated');
    assert.equal(compareClientVersion(clients, 'OpenTeraPlus', '').kind, 'outdated');
  });
});

describe('parseArgs', () => {
  test("flask-restx's boolean and int rules, first value of a repeated argument, strict mode", () => {
    const spec = { b: 'boolean', n: 'int', s: 'string' } as const;
    assert.deepEqual(parseArgs({ b: 'On', n: '-12', s: 'x' }, spec), {
      ok: true,
      args: { b: true, n: -12, s: 'x' },
    });
    assert.deepEqual(parseArgs({ b: ['0', '1'] }, spec), { ok: true, args: { b: false } });
    assert.equal(parseArgs({ n: '1.5' }, spec).ok, false);
    assert.equal(parseArgs({ n: '99999999999999999999' }, spec).ok, false);
    assert.deepEqual(parseArgs({ z: '1', y: '' }, spec, { strict: true }), {
      ok: false,
      body: { message: 'Unknown arguments: z, y' },
    });
    assert.equal(parseArgs({ z: '1' }, spec).ok, true);
  });
});

describe('jsonDepthExceeds', () => {
  test('counts nesting outside strings, escapes included', () => {
    assert.equal(jsonDepthExceeds('[[[]]]', 3), false);
    assert.equal(jsonDepthExceeds('[[[[]]]]', 3), true);
    assert.equal(jsonDepthExceeds('["[[[[\\"[[[["]', 1), false);
    assert.equal(jsonDepthExceeds('{"a":{"b":[{}]}}', 4), false);
    assert.equal(jsonDepthExceeds('{"a":{"b":[{}]}}', 3), true);
  });
});
