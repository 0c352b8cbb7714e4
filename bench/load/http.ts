/** HTTPS GETs of the load generator (the servers' certificate is self-signed: not checked). */
import { Agent, request } from 'node:https';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export interface GetOptions {
  /** A keep-alive agent, or false for a fresh TLS connection (closed after the answer). */
  agent: Agent | false;
  headers?: Record<string, string>;
  /** Source address of a fresh connection (127.0.0.x spreads connections over addresses). */
  localAddress?: string;
}

export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false });
}

export function get(url: string, options: GetOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent: options.agent,
        headers: options.headers,
        rejectUnauthorized: false,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const basic = (username: string, password: string): string =>
  'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');

/**
 * The websocket URL a device gets from `/api/device/login?token=` on a fresh TLS connection from
 * `localAddress`; throws `login <status>` on any other answer than 200.
 */
export async function deviceLogin(
  port: number,
  token: string,
  localAddress: string,
): Promise<string> {
  const answer = await get(
    `https://127.0.0.1:${port}/api/device/login?token=${encodeURIComponent(token)}`,
    { agent: false, localAddress },
  );
  if (answer.status !== 200) throw new Error(`login ${answer.status}`);
  return (JSON.parse(answer.body) as { websocket_url: string }).websocket_url;
}
