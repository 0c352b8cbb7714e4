/**
 * What the client commands (`watch`, `online`, `send`) share: the server and TLS options, the
 * identity to log in as, and reading a password (TERARELAY_PASSWORD, else a prompt without
 * echo on a terminal, else the first line of standard input). A usage error exits 2, a
 * refused or failed request 1, each with one line on stderr.
 */
import { readFileSync } from 'node:fs';
import type { ClientOptions, Credentials, TeraRelayClient } from '../client/index.js';

export class UsageError extends Error {}

export interface ServerFlags {
  url?: string;
  ca?: string;
  insecure?: boolean;
  json?: boolean;
}

export interface IdentityFlags {
  user?: string;
  participant?: string;
  participantToken?: string;
  deviceToken?: string;
  observer?: boolean;
}

/** The client options of the flags; TERARELAY_URL when --url is absent. */
export function clientOptions(flags: ServerFlags): ClientOptions {
  const url = flags.url ?? process.env.TERARELAY_URL;
  if (!url)
    throw new UsageError('--url is required (or TERARELAY_URL), e.g. https://127.0.0.1:40075');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid --url: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new UsageError(`invalid --url: ${JSON.stringify(url)} (https:// or http://)`);
  let ca: string | undefined;
  if (flags.ca !== undefined) {
    try {
      ca = readFileSync(flags.ca, 'utf8');
    } catch (err) {
      throw new UsageError(
        `invalid --ca: cannot read ${flags.ca} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return { url, ...(ca !== undefined ? { ca } : {}), insecure: flags.insecure === true };
}

export async function newClient(flags: ServerFlags): Promise<TeraRelayClient> {
  const options = clientOptions(flags);
  const { TeraRelayClient } = await import('../client/index.js');
  return new TeraRelayClient(options);
}

/** Who to log in as: exactly one of the identity flags. */
export async function credentials(
  flags: IdentityFlags,
  allowed: Array<keyof IdentityFlags>,
): Promise<Credentials> {
  const given = (['user', 'participant', 'participantToken', 'deviceToken'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  const names = allowed
    .filter((k) => k !== 'observer')
    .map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (given.length !== 1 || !allowed.includes(given[0]!))
    throw new UsageError(`give exactly one of ${names.join(', ')}`);
  if (flags.deviceToken !== undefined) return { deviceToken: flags.deviceToken };
  if (flags.participantToken !== undefined) return { participantToken: flags.participantToken };
  const password = await readPassword(`Password for ${flags.user ?? flags.participant}: `);
  if (flags.participant !== undefined) return { participant: flags.participant, password };
  return { user: flags.user!, password, observer: flags.observer !== false };
}

/** TERARELAY_PASSWORD, else asked on the terminal (no echo), else stdin's first line. */
export async function readPassword(prompt: string): Promise<string> {
  const fromEnv = process.env.TERARELAY_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  let password: string;
  if (process.stdin.isTTY) {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    const echo = out._writeToOutput.bind(rl);
    out._writeToOutput = (s: string) => (s.startsWith(prompt) ? echo(prompt) : undefined);
    try {
      password = await rl.question(prompt);
    } finally {
      process.stderr.write('\n');
      rl.close();
    }
  } else {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    password = text.split(/\r?\n/)[0] ?? '';
  }
  if (password === '')
    throw new UsageError('no password: set TERARELAY_PASSWORD or run on a terminal');
  return password;
}

/** Writes one line to stderr, prefixed with the program name. */
export const say = (line: string): void => void process.stderr.write(`terarelay: ${line}\n`);
