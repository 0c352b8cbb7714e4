/**
 * The login side of resume: a client that opted in presents its resume token in the header
 * `X-TeraRelay-Resume` when it logs in again. While its principal still counts as online (the
 * server has not yet noticed that the old socket died), a token recorded for that very principal
 * lets the login hand out a websocket URL anyway instead of "already logged in"; the new
 * connection then replaces the old one (./resume.ts). The credentials are checked as always: the
 * token only proves which client is coming back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PrincipalKind } from '../principal.js';
import {
  hashResumeToken,
  MAX_RESUME_TOKEN_LENGTH,
  type ResumeTokens,
} from '../seams/history/tokens.js';

export const RESUME_HEADER = 'x-terarelay-resume';

/** Whether the request carries a resume token of this principal. Rejects when Redis is down. */
export async function resumingClient(
  tokens: ResumeTokens | undefined,
  headers: IncomingHttpHeaders,
  kind: PrincipalKind,
  uuid: string,
): Promise<boolean> {
  const token = headers[RESUME_HEADER];
  if (!tokens || typeof token !== 'string' || token === '') return false;
  if (token.length > MAX_RESUME_TOKEN_LENGTH) return false;
  const record = await tokens.find(hashResumeToken(token));
  return record?.kind === kind && record.uuid === uuid;
}
