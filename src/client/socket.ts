/**
 * One websocket, the same way in Node (`ws`, with the client's TLS options) and in browsers
 * (the native WebSocket). The handlers are called in this order: `open` at most once, then
 * any `message`s, then `close` exactly once (also when the socket never opened: a refused
 * upgrade calls `refused` with its HTTP status first, in Node; browsers do not tell it).
 */
import { isNode, nodeTls, type TlsOptions } from './runtime.js';

export interface SocketHandlers {
  /** `send`: a text frame to the server (a resumable connection's first frame). */
  open(protocol: string, send: (text: string) => void): void;
  message(data: string | Uint8Array): void;
  refused(status: number): void;
  close(code: number, reason: string): void;
}

export interface SocketHandle {
  /** Starts a close handshake (or aborts the connection attempt); `close` follows. */
  close(code?: number, reason?: string): void;
}

/** The native WebSocket's surface this file uses (browsers; no DOM types needed). */
interface NativeSocket {
  binaryType: string;
  readonly protocol: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
  close(code?: number, reason?: string): void;
  send(data: string): void;
}
type NativeSocketClass = new (url: string, protocols: string[]) => NativeSocket;

/** How long the opening handshake may take in Node, ms. */
const HANDSHAKE_TIMEOUT_MS = 15_000;

export async function openSocket(
  url: string,
  protocols: string[],
  tls: TlsOptions,
  handlers: SocketHandlers,
): Promise<SocketHandle> {
  let closed = false;
  const once: SocketHandlers = {
    open: (protocol, send) => !closed && handlers.open(protocol, send),
    message: (data) => !closed && handlers.message(data),
    refused: (status) => !closed && handlers.refused(status),
    close: (code, reason) => {
      if (closed) return;
      closed = true;
      handlers.close(code, reason);
    },
  };
  return isNode ? nodeSocket(url, protocols, tls, once) : browserSocket(url, protocols, once);
}

function browserSocket(url: string, protocols: string[], h: SocketHandlers): SocketHandle {
  const Native = (globalThis as { WebSocket?: NativeSocketClass }).WebSocket;
  if (!Native) throw new Error('this environment has no WebSocket');
  const ws = new Native(url, protocols);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => h.open(ws.protocol, (text) => ws.send(text));
  ws.onmessage = (event) => {
    const data = event.data;
    if (typeof data === 'string') h.message(data);
    else if (data instanceof ArrayBuffer) h.message(new Uint8Array(data));
  };
  ws.onclose = (event) => h.close(event.code, event.reason);
  ws.onerror = () => {
    // A close event always follows.
  };
  return { close: (code, reason) => ws.close(code, reason) };
}

async function nodeSocket(
  url: string,
  protocols: string[],
  tls: TlsOptions,
  h: SocketHandlers,
): Promise<SocketHandle> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url, protocols, {
    ...nodeTls(tls),
    perMessageDeflate: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  ws.on('open', () => h.open(ws.protocol, (text) => ws.send(text)));
  ws.on('message', (data, isBinary) => {
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    if (isBinary) h.message(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength));
    else h.message(buffer.toString('utf8'));
  });
  ws.on('unexpected-response', (_request, response) => {
    h.refused(response.statusCode ?? 0);
    response.resume();
    ws.terminate();
  });
  ws.on('error', () => {
    // A close event always follows.
  });
  ws.on('close', (code, reason) => h.close(code, reason.toString('utf8')));
  return {
    close: (code, reason) => {
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(code, reason);
    },
  };
}
