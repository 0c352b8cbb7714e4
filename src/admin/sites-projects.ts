/** OpenTera's user API for sites, projects, user groups, user-user-groups, site access and project access. */
import type { ApiContext } from '../http/context.js';
import type { Route } from '../http/route.js';
import { projectAccessRoutes } from './project-access.js';
import { projectsRoutes } from './projects.js';
import { siteAccessRoutes } from './site-access.js';
import { sitesRoutes } from './sites.js';
import { userGroupsRoutes } from './user-groups.js';
import { userUserGroupsRoutes } from './user-user-groups.js';

export const siteAdminRoutes = (ctx: ApiContext): Route[] => [
  ...sitesRoutes(ctx),
  ...projectsRoutes(ctx),
  ...userGroupsRoutes(ctx),
  ...userUserGroupsRoutes(ctx),
  ...siteAccessRoutes(ctx),
  ...projectAccessRoutes(ctx),
];
