/**
 * `terarelay send`: a service sends one direct event to every connection of a user,
 * participant or device (`--to <kind>:<uuid>`), with its service token (`--service-token` or
 * TERARELAY_SERVICE_TOKEN). `--event` is OpenTera's protobuf-JSON with an `@type` (a short
 * name such as `JoinSessionEvent` is enough). Prints the topic it was published on.
 */
import type { OutgoingEvent, PrincipalKind } from '../client/index.js';
import { newClient, UsageError, type ServerFlags } from './common.js';

export interface SendFlags extends ServerFlags {
  serviceToken?: string;
  to?: string;
  event?: string;
}

const KINDS: readonly string[] = ['user', 'participant', 'device'];

function target(to: string | undefined): { kind: PrincipalKind; uuid: string } {
  const match = /^([a-z]+):([A-Za-z0-9-]+)$/.exec(to ?? '');
  if (!match || !KINDS.includes(match[1]!))
    throw new UsageError(
      `invalid --to: ${JSON.stringify(to ?? '')} (expected user:<uuid>, participant:<uuid> or device:<uuid>)`,
    );
  return { kind: match[1] as PrincipalKind, uuid: match[2]! };
}

function event(text: string | undefined): OutgoingEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    throw new UsageError('invalid --event: not JSON');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    typeof (parsed as { '@type'?: unknown })['@type'] !== 'string'
  )
    throw new UsageError('invalid --event: a JSON object with an "@type" is required');
  return parsed as OutgoingEvent;
}

export async function send(flags: SendFlags): Promise<number> {
  const token = flags.serviceToken ?? process.env.TERARELAY_SERVICE_TOKEN;
  if (!token) throw new UsageError('--service-token is required (or TERARELAY_SERVICE_TOKEN)');
  const { kind, uuid } = target(flags.to);
  const body = event(flags.event);
  const relay = await newClient(flags);
  const topic = await relay.service(token).publishDirect(kind, uuid, body);
  process.stdout.write((flags.json ? JSON.stringify({ topic }) : topic) + '\n');
  return 0;
}
