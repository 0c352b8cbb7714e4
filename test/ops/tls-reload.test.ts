/**
 * SIGHUP on a node process serving --tls-cert/--tls-key: new TLS connections get the
 * certificate now in the files, an open websocket stays open, and files that cannot be used
 * leave the current certificate (with an error logged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { generate } from 'selfsigned';
import { CLIENT_MESSAGE_REPLY } from '../../src/realtime/connection.js';
import { openSocket, requestUrl } from '../kit/server.js';
import { startNode } from '../kit/node-process.js';
import { waitFor } from '../kit/waiting.js';

/** A fresh self-signed certificate for 127.0.0.1, written to `certFile`/`keyFile`. */
async function writeCertificate(certFile: string, keyFile: string): Promise<string> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  writeFileSync(keyFile, pems.private);
  writeFileSync(certFile, pems.cert);
  return new X509Certificate(pems.cert).fingerprint256;
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` gets. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

test('SIGHUP: new connections get the new certificate, an open websocket stays open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-tls-reload-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const first = await writeCertificate(certFile, keyFile);
  const node = await startNode({
    db: 'sqlite::memory:',
    args: ['--tls-cert', certFile, '--tls-key', keyFile],
  });
  try {
    assert.equal(await servedFingerprint(node.port), first);
    const token = /device\s+Kit Télé #1\s+token (\S+)/.exec(node.output())?.[1];
    assert.ok(token, node.output());
    const login = await requestUrl(`${node.url}/api/device/login?token=${token}`);
    assert.equal(login.status, 200, login.text);
    const { socket } = await openSocket(login.json<{ websocket_url: string }>().websocket_url);
    assert.ok(socket);
    await socket.next(); // its own DEVICE_CONNECTED

    const second = await writeCertificate(certFile, keyFile);
    assert.notEqual(second, first);
    node.signal('SIGHUP');
    await waitFor(async () => (await servedFingerprint(node.port)) === second, {
      what: 'new connections to get the new certificate',
    });
    socket.ws.send('still there?');
    assert.equal(await socket.next(), CLIENT_MESSAGE_REPLY, 'the open websocket still answers');
    assert.equal(socket.closed, null);

    writeFileSync(certFile, 'not a certificate');
    node.signal('SIGHUP');
    await waitFor(() => node.output().includes('TLS certificate kept: reload failed'), {
      what: 'the failed reload to be logged',
    });
    assert.equal(await servedFingerprint(node.port), second, 'the certificate is kept');
    socket.close();
    await socket.waitClose();
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
