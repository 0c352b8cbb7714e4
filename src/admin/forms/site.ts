/** The site editor's form (`TeraSiteForm`, with its 2FA field). */
import { form } from './form.js';

export const siteForm = () =>
  form('site', [
    {
      id: 'informations',
      label: 'Information',
      items: [
        { id: 'id_site', label: 'Site ID', type: 'hidden', required: true },
        { id: 'site_name', label: 'Site Name', type: 'text', required: true },
        { id: 'site_2fa_required', label: 'Users Require 2FA', type: 'boolean', default: false },
        { id: 'site_role', label: 'Site Role', type: 'hidden' },
      ],
    },
  ]);
