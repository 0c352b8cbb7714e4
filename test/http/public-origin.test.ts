import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { basic, type TestServer } from '../kit/server.js';
import { serverFor } from '../kit/http.js';

const url = async (
  server: TestServer,
  localAddress: string,
  headers: Record<string, string> = {},
) => {
  const r = await server.request('/api/user/login?with_websocket=true', {
    headers: { authorization: basic('user', 'user'), ...headers },
    localAddress,
  });
  assert.equal(r.status, 200, r.text);
  const u = r.json<{ websocket_url: string }>().websocket_url;
  return u.slice(0, u.indexOf('/wss/'));
};

describe('the websocket_url origin', () => {
  test('without --public-url: the listening host and port', async (t) => {
    const server = await serverFor(t);
    assert.equal(await url(server, '127.0.0.1'), `wss://127.0.0.1:${server.port}`);
  });

  test('--public-url wins, and proxy headers from an untrusted peer are ignored', async (t) => {
    const server = await serverFor(t, { publicUrl: 'wss://relay.example.org:8443' });
    assert.equal(await url(server, '127.0.0.1'), 'wss://relay.example.org:8443');
    const forged = await url(server, '127.0.0.1', {
      'X-ExternalServer': 'evil.example',
      'X-ExternalPort': '1',
    });
    assert.equal(forged, 'wss://relay.example.org:8443');
    const forgedUnderscore = await url(server, '127.0.0.1', {
      X_ExternalServer: 'evil.example',
      X_ExternalPort: '1',
    });
    assert.equal(forgedUnderscore, 'wss://relay.example.org:8443');
  });

  test('a trusted proxy sets host and port (dash or underscore names); untrusted addresses still cannot', async (t) => {
    const server = await serverFor(t, {
      publicUrl: 'wss://relay.example.org:8443',
      trustProxy: '127.0.0.2',
    });
    assert.equal(
      await url(server, '127.0.0.2', {
        'X-ExternalServer': 'opentera.example.net',
        'X-ExternalPort': '40075',
      }),
      'wss://opentera.example.net:40075',
    );
    assert.equal(
      await url(server, '127.0.0.2', {
        X_ExternalServer: 'other.example.net',
        X_ExternalPort: '443',
      }),
      'wss://other.example.net:443',
    );
    assert.equal(
      await url(server, '127.0.0.2', { 'X-ExternalPort': '40075' }),
      'wss://relay.example.org:40075',
    );
    assert.equal(
      await url(server, '127.0.0.3', { 'X-ExternalServer': 'evil.example', 'X-ExternalPort': '1' }),
      'wss://relay.example.org:8443',
    );
  });

  test('a trusted proxy cannot inject anything but a host name and a port', async (t) => {
    const server = await serverFor(t, { trustProxy: '127.0.0.2' });
    const base = `wss://127.0.0.1:${server.port}`;
    assert.equal(
      await url(server, '127.0.0.2', { 'X-ExternalServer': 'evil.example/path?x=' }),
      base,
    );
    assert.equal(await url(server, '127.0.0.2', { 'X-ExternalServer': 'user@evil.example' }), base);
    assert.equal(await url(server, '127.0.0.2', { 'X-ExternalPort': '99999' }), base);
    assert.equal(await url(server, '127.0.0.2', { 'X-ExternalPort': '80/x' }), base);
    assert.equal(
      await url(server, '127.0.0.2', { 'X-ExternalServer': '::1' }),
      `wss://[::1]:${server.port}`,
    );
  });
});
