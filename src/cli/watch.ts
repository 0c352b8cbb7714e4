/**
 * `terarelay watch`: logs in, opens a websocket through the SDK and prints every event it
 * receives, one line each, until interrupted (exit 0) or the connection closes for good (exit
 * 1: a 4000 disconnect, a refused token). A user watches through an observer connection
 * unless `--no-observer`, so watching neither shows the user online nor is refused while the
 * user is logged in elsewhere. Connection changes (reconnecting and why, reconnected) go to
 * stderr, or to stdout as `{"state": …}` lines with `--json`.
 */
import { colorFor, eventJson, eventLine, stateJson, stateLine } from './format.js';
import { credentials, newClient, say, type IdentityFlags, type ServerFlags } from './common.js';

export interface WatchFlags extends ServerFlags, IdentityFlags {
  binary?: boolean;
}

const print = (line: string): void => void process.stdout.write(line + '\n');

export async function watch(flags: WatchFlags): Promise<number> {
  const relay = await newClient(flags);
  const who = await credentials(flags, [
    'user',
    'participant',
    'participantToken',
    'deviceToken',
    'observer',
  ]);
  const json = flags.json === true;
  const style = { color: !json && colorFor(process.stdout) };
  const session = await relay.login(who);
  const connection = relay.connect(session, { format: flags.binary ? 'binary' : 'json' });
  const where =
    `${relay.url} as ${session.kind} ${session.name || session.uuid}` +
    (session.observer ? ' (observer)' : '');
  let first = true;
  connection.onEvent((event) => print(json ? eventJson(event) : eventLine(event, style)));
  connection.onState((state) => {
    if (json) print(stateJson(state));
    else say(stateLine(state, where, first));
    if (state.state === 'open') first = false;
  });
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    void connection.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await connection.closed();
  return interrupted ? 0 : 1;
}
