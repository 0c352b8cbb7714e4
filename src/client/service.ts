/**
 * The service side: `publishDirect` sends one event to every connection of a user,
 * participant or device (POST /api/service/events, with a service token as printed by
 * `terarelay service-token <service key>`). The event goes through the same filters as any
 * direct event. It is OpenTera's protobuf-JSON with its `@type`; a short type name
 * (`JoinSessionEvent`) is expanded to OpenTera's full type URL.
 */
import type { Api } from './api.js';
import type { PrincipalKind } from './login.js';

export type OutgoingEvent = { readonly '@type': string } & Readonly<Record<string, unknown>>;

const TYPE_PREFIX = 'type.googleapis.com/opentera.protobuf.';

/** `JoinSessionEvent` → OpenTera's type URL; anything with a `/` or a `.` is kept. */
export const typeUrl = (type: string): string =>
  type.includes('/') || type.includes('.') ? type : TYPE_PREFIX + type;

export class ServiceClient {
  constructor(
    private readonly api: Api,
    private readonly token: string,
  ) {}

  /** Resolves with the topic the event was published on; a RelayError when refused. */
  async publishDirect(kind: PrincipalKind, uuid: string, event: OutgoingEvent): Promise<string> {
    const body = { kind, uuid, event: { ...event, '@type': typeUrl(event['@type']) } };
    const answer = await this.api.call<{ topic: string }>(
      'POST',
      '/api/service/events',
      { token: this.token },
      { body },
    );
    return answer.topic;
  }
}
