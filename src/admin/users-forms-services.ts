/** OpenTera's user API for users, the editors' forms, and the read-only services. */
import type { ApiContext } from '../http/context.js';
import type { Route } from '../http/route.js';
import { formsGetRoute } from './forms-get.js';
import { serviceProjectsGetRoute } from './service-projects-get.js';
import { serviceSitesGetRoute } from './service-sites-get.js';
import { servicesGetRoute } from './services-get.js';
import { usersDeleteRoute } from './users-delete.js';
import { usersGetRoute } from './users-get.js';
import { usersPostRoute } from './users-post.js';

export const userAdminRoutes = (ctx: ApiContext): Route[] => [
  usersGetRoute(ctx),
  usersPostRoute(ctx),
  usersDeleteRoute(ctx),
  formsGetRoute(ctx),
  servicesGetRoute(ctx),
  serviceProjectsGetRoute(ctx),
  serviceSitesGetRoute(ctx),
];
