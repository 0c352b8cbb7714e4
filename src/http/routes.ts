/**
 * OpenTera's REST API on the app: login, logout and token refresh for users, participants
 * and devices; device status; who is online; forced disconnect; the device and participant
 * lists. Paths, statuses and bodies follow OpenTera (spec §2, §11).
 */
import type { Deps } from '../deps.js';
import type { App } from './app.js';
import { createApiContext } from './context.js';
import { registerDeviceRoutes } from './device.js';
import { registerDisconnectRoute } from './disconnect.js';
import { registerListRoutes } from './lists.js';
import { registerOnlineRoutes } from './online.js';
import { registerParticipantRoutes } from './participant.js';
import { registerUserRoutes } from './user.js';

export function registerApi(app: App, deps: Deps): void {
  const ctx = createApiContext(deps);
  registerUserRoutes(app, ctx);
  registerParticipantRoutes(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerOnlineRoutes(app, ctx);
  registerDisconnectRoute(app, ctx);
  registerListRoutes(app, ctx);
}
