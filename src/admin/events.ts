/**
 * OpenTera's DatabaseEvents, as every admin write publishes them: one TeraEvent holding one
 * `DatabaseEvent` on `module.TeraServer.DatabaseModule.events.<model>`, after the write has
 * committed. `object_value` is the object's JSON without secrets (no password hash, no token
 * signing material); on delete it is `{id_<model>: id}` plus the object's uuid when it has one,
 * so that every node can disconnect a deleted principal. OpenTera's services read the same
 * topics; models OpenTera does not publish (the link tables) are TeraRelay's additions, ignored
 * by OpenTera's services and read by TeraRelay's access refresh.
 */
import { create } from '@bufbuild/protobuf';
import type { Deps } from '../deps.js';
import {
  DatabaseEventSchema,
  DatabaseEvent_EventType,
  packEvent,
  teraEvent,
} from '../protocol/messages.js';
import { databaseEventsTopic } from '../topics.js';

export type DbChange = 'create' | 'update' | 'delete';

const EVENT_TYPES: Record<DbChange, DatabaseEvent_EventType> = {
  create: DatabaseEvent_EventType.DB_CREATE,
  update: DatabaseEvent_EventType.DB_UPDATE,
  delete: DatabaseEvent_EventType.DB_DELETE,
};

/** Fields never published, whatever the model. */
const SECRET_FIELDS = /(_password|_token|_otp_secret|_certificate)$/;

/** `object` without its secret fields. */
export function withoutSecrets(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) if (!SECRET_FIELDS.test(k)) out[k] = v;
  return out;
}

/**
 * Publishes one DatabaseEvent about `model` (OpenTera's model name: `site`, `user_group`, …).
 * Rejects when the bus cannot publish; callers publish after their transaction committed.
 */
export async function publishDatabaseEvent(
  deps: Pick<Deps, 'bus' | 'codec'>,
  model: string,
  change: DbChange,
  object: Readonly<Record<string, unknown>>,
): Promise<void> {
  const topic = databaseEventsTopic(model);
  const event = create(DatabaseEventSchema, {
    type: EVENT_TYPES[change],
    objectType: model,
    objectValue: JSON.stringify(withoutSecrets(object)),
  });
  await deps.bus.publish(
    topic,
    deps.codec.encodeEvent(teraEvent(topic, [packEvent(DatabaseEventSchema, event)])),
  );
}
