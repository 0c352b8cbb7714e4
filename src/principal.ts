/** Who is on the other end of a login or a connection. `uuid` is the OpenTera uuid. */
export type PrincipalKind = 'user' | 'participant' | 'device';

export const PRINCIPAL_KINDS: readonly PrincipalKind[] = ['user', 'participant', 'device'];

export interface Principal {
  readonly kind: PrincipalKind;
  readonly uuid: string;
  /** Integer primary key in its table (id_user, id_participant or id_device). */
  readonly id: number;
  /** Display name: "first last" for users, participant_name, device_name. */
  readonly name: string;
}

export function isPrincipalKind(value: unknown): value is PrincipalKind {
  return (PRINCIPAL_KINDS as readonly unknown[]).includes(value);
}

/** The one key naming a principal in maps and logs: `<kind>:<uuid>`. */
export const principalKey = (kind: PrincipalKind, uuid: string): string => `${kind}:${uuid}`;
