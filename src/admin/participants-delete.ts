/**
 * DELETE /api/user/participants?id=, as OpenTera's UserQueryParticipants: only an admin of the
 * participant's project (site admins and superadmins included) deletes it, and not while it
 * is in, or created, a session that is not deleted (500, OpenTera's text). The delete is soft;
 * its DatabaseEvent carries the participant's uuid so that every node disconnects it.
 */
import type { ApiContext } from '../http/context.js';
import { sendText } from '../http/replies.js';
import { defineRoute, type Route } from '../http/route.js';
import { JsonText } from '../http/schemas.js';
import {
  participantsWithSessions,
  selectParticipants,
  softDeleteParticipants,
} from '../store/queries/admin-participants.js';
import {
  accessOf,
  answers,
  deleteId,
  isProjectAdmin,
  isRefusal,
  nowIso,
  publishChange,
  refuse,
  transact,
  userWriteRoute,
} from './participants-kit.js';
import { int } from '../http/query.js';

export const PARTICIPANT_HAS_SESSIONS =
  "Can't delete participant: please delete all sessions before deleting.";

export function participantDeleteRoute(ctx: ApiContext): Route {
  return defineRoute({
    ...userWriteRoute(ctx, 'DELETE'),
    url: '/api/user/participants',
    summary: 'Delete a participant (project admins)',
    args: { id: int('Participant ID to delete (required)') },
    response: answers(JsonText),
    handle: async ({ request, reply, caller }) => {
      const id = deleteId(request.query, reply, 'Participant ID to delete');
      if (typeof id !== 'number') return id;
      const access = await accessOf(ctx, caller);
      const outcome = await transact(ctx, async (trx) => {
        const [row] = await selectParticipants(trx, { by: 'id', id });
        if (!row) return refuse(400, 'Invalid id');
        if (!isProjectAdmin(access, row.id_project)) return refuse(403, 'Forbidden');
        const sessions = await participantsWithSessions(trx, [id]);
        if (sessions.member || sessions.creator) return refuse(500, PARTICIPANT_HAS_SESSIONS);
        await softDeleteParticipants(trx, [id], nowIso());
        return { uuid: row.participant_uuid };
      });
      if (isRefusal(outcome)) return sendText(reply, outcome.status, outcome.text);
      await publishChange(ctx, 'participant', 'delete', {
        id_participant: id,
        participant_uuid: outcome.uuid,
      });
      return sendText(reply, 200, '');
    },
  });
}
