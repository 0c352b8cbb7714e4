/**
 * The one error type of the SDK: a refused or failed HTTP request, or a login the server
 * answered without tokens (a password change or 2FA is required). `status` is null when no
 * HTTP answer came (network error, timeout, TLS failure).
 */
export class RelayError extends Error {
  override readonly name = 'RelayError';

  constructor(
    message: string,
    /** The HTTP status, or null when the server could not be reached. */
    readonly status: number | null,
    /** A short machine-readable reason: `http`, `network`, `password_change`, `2fa`, … */
    readonly code: string,
    /** The parsed answer body, when there was one. */
    readonly body: unknown = undefined,
    /** The server's `Retry-After`, in ms, when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /**
   * Whether asking again later may succeed: no answer at all, 403 (already logged in: the
   * server has not yet noticed the previous socket died), 408, 429, or a 5xx. A 401 (the
   * credentials or token are refused) and other 4xx are final.
   */
  get retryable(): boolean {
    const s = this.status;
    return s === null || s === 403 || s === 408 || s === 429 || s >= 500;
  }
}
