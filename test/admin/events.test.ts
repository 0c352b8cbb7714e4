/** What an admin write publishes: OpenTera's DatabaseEvent, without secrets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutSecrets } from '../../src/admin/events.js';

test('DatabaseEvents carry no password, token, OTP secret or certificate, and keep keys', () => {
  assert.deepEqual(
    withoutSecrets({
      id_user: 1,
      user_uuid: 'u',
      user_password: '$2b$…',
      user_2fa_otp_secret: 'ABC',
      participant_token: 't',
      device_token: 't',
      device_certificate: 'pem',
      device_type_key: 'capteur',
      service_key: 'VideoRehabService',
      user_enabled: false,
    }),
    {
      id_user: 1,
      user_uuid: 'u',
      device_type_key: 'capteur',
      service_key: 'VideoRehabService',
      user_enabled: false,
    },
  );
});
