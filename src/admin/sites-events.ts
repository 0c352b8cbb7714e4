/** The DatabaseEvents of a soft delete that cascaded from a site or project. */
import type { Deps } from '../deps.js';
import type { Cascade } from '../store/queries/admin-sites.js';
import { publishDatabaseEvent } from './events.js';

/**
 * Publishes the delete of every project, participant group and participant a cascade removed;
 * participants carry their uuid so that every node disconnects them.
 */
export async function publishCascade(deps: Pick<Deps, 'bus' | 'codec'>, c: Cascade): Promise<void> {
  for (const p of c.participants)
    await publishDatabaseEvent(deps, 'participant', 'delete', {
      id_participant: p.id_participant,
      participant_uuid: p.participant_uuid,
    });
  for (const id of c.participantGroupIds)
    await publishDatabaseEvent(deps, 'participant_group', 'delete', { id_participant_group: id });
  for (const id of c.projectIds)
    await publishDatabaseEvent(deps, 'project', 'delete', { id_project: id });
}
