/**
 * Why `import-opentera` stopped. Refusals (the source is not an OpenTera 1.3 PostgreSQL database,
 * cannot be reached, is the target itself, or the target already holds data) exit with 2, as a
 * bad setting does; a copy that fails midway exits with 1. In every case nothing was written.
 * Messages name databases by their masked URL, never a password.
 */
export type ImportErrorCode =
  | 'SOURCE_NOT_POSTGRES'
  | 'SOURCE_UNREACHABLE'
  | 'SOURCE_NOT_OPENTERA'
  | 'SAME_DATABASE'
  | 'TARGET_NOT_EMPTY'
  | 'COPY_FAILED';

export class ImportError extends Error {
  readonly exitCode: 1 | 2;
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImportError';
    this.exitCode = code === 'COPY_FAILED' ? 1 : 2;
  }
}

/** The first line of an error's message, for one-line reports. */
export function reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]?.trim() || 'unknown error';
}
