/**
 * README's "first event in 60 seconds", run as written: each command line of the walkthrough
 * block in its own shell (one "terminal" each), in the repository, and terminal 2 must print
 * participant1 coming online once terminal 3 runs, then going offline when terminal 3 stops.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './kit/waiting.js';

const ROOT = join(import.meta.dirname, '..');

/** The walkthrough's command lines, comments dropped, in order. */
function walkthrough(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(
    readme,
  );
  assert.ok(block, 'README has the walkthrough block');
  return block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

interface Terminal {
  readonly child: ChildProcess;
  output(): string;
}

const terminals: Terminal[] = [];

/** Runs one line in a shell of its own process group, as a terminal would. */
function terminal(line: string): Terminal {
  const env = { ...process.env };
  delete env.TERARELAY_PASSWORD;
  const child = spawn('bash', ['-c', line], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const t = { child, output: () => out };
  terminals.push(t);
  return t;
}

/** Ctrl-C for a terminal: SIGINT to its whole process group; resolves when it exited. */
async function interrupt(t: Terminal): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  const exited = new Promise((resolve) => t.child.once('exit', resolve));
  try {
    process.kill(-t.child.pid!, 'SIGINT');
  } catch {
    return;
  }
  await exited;
}

after(async () => {
  for (const t of terminals.reverse()) await interrupt(t);
});

/** Waits until `t`'s output matches `pattern`; on timeout, says what it printed. */
async function until(t: Terminal, pattern: RegExp, what: string): Promise<void> {
  try {
    await waitFor(() => pattern.test(t.output()), { what, timeoutMs: 120_000 });
  } catch (e) {
    throw new Error(`${(e as Error).message}; it printed:\n${t.output()}`, { cause: e });
  }
}

test('the README walkthrough shows a participant coming online, then going offline', async () => {
  const [serve, watchAdmin, watchParticipant, ...rest] = walkthrough();
  assert.equal(rest.length, 0, 'three terminals');
  const server = terminal(serve!);
  await until(server, /listening on https:\/\//, 'the server listening');
  const admin = terminal(watchAdmin!);
  await until(admin, /connected to https:/, "admin's watch connected");
  const participant = terminal(watchParticipant!);
  await until(admin, /participant\s+connected\s+Participant #1/, 'participant1 online');
  await interrupt(participant);
  await until(admin, /participant\s+disconnected\s+Participant #1/, 'participant1 offline');
});
