/**
 * TLS session tickets survive a restart: the ticket keys live in the database, so a client that
 * kept its session resumes it (no full handshake) against a new server process on the same
 * database and certificate, as after a node restart or on another node of the cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { startTestServer } from '../kit/server.js';

/** Connects and resolves with the first session ticket the server sends. */
function firstTicket(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    socket.once('error', reject);
    socket.once('session', (ticket: Buffer) => {
      socket.end();
      resolve(ticket);
    });
    // A TLS 1.3 server sends its tickets once the client has spoken.
    socket.once('secureConnect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
  });
}

/** Connects offering `session`; resolves with whether the server resumed it. */
function resumes(port: number, session: Buffer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, session });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      resolve(socket.isSessionReused());
      socket.end();
    });
  });
}

test('a client resumes its TLS session on a restarted server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'terarelay-resume-'));
  const settings = { db: `sqlite:${join(dir, 'relay.db')}`, dataDir: dir };
  try {
    const first = await startTestServer(settings);
    const session = await firstTicket(first.port);
    await first.stop();
    const second = await startTestServer(settings);
    try {
      assert.equal(await resumes(second.port, session), true);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
