/**
 * The session editor's form (`TeraSessionForm`): its type, creators (user, device,
 * participant, service: read-only, shown when set) and status, the choices computed by the
 * caller (forms-session.ts).
 */
import { form, type FormValue } from './form.js';

/** OpenTera's session statuses, by value. */
export const SESSION_STATUSES: readonly FormValue[] = [
  { id: 0, value: 'Planned' },
  { id: 1, value: 'In progess' },
  { id: 2, value: 'Completed' },
  { id: 3, value: 'Cancelled' },
  { id: 4, value: 'Interrupted' },
];

export interface SessionChoices {
  sessionTypes: readonly FormValue[];
  users: readonly FormValue[];
  devices: readonly FormValue[];
  participants: readonly FormValue[];
  services: readonly FormValue[];
}

const creator = (kind: string, label: string, idLabel: string, values: readonly FormValue[]) => [
  { id: `session_creator_${kind}`, label, type: 'hidden' },
  {
    id: `id_creator_${kind}`,
    label: idLabel,
    type: 'array',
    required: true,
    values,
    condition: { item: `session_creator_${kind}`, op: 'NOT NULL', condition: null },
    options: { readonly: true },
  },
];

export const sessionForm = (c: SessionChoices) =>
  form('session', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_session', label: 'Session ID', type: 'hidden', required: true },
        { id: 'session_uuid', label: 'Session UUID', type: 'hidden', required: true },
        { id: 'session_name', label: 'Session Name', type: 'text', required: true },
        {
          id: 'id_session_type',
          label: 'Session Type',
          type: 'array',
          required: true,
          values: c.sessionTypes,
        },
        ...creator('user', 'Session User Creator', 'Session User Creator', c.users),
        ...creator('device', 'Session Creator Device', 'Session Creator Device ID', c.devices),
        ...creator(
          'participant',
          'Session Creator Participant',
          'Session Creator Participant',
          c.participants,
        ),
        ...creator('service', 'Session Creator Service', 'Session Creator Service', c.services),
        { id: 'session_start_datetime', label: 'Start Date', type: 'datetime', required: true },
        {
          id: 'session_duration',
          label: 'Duration',
          type: 'duration',
          required: true,
          options: { default: 0, readonly: true },
        },
        {
          id: 'session_status',
          label: 'State',
          type: 'array',
          required: true,
          values: SESSION_STATUSES,
        },
        { id: 'session_parameters', label: 'Parameters', type: 'json' },
        { id: 'session_comments', label: 'Comments', type: 'longtext' },
        { id: 'session_has_device_data', label: 'Session Has Device Data', type: 'hidden' },
      ],
    },
  ]);
