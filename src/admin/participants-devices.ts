/** OpenTera's user API for participant groups, participants, devices and their links, device types. */
import type { ApiContext } from '../http/context.js';
import type { Route } from '../http/route.js';
import { deviceParticipantRoutes } from './device-links-participants.js';
import { deviceProjectRoutes } from './device-links-projects.js';
import { deviceSiteRoutes } from './device-links-sites.js';
import { deviceTypeRoutes } from './device-types.js';
import { deviceRoutes } from './devices.js';
import { participantGroupRoutes } from './participant-groups.js';
import { participantRoutes } from './participants.js';

export const participantAdminRoutes = (ctx: ApiContext): Route[] => [
  ...participantGroupRoutes(ctx),
  ...participantRoutes(ctx),
  ...deviceRoutes(ctx),
  ...deviceProjectRoutes(ctx),
  ...deviceParticipantRoutes(ctx),
  ...deviceSiteRoutes(ctx),
  ...deviceTypeRoutes(ctx),
];
