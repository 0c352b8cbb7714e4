/**
 * The client commands of the command line, built on the SDK (src/client): `watch`, `online`
 * and `send`. Only their options are declared here; each loads its code when it runs.
 * Exit codes: 0 done, 1 a refused or failed request (or a watch ended by the server), 2 a
 * usage error; each failure is one line on stderr.
 */
import type { Command } from 'commander';

function withServer(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the server, e.g. https://127.0.0.1:40075 (or TERARELAY_URL)')
    .option('--ca <file>', 'PEM certificate(s) to trust, e.g. a private CA or a dev certificate')
    .option('--insecure', 'accept any server certificate (development servers only)')
    .option('--json', 'one JSON object per line');
}

/** Runs a command body: its exit code, or 2 for a usage error, 1 for any other failure. */
async function exitWith(body: () => Promise<number>): Promise<void> {
  const { UsageError, say } = await import('./common.js');
  try {
    process.exitCode = await body();
  } catch (err) {
    say((err as Error).message.split('\n')[0] ?? 'failed');
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}

export function registerClientCommands(program: Command): void {
  withServer(
    program
      .command('watch')
      .description(
        'print the events a user, participant or device receives, one line each; reconnects by itself',
      ),
  )
    .option('--user <username>', 'log in as this user (password: TERARELAY_PASSWORD or a prompt)')
    .option('--participant <username>', 'log in as this participant (password as for --user)')
    .option('--participant-token <token>', "log in with a participant's token")
    .option('--device-token <token>', "log in with a device's token")
    .option('--no-observer', 'watch a user through a normal connection (counted as online)')
    .option('--binary', 'receive binary protobuf frames instead of JSON')
    .action((opts: Record<string, unknown>) =>
      exitWith(async () => (await import('./watch.js')).watch(opts)),
    );

  withServer(
    program
      .command('online')
      .description('print who a user may see online, busy, and their status'),
  )
    .option('--user <username>', 'log in as this user (password: TERARELAY_PASSWORD or a prompt)')
    .action((opts: Record<string, unknown>) =>
      exitWith(async () => (await import('./online.js')).online(opts)),
    );

  withServer(
    program
      .command('send')
      .description('send a direct event to a user, participant or device, as a service'),
  )
    .option('--service-token <token>', 'the service token (or TERARELAY_SERVICE_TOKEN)')
    .option('--to <kind:uuid>', 'user:<uuid>, participant:<uuid> or device:<uuid>')
    .option(
      '--event <json>',
      'the event, OpenTera JSON with "@type", e.g. {"@type":"StopSessionEvent",…}',
    )
    .action((opts: Record<string, unknown>) =>
      exitWith(async () => (await import('./send.js')).send(opts)),
    );
}
