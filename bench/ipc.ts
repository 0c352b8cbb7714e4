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
  /** Starts sampling the process's CPU (V8's profiler, every `intervalUs` µs). */
  | { readonly id: number; readonly op: 'profile-start'; readonly intervalUs: number }
  /** Stops sampling and writes the profile (`.cpuprofile`, Chrome's format) to `path`. */
  | { readonly id: number; readonly op: 'profile-stop'; readonly path: string }
  /** A heap snapshot's objects by kind: `HeapKinds` (expensive: a moment's pause). */
  | { readonly id: number; readonly op: 'heap-kinds' }
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

/** Objects of a heap snapshot by kind (`object:Connection`, `closure:onMessage`, `string`…). */
export type HeapKinds = Record<string, { count: number; bytes: number }>;
