/** The service editor's form (`TeraServiceForm`). */
import { form } from './form.js';

const text = (id: string, label: string, required = true) => ({
  id,
  label,
  type: 'text',
  required,
});

export const serviceForm = () =>
  form('service', [
    {
      id: 'infos',
      label: 'Information',
      items: [
        { id: 'id_service', label: 'Service ID', type: 'hidden', required: true },
        { id: 'service_uuid', label: 'Service UUID', type: 'label', options: { readonly: false } },
        text('service_name', 'Service Name'),
        text('service_key', 'Service Key'),
        text('service_hostname', 'Service Hostname'),
        { id: 'service_port', label: 'Service Internal Port', type: 'numeric', required: true },
        text('service_endpoint', 'Service Internal URL'),
        text('service_clientendpoint', 'Service External Endpoint'),
        text('service_endpoint_user', 'Service User Endpoint', false),
        text('service_endpoint_participant', 'Service Participant Endpoint', false),
        text('service_endpoint_device', 'Service Device Endpoint', false),
        { id: 'service_system', label: 'System Service', type: 'boolean', required: true },
        { id: 'service_enabled', label: 'Service Enabled', type: 'boolean', required: true },
        { id: 'service_editable_config', label: 'Service has editable config', type: 'boolean' },
        {
          id: 'service_default_config',
          label: 'Service Default Configuration',
          type: 'longtext',
        },
      ],
    },
  ]);
