/**
 * The connect-storm baseline: a plain https + ws server with the relay's certificate, doing the
 * least a token login can do. GET /api/device/login?token= runs one database query (the
 * device by its token, on the same database as the relay) and stores a random ticket (one Redis
 * SET with a TTL, or a Map without Redis), answering `{"websocket_url": …}`; the upgrade of
 * /wss/device?id=<ticket> takes the ticket (GETDEL, or a Map delete) and sends one pre-encoded
 * frame, as the relay sends the device its own CONNECTED.
 *
 *   login-floor.ts --cert <file> --key <file> --db <sqlite:…|postgres://…> [--redis <url>]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { sqliteFile } from '../../src/config.js';
import { arg, ready, serveIpc } from './ipc.js';

const TICKET_TTL_MS = 60_000;
const KEY_PREFIX = 'terarelay-bench-floor:ticket:';
const FIRST_FRAME = Buffer.from('{"message":{"events":[{"type":"DEVICE_CONNECTED"}]}}');

/** The device uuid whose token this is, by one query. */
async function deviceLookup(db: string): Promise<{
  find(token: string): Promise<string | undefined>;
  close(): Promise<void>;
}> {
  const query = 'select device_uuid from t_devices where device_token = ';
  if (/^postgres(ql)?:/.test(db)) {
    const pool = new pg.Pool({ connectionString: db, max: 10 });
    return {
      find: async (token) =>
        (await pool.query<{ device_uuid: string }>(`${query}$1`, [token])).rows[0]?.device_uuid,
      close: () => pool.end(),
    };
  }
  const { default: Database } = await import('better-sqlite3');
  const sqlite = new Database(sqliteFile(db), { readonly: true });
  const statement = sqlite.prepare<[string], { device_uuid: string }>(`${query}?`);
  return {
    find: async (token) => statement.get(token)?.device_uuid,
    close: async () => void sqlite.close(),
  };
}

interface Tickets {
  issue(ticket: string, uuid: string): Promise<unknown>;
  redeem(ticket: string): Promise<string | null | undefined>;
  close(): void;
}

function tickets(redisUrl: string | undefined): Tickets {
  if (redisUrl) {
    const redis = new Redis(redisUrl);
    return {
      issue: (ticket, uuid) => redis.set(KEY_PREFIX + ticket, uuid, 'PX', TICKET_TTL_MS),
      redeem: (ticket) => redis.getdel(KEY_PREFIX + ticket),
      close: () => redis.disconnect(),
    };
  }
  const map = new Map<string, string>();
  return {
    issue: async (ticket, uuid) => map.set(ticket, uuid),
    redeem: async (ticket) => {
      const uuid = map.get(ticket);
      map.delete(ticket);
      return uuid;
    },
    close: () => map.clear(),
  };
}

const devices = await deviceLookup(arg('db')!);
const store = tickets(arg('redis'));
let port = 0;

const https = createServer(
  { cert: readFileSync(arg('cert')!, 'utf8'), key: readFileSync(arg('key')!, 'utf8') },
  (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const token = url.searchParams.get('token');
    if (url.pathname !== '/api/device/login' || !token) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      const uuid = await devices.find(token);
      if (!uuid) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('"Unauthorized"');
        return;
      }
      const ticket = randomBytes(32).toString('base64url');
      await store.issue(ticket, uuid);
      const body = JSON.stringify({
        websocket_url: `wss://127.0.0.1:${port}/wss/device?id=${ticket}`,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    })().catch(() => res.writeHead(500).end());
  },
);
const wss = new WebSocketServer({ noServer: true });
https.on('upgrade', (req, socket, head) => {
  const ticket = new URL(req.url ?? '/', 'https://localhost').searchParams.get('id') ?? '';
  void store.redeem(ticket).then((uuid) => {
    if (!uuid) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      ws.send(FIRST_FRAME, { binary: false });
    });
  });
});

await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
const address = https.address();
port = typeof address === 'object' && address ? address.port : 0;
serveIpc({ connections: () => wss.clients.size }, async () => {
  for (const ws of wss.clients) ws.terminate();
  store.close();
  await devices.close();
  await new Promise<void>((resolve) => https.close(() => resolve()));
});
ready(port);
