/**
 * What differs between Node and browsers, decided once: Node reaches the server through
 * `node:https` and `ws` (so that `ca` and `insecure` apply), browsers through `fetch` and the
 * native WebSocket (the browser's own certificate checks). Both are imported lazily, so the
 * browser bundle never loads a Node module.
 */

/** TLS options, honoured in Node only (a browser uses its own trust store). */
export interface TlsOptions {
  /** PEM certificate(s) to trust instead of the system's (Node's `ca`), e.g. a private CA. */
  readonly ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /**
   * Accept any server certificate (a development server's self-signed one). Never in
   * production: anyone on the path could read the tokens.
   */
  readonly insecure?: boolean;
}

/** True when running in Node.js (as opposed to a browser or a worker). */
export const isNode: boolean =
  typeof process === 'object' &&
  process !== null &&
  typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';

/** Node's TLS options for a connection to the server. */
export function nodeTls(tls: TlsOptions): { ca?: never; rejectUnauthorized: boolean } {
  const options: Record<string, unknown> = { rejectUnauthorized: tls.insecure !== true };
  if (tls.ca !== undefined) options.ca = tls.ca;
  return options as { ca?: never; rejectUnauthorized: boolean };
}

/** `setTimeout` that does not keep a Node process alive. */
export function backgroundTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
