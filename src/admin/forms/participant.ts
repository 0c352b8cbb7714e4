/** The participant editor's form (`TeraParticipantForm`): its group among the given groups. */
import { choices, form } from './form.js';

const loginEnabled = { item: 'participant_login_enabled', op: '=', condition: true };

export const participantForm = (
  groups: ReadonlyArray<{ id_participant_group: number; participant_group_name: string }>,
) =>
  form('participant', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_participant', label: 'Participant ID', type: 'hidden', required: true },
        { id: 'id_project', label: 'Projet ID', type: 'hidden', required: true },
        { id: 'participant_uuid', label: 'Participant UUID', type: 'hidden', required: true },
        { id: 'participant_name', label: 'Participant Name', type: 'text', required: true },
        { id: 'participant_email', label: 'Participant Email', type: 'text' },
        {
          id: 'id_participant_group',
          label: 'Participant Group',
          type: 'array',
          values: choices(
            groups,
            (g) => g.id_participant_group,
            (g) => g.participant_group_name,
          ),
        },
        {
          id: 'participant_enabled',
          label: 'Participant Enabled',
          type: 'boolean',
          required: true,
          default: true,
        },
        {
          id: 'participant_token_enabled',
          label: 'Participant Token Login Enabled',
          type: 'boolean',
          required: true,
          default: false,
        },
        {
          id: 'participant_token',
          label: 'Participant Token',
          type: 'label',
          options: { readonly: false },
        },
        {
          id: 'participant_login_enabled',
          label: 'Participant Login Enabled',
          type: 'boolean',
          required: true,
          default: false,
        },
        {
          id: 'participant_username',
          label: 'Participant Username',
          type: 'text',
          required: true,
          condition: loginEnabled,
        },
        {
          id: 'participant_password',
          label: 'Participant Password',
          type: 'password',
          condition: loginEnabled,
          options: { confirm: true },
        },
        {
          id: 'participant_lastonline',
          label: 'Last Connection',
          type: 'datetime',
          options: { readonly: true },
        },
        {
          id: 'participant_lastsession',
          label: 'Last Session',
          type: 'datetime',
          options: { readonly: true },
        },
      ],
    },
  ]);
