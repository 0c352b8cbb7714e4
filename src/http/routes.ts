/**
 * Every API route of the app, mounted in one place: OpenTera's REST API (login, logout and
 * token refresh for users, participants and devices; device status; who is online; forced
 * disconnect; the device and participant lists) and TeraRelay's service events. OpenTera's
 * paths, statuses and bodies follow OpenTera.
 */
import type { App } from './app.js';
import type { ApiContext } from './context.js';
import { mountRoutes } from './route.js';
import { deviceRoutes } from './api/device.js';
import { disconnectRoutes } from './api/disconnect.js';
import { onlineRoutes } from './api/online.js';
import { participantRoutes } from './api/participant.js';
import { serviceRoutes } from './api/service-events.js';
import { userRoutes } from './api/user.js';
import { userWebsocketRoutes } from './api/user-websocket.js';
import { registerUserLoginFlows } from './api/user-login-flows.js';
import { adminRoutes } from '../admin/routes.js';

export function registerApi(app: App, ctx: ApiContext): void {
  mountRoutes(app, [
    ...userRoutes(ctx),
    ...userWebsocketRoutes(ctx),
    ...participantRoutes(ctx),
    ...deviceRoutes(ctx),
    ...onlineRoutes(ctx),
    ...disconnectRoutes(ctx),
    ...serviceRoutes(ctx),
    ...adminRoutes(ctx),
  ]);
  registerUserLoginFlows(app, ctx);
}
