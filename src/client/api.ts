/**
 * Calls to the server's REST API: the base URL and TLS options of one client, OpenTera's two
 * authorization schemes, and answers mapped to values or RelayErrors. An answer outside 2xx
 * becomes a RelayError carrying its status, body and Retry-After.
 */
import { RelayError } from './errors.js';
import { httpRequest, type HttpAnswer } from './http.js';
import type { TlsOptions } from './runtime.js';

export interface ServerOptions extends TlsOptions {
  /** The server's base URL, e.g. `https://relay.example.org:40075`. */
  readonly url: string;
  /** How long one HTTP request may take, ms (default 15000). */
  readonly timeoutMs?: number;
}

export type Authorization =
  | { readonly basic: { readonly username: string; readonly password: string } }
  | { readonly token: string }
  | null;

const DEFAULT_TIMEOUT_MS = 15_000;

/** `Basic base64(utf8(user:password))`, without Node's Buffer. */
function basicHeader(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

function authorizationHeader(auth: Authorization): Record<string, string> {
  if (auth === null) return {};
  if ('basic' in auth)
    return { authorization: basicHeader(auth.basic.username, auth.basic.password) };
  return { authorization: `OpenTera ${auth.token}` };
}

function parseBody(answer: HttpAnswer): unknown {
  if (answer.text === '') return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return answer.text;
  }
}

function retryAfterMs(answer: HttpAnswer): number | null {
  const value = answer.header('retry-after');
  const seconds = value === null ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** What the server said, in one line: its text, its `message`, or the status alone. */
function describe(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  if (
    body &&
    typeof body === 'object' &&
    typeof (body as { message?: unknown }).message === 'string'
  )
    return (body as { message: string }).message.slice(0, 200);
  return '';
}

export class Api {
  readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ServerOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new TypeError(`url must be https:// or http://, got ${url.protocol}`);
    this.base = url.origin;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get tls(): TlsOptions {
    return this.options;
  }

  /** The parsed JSON answer of a 2xx; a RelayError otherwise. */
  async call<T>(
    method: 'GET' | 'POST',
    path: string,
    auth: Authorization,
    options: {
      query?: Record<string, string | boolean | undefined>;
      body?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<T> {
    const url = new URL(path, this.base);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      ...authorizationHeader(auth),
    };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const answer = await httpRequest(
      {
        method,
        url: url.href,
        headers,
        timeoutMs: this.timeoutMs,
        ...(body !== undefined ? { body } : {}),
      },
      this.options,
    );
    const parsed = parseBody(answer);
    if (answer.status >= 200 && answer.status < 300) return parsed as T;
    const said = describe(parsed);
    throw new RelayError(
      `${method} ${url.pathname}: ${answer.status}${said ? ` ${said}` : ''}`,
      answer.status,
      'http',
      parsed,
      retryAfterMs(answer),
    );
  }
}
