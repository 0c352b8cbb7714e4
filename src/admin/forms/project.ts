/** The project editor's form (`TeraProjectForm`): its site among the sites the caller reaches. */
import { choices, form } from './form.js';

export const projectForm = (sites: ReadonlyArray<{ id_site: number; site_name: string }>) =>
  form('project', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_project', label: 'Project ID', type: 'hidden', required: true },
        { id: 'project_name', label: 'Project Name', type: 'text', required: true },
        { id: 'project_enabled', label: 'Enabled', type: 'boolean', required: true, default: true },
        {
          id: 'id_site',
          label: 'Site',
          type: 'array',
          required: true,
          values: choices(
            sites,
            (s) => s.id_site,
            (s) => s.site_name,
          ),
        },
        { id: 'project_role', label: 'Role', type: 'hidden' },
        { id: 'site_name', label: 'Site Name', type: 'hidden' },
      ],
    },
    {
      id: 'description',
      label: 'Description',
      items: [{ id: 'project_description', label: 'Description', type: 'longtext' }],
    },
  ]);
