/** OpenTera's user API for session types, their projects, sessions, and undelete. */
import type { ApiContext } from '../http/context.js';
import type { Route } from '../http/route.js';
import { sessionTypeProjectRoutes } from './session-type-projects-routes.js';
import { sessionTypeRoutes } from './session-types-routes.js';
import { sessionRoutes } from './sessions-routes.js';
import { undeleteRoutes } from './undelete-routes.js';

export const sessionAdminRoutes = (ctx: ApiContext): Route[] => [
  ...sessionRoutes(ctx),
  ...sessionTypeRoutes(ctx),
  ...sessionTypeProjectRoutes(ctx),
  ...undeleteRoutes(ctx),
];
