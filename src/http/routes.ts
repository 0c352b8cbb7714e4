/**
 * OpenTera's REST API on the app: login, logout and token refresh for users, participants
 * and devices; device status; who is online; forced disconnect; the device and participant
 * lists. Paths, statuses and bodies follow OpenTera (spec §2, §11).
 */
import type { Deps } from '../deps.js';
import type { App } from './app.js';
import { createApiContext } from './context.js';
import { registerDeviceRoutes } from './api/device.js';
import { registerDisconnectRoute } from './api/disconnect.js';
import { registerListRoutes } from './api/lists.js';
import { registerOnlineRoutes } from './api/online.js';
import { registerParticipantRoutes } from './api/participant.js';
import { registerUserRoutes } from './api/user.js';

export function registerApi(app: App, deps: Deps): void {
  const ctx = createApiContext(deps);
  registerUserRoutes(app, ctx);
  registerParticipantRoutes(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerOnlineRoutes(app, ctx);
  registerDisconnectRoute(app, ctx);
  registerListRoutes(app, ctx);
}
