/**
 * What the API routes record of what they do:
 * - a login's answer: `terarelay_logins_total` and `terarelay_login_duration_seconds` (from the
 *   request's arrival, seconds) by kind and outcome, and the `login` audit line of a success
 *   (the Authenticator audits refused credentials);
 * - a forced disconnect: the command, and its `disconnect_forced` audit line.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DisconnectCause } from '../../audit.js';
import type { Refusal } from '../../auth/authenticate.js';
import type { PrincipalKind } from '../../principal.js';
import { clientAddress, publishDisconnect, type ApiContext } from '../context.js';
import { sendRefusal } from '../replies.js';

/** Counts one answered login and how long it took since the request arrived. */
function countLogin(
  ctx: ApiContext,
  reply: FastifyReply,
  kind: PrincipalKind,
  outcome: string,
): void {
  const labels = { kind, outcome };
  ctx.deps.metrics.logins.inc(labels);
  ctx.deps.metrics.loginDuration.observe(labels, reply.elapsedTime / 1000);
}

/** A login answered with its credentials accepted: counted, timed and audited. */
export function loginSucceeded(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  who: { kind: PrincipalKind; uuid: string; via: 'basic' | 'token' },
): void {
  countLogin(ctx, reply, who.kind, 'success');
  ctx.auth.audit.login({ ...who, address: clientAddress(request) });
}

/** A refused login: counted and timed (by its refusal unless `outcome` is given), and answered. */
export function loginRefused(
  ctx: ApiContext,
  reply: FastifyReply,
  kind: PrincipalKind,
  refusal: Refusal,
  outcome: string = refusal.refusal,
): FastifyReply {
  countLogin(ctx, reply, kind, outcome);
  return sendRefusal(reply, refusal);
}

/**
 * Closes every websocket of `target` (4000, on every node) and audits who asked: the user `by`
 * (`api`), or the target itself (`logout`).
 */
export async function forceDisconnect(
  ctx: ApiContext,
  request: FastifyRequest,
  target: { kind: PrincipalKind; uuid: string },
  cause: Extract<DisconnectCause, 'api' | 'logout'>,
  by?: string,
): Promise<void> {
  await publishDisconnect(ctx, target.uuid);
  const address = clientAddress(request);
  ctx.auth.audit.disconnectForced({ cause, target, address, ...(by ? { by } : {}) });
}
