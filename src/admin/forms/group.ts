/** The participant group editor's form (`TeraParticipantGroupForm`): its project, `name [site]`. */
import { choices, form } from './form.js';

export interface ProjectChoice {
  id_project: number;
  project_name: string;
  site_name: string;
}

export const participantGroupForm = (projects: readonly ProjectChoice[]) =>
  form('group', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        {
          id: 'id_participant_group',
          label: 'Participant Group ID',
          type: 'hidden',
          required: true,
        },
        {
          id: 'participant_group_name',
          label: 'Participant Group Name',
          type: 'text',
          required: true,
        },
        {
          id: 'id_project',
          label: 'Project',
          type: 'array',
          required: true,
          values: choices(
            projects,
            (p) => p.id_project,
            (p) => `${p.project_name} [${p.site_name}]`,
          ),
        },
        { id: 'project_name', label: 'Project Name', type: 'hidden' },
      ],
    },
  ]);
