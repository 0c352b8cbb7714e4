/* global fetch */
// Who the signed-in user may see, grouped by site and project, from OpenTera's user API:
// GET /api/user/sites, /projects, /participants?id_site, /devices (with their projects),
// /users and /users?id_project. Read with the user's token; the same access rules as its
// websocket decide what comes back.

/** How many requests run at once while loading. */
const PARALLEL = 4;

/** A failed API call: the status (0 when there was no answer) and what the server said. */
export class ApiError extends Error {
  constructor(path, status, said) {
    super(`${path}: ${status === 0 ? 'no answer' : status}${said ? ` ${said}` : ''}`);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** GET `path` with `token`: the parsed JSON answer, or ApiError. */
export async function getJson(path, token) {
  let res;
  try {
    res = await fetch(path, {
      headers: { Accept: 'application/json', Authorization: `OpenTera ${token}` },
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(path, 0, '');
  }
  const text = await res.text();
  if (!res.ok) throw new ApiError(path, res.status, text.slice(0, 200));
  return text === '' ? null : JSON.parse(text);
}

/** Runs `tasks` (functions returning promises), at most PARALLEL at a time, in order. */
async function limited(tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, tasks.length) }, worker));
  return results;
}

/** The answer, or null when the server refuses this user the list (403). */
async function orNothing(answer) {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return null;
    throw err;
  }
}

const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
const list = (value) => (Array.isArray(value) ? value : []);

/**
 * The directory: `sites` (each with its `projects`, each with `participants`, `devices` and
 * `users`), `superadmins` (users who reach every site), `unplaced` (users and devices in none of
 * the listed projects), and `names` (`kind:uuid` → name, for every principal listed).
 * Entities are `{kind, uuid, name, enabled}`; one device or user may be listed in several
 * projects.
 */
export async function loadDirectory(token) {
  const get = (path) => getJson(path, token);
  const [sites, projects, devices, users] = await Promise.all([
    get('/api/user/sites'),
    get('/api/user/projects'),
    get('/api/user/devices?list=true&projects=true'),
    get('/api/user/users'),
  ]);
  const siteList = list(sites);
  const projectList = list(projects);
  // A site known only through one of its projects is listed too.
  for (const p of projectList)
    if (!siteList.some((s) => s.id_site === p.id_site))
      siteList.push({ id_site: p.id_site, site_name: p.site_name ?? `Site ${p.id_site}` });
  const [participantsBySite, usersByProject] = await Promise.all([
    limited(
      siteList.map((s) => () => get(`/api/user/participants?id_site=${s.id_site}&list=true`)),
    ),
    limited(
      projectList.map(
        (p) => () => orNothing(get(`/api/user/users?id_project=${p.id_project}&list=true`)),
      ),
    ),
  ]);

  const names = new Map();
  const entity = (kind, uuid, name, enabled) => {
    names.set(`${kind}:${uuid}`, name);
    return { kind, uuid, name, enabled: enabled !== false };
  };

  const projectNodes = new Map(
    projectList.map((p) => [
      p.id_project,
      {
        id: p.id_project,
        siteId: p.id_site,
        name: p.project_name,
        enabled: p.project_enabled !== false,
        participants: [],
        devices: [],
        users: [],
      },
    ]),
  );

  for (const rows of participantsBySite)
    for (const p of list(rows))
      projectNodes
        .get(p.id_project)
        ?.participants.push(
          entity('participant', p.participant_uuid, p.participant_name, p.participant_enabled),
        );

  const placedDevices = new Set();
  for (const d of list(devices)) {
    const e = entity('device', d.device_uuid, d.device_name, d.device_enabled);
    for (const link of list(d.device_projects)) {
      const node = projectNodes.get(link.id_project);
      if (!node) continue;
      node.devices.push(e);
      placedDevices.add(d.device_uuid);
    }
  }

  const allUsers = list(users);
  const superadmin = new Set(allUsers.filter((u) => u.user_superadmin).map((u) => u.user_uuid));
  const userEntities = new Map(
    allUsers.map((u) => [u.user_uuid, entity('user', u.user_uuid, u.user_name, u.user_enabled)]),
  );
  const placedUsers = new Set();
  projectList.forEach((p, i) => {
    for (const u of list(usersByProject[i])) {
      if (superadmin.has(u.user_uuid)) continue;
      const e = userEntities.get(u.user_uuid) ?? entity('user', u.user_uuid, u.user_name, true);
      projectNodes.get(p.id_project)?.users.push(e);
      placedUsers.add(u.user_uuid);
    }
  });

  for (const node of projectNodes.values()) {
    node.participants.sort(byName);
    node.devices.sort(byName);
    node.users.sort(byName);
  }
  const siteNodes = siteList
    .map((s) => ({
      id: s.id_site,
      name: s.site_name,
      projects: [...projectNodes.values()].filter((p) => p.siteId === s.id_site).sort(byName),
    }))
    .sort(byName);

  return {
    sites: siteNodes,
    superadmins: [...userEntities.values()].filter((u) => superadmin.has(u.uuid)).sort(byName),
    unplaced: [
      ...[...userEntities.values()]
        .filter((u) => !superadmin.has(u.uuid) && !placedUsers.has(u.uuid))
        .sort(byName),
      ...list(devices)
        .filter((d) => !placedDevices.has(d.device_uuid))
        .map((d) => entity('device', d.device_uuid, d.device_name, d.device_enabled))
        .sort(byName),
    ],
    names,
  };
}
