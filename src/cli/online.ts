/**
 * `terarelay online`: who a user may see online now (the REST lists): a table of kind, name,
 * online, busy, device status and uuid, or one JSON object per line with `--json`. The login
 * asks for no websocket, so it is allowed while the user is connected elsewhere.
 */
import { colorFor, onlineTable } from './format.js';
import { credentials, newClient, type IdentityFlags, type ServerFlags } from './common.js';

export async function online(flags: ServerFlags & IdentityFlags): Promise<number> {
  const relay = await newClient(flags);
  const who = await credentials(flags, ['user']);
  const session = await relay.login(who, { websocket: false });
  const entries = await relay.online(session);
  if (flags.json) {
    for (const entry of entries) process.stdout.write(JSON.stringify(entry) + '\n');
  } else {
    process.stdout.write(onlineTable(entries, { color: colorFor(process.stdout) }) + '\n');
  }
  return 0;
}
