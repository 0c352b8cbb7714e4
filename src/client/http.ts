/**
 * One HTTP request to the server, the same way in Node (node:https with the client's TLS
 * options) and in browsers (fetch). Answers of any status resolve; only a request that got no
 * answer (network, TLS, timeout) rejects, with a RelayError of status null.
 */
import { RelayError } from './errors.js';
import { isNode, nodeTls, type TlsOptions } from './runtime.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Give up after this long, ms. */
  readonly timeoutMs: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  header(name: string): string | null;
}

export function httpRequest(request: HttpRequest, tls: TlsOptions): Promise<HttpAnswer> {
  return isNode ? nodeRequest(request, tls) : browserRequest(request);
}

async function browserRequest(request: HttpRequest): Promise<HttpAnswer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), request.timeoutMs);
  try {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers ?? {},
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: abort.signal,
      credentials: 'omit',
    });
    const text = await res.text();
    return { status: res.status, text, header: (name) => res.headers.get(name) };
  } catch (err) {
    throw noAnswer(request, err);
  } finally {
    clearTimeout(timer);
  }
}

async function nodeRequest(request: HttpRequest, tls: TlsOptions): Promise<HttpAnswer> {
  const url = new URL(request.url);
  const secure = url.protocol === 'https:';
  const { request: send } = secure ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: request.method,
        headers: request.headers ?? {},
        timeout: request.timeoutMs,
        ...(secure ? nodeTls(tls) : {}),
      },
      (res) => {
        const chunks: Uint8Array[] = [];
        res.on('data', (chunk: Uint8Array) => chunks.push(chunk));
        res.on('error', (err) => reject(noAnswer(request, err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            text,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
            },
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
    req.on('error', (err) => reject(noAnswer(request, err)));
    req.end(request.body);
  });
}

function noAnswer(request: HttpRequest, err: unknown): RelayError {
  const path = new URL(request.url).pathname;
  const why = err instanceof Error ? err.message : String(err);
  return new RelayError(`${request.method} ${path}: no answer (${why})`, null, 'network');
}
