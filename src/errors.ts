/**
 * Errors are values: a stable code, the HTTP status it maps to, and a message for humans.
 * Callers branch on `code`, never on `message`.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  HEADERS_TOO_LARGE: 431,
  UPGRADE_REQUIRED: 426,
  TOO_MANY_REQUESTS: 429,
  BAD_PAYLOAD: 400,
  CONFIG_INVALID: 500,
  UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/**
 * Websocket close codes. 1xxx are RFC 6455; 4000 is OpenTera's forced logout, which clients
 * must not reconnect after; 4001–4099 are TeraRelay's own. `reconnect` says whether a client
 * may reconnect (after logging in again: tickets are single use).
 */
export const CLOSE = {
  GOING_AWAY: { code: 1001, reason: 'Server shutting down', reconnect: true },
  MESSAGE_TOO_BIG: { code: 1009, reason: 'Message too big', reconnect: true },
  /** The server could not set the connection up (e.g. the bus refused a subscription). */
  INTERNAL_ERROR: { code: 1011, reason: 'Internal error', reconnect: true },
  CLIENT_DISCONNECT: { code: 4000, reason: 'CMD_CLIENT_DISCONNECT', reconnect: false },
  SLOW_CONSUMER: { code: 4001, reason: 'Slow consumer: send buffer full', reconnect: true },
  /** A resuming client (`terarelay-resume.v1`) sent no valid first frame in time. */
  PROTOCOL_ERROR: { code: 1008, reason: 'No start or resume frame', reconnect: true },
  /** The same client resumed on another connection (its resume token proved it). */
  REPLACED: { code: 4002, reason: 'Replaced by a resumed client', reconnect: false },
} as const;

export type CloseKind = keyof typeof CLOSE;
