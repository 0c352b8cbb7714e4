/**
 * A device's status: POST /api/device/status with its token. The device must be online (its
 * websocket open), else the server answers 403; over its rate limit, 429 with Retry-After.
 * Users who may see the device get a DEVICE_STATUS_CHANGED event carrying it.
 */
import type { Api } from './api.js';

/** Sends `status` (a JSON object) stamped `timestamp` (seconds; default now). */
export async function sendDeviceStatus(
  api: Api,
  deviceToken: string,
  status: Readonly<Record<string, unknown>>,
  timestamp: number = Date.now() / 1000,
): Promise<void> {
  await api.call<unknown>(
    'POST',
    '/api/device/status',
    { token: deviceToken },
    {
      body: { status, timestamp },
    },
  );
}
