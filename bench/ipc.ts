/**
 * What the load generator and a server process it started say to each other over the IPC
 * channel (Node's `advanced` serialization: Uint8Array payloads pass as they are).
 */

/** Sent by a server process once it listens. */
export interface Ready {
  readonly ready: true;
  readonly port: number;
}

export type Request =
  /** Two full garbage collections (the process runs with --expose-gc). */
  | { readonly id: number; readonly op: 'gc' }
  /** process.memoryUsage(), bytes. */
  | { readonly id: number; readonly op: 'memory' }
  /** Open websocket connections. */
  | { readonly id: number; readonly op: 'connections' }
  /** Hand `payload` to the server's bus on `topic` (no reply when id is 0). */
  | {
      readonly id: number;
      readonly op: 'publish';
      readonly topic: string;
      readonly payload: Uint8Array;
    };

export type Op = Request['op'];

export type Reply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
