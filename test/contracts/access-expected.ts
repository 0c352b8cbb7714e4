/**
 * Expected access sets on OpenTera's test dataset (spec §8.2), derived from the rules of
 * §5.4/§5.5 and, where noted, observed on a running OpenTera 1.3.0. Objects are named
 * (usernames, participant/device/session names); sites and projects by their integer ids:
 * sites 1 Default Site, 2 Top Secret Site; projects 1 Default Project #1, 2 Default
 * Project #2 (both on site 1), 3 Secret Project #1 (site 2).
 */
import type { Role } from '../../src/access/roles.js';

export type Username = 'admin' | 'siteadmin' | 'user' | 'user2' | 'user3' | 'user4';
export const USERNAMES: readonly Username[] = [
  'admin',
  'siteadmin',
  'user',
  'user2',
  'user3',
  'user4',
];

export interface TierExpectation {
  sites: number[];
  projects: number[];
  participants: string[];
  devices: string[];
  users: Username[];
}

export interface UserExpectation extends TierExpectation {
  superadmin: boolean;
  projectRoles: Record<number, Role>;
  siteRoles: Record<number, Role>;
  admin: TierExpectation;
}

const P1_PARTICIPANTS = ['Participant #1', 'Participant #2', 'Participant #3'];
const ALL_PARTICIPANTS = [...P1_PARTICIPANTS, 'Secret Participant'];
const SITE1_DEVICES = ['Apple Watch #W05P1', 'Kit Télé #1'];
const ALL_DEVICES = [...SITE1_DEVICES, 'Robot A'];
const PROJECT_USERS: Username[] = ['user', 'user2', 'user3'];
const NOTHING = { sites: [], projects: [], participants: [], devices: [] };

const everything: TierExpectation = {
  sites: [1, 2],
  projects: [1, 2, 3],
  participants: ALL_PARTICIPANTS,
  devices: ALL_DEVICES,
  users: [...USERNAMES],
};

/** Site admin of site 1: admin on its projects 1 and 2, sees their members, not `admin`. */
const siteOneAdmin: TierExpectation = {
  sites: [1],
  projects: [1, 2],
  participants: P1_PARTICIPANTS,
  devices: SITE1_DEVICES,
  users: [...PROJECT_USERS],
};

export const USER_EXPECTATIONS: Record<Username, UserExpectation> = {
  // Observed: admin sees all six users, Participant #1, the Watch, the Kit, Secret Participant.
  admin: {
    superadmin: true,
    ...everything,
    projectRoles: { 1: 'admin', 2: 'admin', 3: 'admin' },
    siteRoles: { 1: 'admin', 2: 'admin' },
    admin: everything,
  },
  // Observed: siteadmin sees siteadmin, user, user2, user3 (a site-only admin sees project
  // members while being invisible to them).
  siteadmin: {
    superadmin: false,
    ...siteOneAdmin,
    users: ['siteadmin', ...PROJECT_USERS],
    projectRoles: { 1: 'admin', 2: 'admin' },
    siteRoles: { 1: 'admin' },
    admin: { ...siteOneAdmin, users: ['siteadmin', ...PROJECT_USERS] },
  },
  // Observed: user sees user, user2, user3. User role on projects 1 and 2: no admin tier.
  user: {
    superadmin: false,
    ...siteOneAdmin,
    users: PROJECT_USERS,
    projectRoles: { 1: 'user', 2: 'user' },
    siteRoles: { 1: 'user' },
    admin: { ...NOTHING, users: ['user'] },
  },
  // User on project 1 in one group, site 1 admin in another: admin overrides user.
  user2: {
    superadmin: false,
    ...siteOneAdmin,
    projectRoles: { 1: 'admin', 2: 'admin' },
    siteRoles: { 1: 'admin' },
    admin: siteOneAdmin,
  },
  // Observed: user3 sees user, user2, user3. Project 1 admin: site 1 as `user` (devices of the
  // site in the full tier only).
  user3: {
    superadmin: false,
    sites: [1],
    projects: [1],
    participants: P1_PARTICIPANTS,
    devices: SITE1_DEVICES,
    users: PROJECT_USERS,
    projectRoles: { 1: 'admin' },
    siteRoles: { 1: 'user' },
    admin: {
      sites: [],
      projects: [1],
      participants: P1_PARTICIPANTS,
      devices: [],
      users: PROJECT_USERS,
    },
  },
  // Observed: user4 sees only itself.
  user4: {
    superadmin: false,
    ...NOTHING,
    users: ['user4'],
    projectRoles: {},
    siteRoles: {},
    admin: { ...NOTHING, users: ['user4'] },
  },
};

/** Devices linked to each participant (t_devices_participants). */
export const PARTICIPANT_DEVICES: Record<string, string[]> = {
  'Participant #1': ['Apple Watch #W05P1'],
  'Participant #2': ['Apple Watch #W05P1', 'Kit Télé #1'],
  'Participant #3': [],
  'Secret Participant': [],
};

/** Participants linked to each device. */
export const DEVICE_PARTICIPANTS: Record<string, string[]> = {
  'Apple Watch #W05P1': ['Participant #1', 'Participant #2'],
  'Kit Télé #1': ['Participant #2'],
  'Robot A': [],
};

const seances = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `Séance #${from + i}`);

/**
 * Session memberships by session name. Sessions #1–8 are created by user 1 (admin) with
 * users 1 (admin), 2 (siteadmin), 3 (user) from #5 and device 2 (Kit) in #4; #9–16 by
 * device 1 (Watch); #17–24 by Participant #1 (Watch in #17–20, user3 in #21–24); #25–28 by
 * VideoRehabService (user 3 in #28). Participant #2 is also in #8, #16 and #28.
 */
export const SESSION_MEMBERSHIPS: Array<{
  kind: 'user' | 'participant' | 'device';
  name: string;
  sessions: string[];
}> = [
  { kind: 'user', name: 'admin', sessions: seances(1, 8) },
  { kind: 'user', name: 'siteadmin', sessions: seances(5, 8) },
  { kind: 'user', name: 'user', sessions: [...seances(5, 8), 'Séance #28'] },
  { kind: 'user', name: 'user3', sessions: seances(21, 24) },
  { kind: 'user', name: 'user4', sessions: [] },
  { kind: 'participant', name: 'Participant #1', sessions: seances(1, 28) },
  {
    kind: 'participant',
    name: 'Participant #2',
    sessions: ['Séance #8', 'Séance #16', 'Séance #28'],
  },
  { kind: 'participant', name: 'Secret Participant', sessions: [] },
  { kind: 'device', name: 'Apple Watch #W05P1', sessions: seances(9, 20) },
  { kind: 'device', name: 'Kit Télé #1', sessions: ['Séance #4'] },
  { kind: 'device', name: 'Robot A', sessions: [] },
];
