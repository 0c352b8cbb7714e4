/** The user group editor's form (`TeraUserGroupForm`). */
import { form } from './form.js';

export const userGroupForm = () =>
  form('user_group', [
    {
      id: 'infos',
      label: 'Information',
      items: [
        { id: 'id_user_group', label: 'User Group ID', type: 'hidden', required: true },
        { id: 'user_group_name', label: 'User Group Name', type: 'text', required: true },
      ],
    },
  ]);
