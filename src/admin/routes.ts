/**
 * OpenTera's user API for the access model (`/api/user/<objects>`): OpenTera's paths, arguments,
 * bodies, statuses and error texts, with its access rules. Every write publishes a DatabaseEvent
 * (./events.ts) after it commits.
 */
import type { ApiContext } from '../http/context.js';
import type { Route } from '../http/route.js';
import { participantAdminRoutes } from './participants-devices.js';
import { sessionAdminRoutes } from './sessions.js';
import { siteAdminRoutes } from './sites-projects.js';
import { userAdminRoutes } from './users-forms-services.js';

export const adminRoutes = (ctx: ApiContext): Route[] => [
  ...siteAdminRoutes(ctx),
  ...participantAdminRoutes(ctx),
  ...sessionAdminRoutes(ctx),
  ...userAdminRoutes(ctx),
];
