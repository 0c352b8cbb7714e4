/** The session type editor's form (`TeraSessionTypeForm`): its category, and its service among the caller's. */
import { choices, form } from './form.js';

/** OpenTera's session type categories, by value. */
export const SESSION_CATEGORIES = [
  { id: 1, value: 'Service' },
  { id: 2, value: 'Data Collect' },
  { id: 3, value: 'File Transfer' },
  { id: 4, value: 'Protocol' },
] as const;

export const sessionTypeForm = (
  services: ReadonlyArray<{ id_service: number; service_name: string }>,
) =>
  form('session_type', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_session_type', label: 'Session Type ID', type: 'hidden', required: true },
        { id: 'session_type_name', label: 'Session Type Name', type: 'text', required: true },
        {
          id: 'session_type_category',
          label: 'Category',
          type: 'array',
          required: true,
          values: SESSION_CATEGORIES,
        },
        {
          id: 'id_service',
          label: 'Service',
          type: 'array',
          values: choices(
            services,
            (s) => s.id_service,
            (s) => s.service_name,
          ),
          condition: { item: 'session_type_category', op: '=', condition: 1 },
        },
        { id: 'session_type_service_key', label: 'Session Type Service Key', type: 'hidden' },
        {
          id: 'session_type_online',
          label: 'Session Type Online',
          type: 'boolean',
          required: true,
        },
        {
          id: 'session_type_color',
          label: 'Session Type Display Color',
          type: 'color',
          required: true,
        },
        { id: 'session_type_config', label: 'Session Type Configuration', type: 'longtext' },
      ],
    },
  ]);
