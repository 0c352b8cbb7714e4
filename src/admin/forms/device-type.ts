/** The device type editor's form (`TeraDeviceTypeForm`). */
import { form } from './form.js';

export const deviceTypeForm = () =>
  form('device_type', [
    {
      id: 'infos',
      label: 'Information',
      items: [
        { id: 'id_device_type', label: 'Device Type ID', type: 'hidden', required: true },
        { id: 'device_type_name', label: 'Device Type Name', type: 'text', required: true },
        { id: 'device_type_key', label: 'Device Type Key', type: 'text', required: true },
      ],
    },
  ]);
