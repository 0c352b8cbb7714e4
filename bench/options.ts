/** The benchmark's command line. */
import { parseArgs } from 'node:util';

export const SCENARIOS = ['fanout', 'storm', 'idle', 'history', 'stalled'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Access = 'super' | 'mixed';
/** Stalled: watchers that keep reading besides those of --watchers that did not stop. */
export const STALLED_READERS = 10;

export interface Options {
  scenarios: Scenario[];
  watchers: number;
  rates: number[];
  rateRuns: number;
  saturationRuns: number;
  saturation: boolean;
  inflight: number;
  access: Access[];
  duration: number;
  drain: number;
  devices: number;
  logins: number;
  concurrency: number;
  repeat: number;
  idle: number[];
  db: string | null;
  redis: string | null;
  pin: 'on' | 'off' | 'auto';
  out: string;
  keep: boolean;
  profile: boolean;
  heapKinds: boolean;
  budget: number;
  stalled: number;
  eventKiB: number;
}

export const USAGE = `npm run bench -- [options]

  --scenario <list>     fanout, storm, idle, history, stalled or all (default all);
                        comma-separated (history: fan-out at saturation with --history off
                        and on; stalled: sockets that stop reading against the send budget)
  --watchers <n>        fan-out, history, stalled: connected watchers (default 200)
  --rate <list>         fan-out: fixed publish rates, events/s (default 50,100); stalled
                        publishes at the highest
  --rate-runs <n>       fan-out: runs of each fixed rate in a row; ratios from the medians
                        (default 1)
  --saturation <on|off> fan-out: also a closed-loop run at saturation (default on)
  --saturation-runs <n> fan-out: saturation runs in a row; ratios from the medians (default 1;
                        with --profile, the first is profiled)
  --inflight <n>        fan-out: events in flight at saturation (default 32)
  --access <list>       fan-out: super (superadmin watchers), mixed (half of them see one
                        project of ten) (default super,mixed)
  --duration <s>        fan-out and stalled: seconds of publishing per rate (default 5)
  --drain <s>           fan-out: seconds allowed for late deliveries after publishing (default 2)
  --devices <n>         storm: devices logging in and connecting (default 500)
  --logins <n>          storm: device token logins alone, over keep-alive (default 2000)
  --concurrency <n>     storm and idle: logins/connections at once (default 50)
  --repeat <n>          storm: rounds, each the relay then the floor, each in a fresh process;
                        ratios from the medians (default 1)
  --idle <list>         idle: connection counts held (default 1000)
  --stalled <n>         stalled: watchers that stop reading (default all of --watchers);
                        the others and ${STALLED_READERS} more keep reading
  --budget <MiB>        stalled: the relay's --send-buffer-budget (default 64)
  --event-kib <n>       stalled: padding per event, KiB (default 32: the kernel's socket
                        buffers, several MiB per socket, fill before the server's own)
  --db <url>            database of the relay (default: a fresh SQLite file); an empty one is
                        seeded with bench:N, N the largest size asked
  --redis <url>         run the relay (and baselines) on Redis; events published on Redis
  --pin <on|off|auto>   pin servers to CPU 0 and the load generator to CPU 1 with taskset
                        (auto: when taskset exists and there are 2 CPUs or more) (default auto)
  --out <dir>           results folder (default bench/results)
  --keep                keep the work folder (database, certificate, server logs)
  --profile             CPU-profile the servers during the fan-out saturation runs and the
                        storm's phases (<results>-<phase>.cpuprofile, summarised in
                        .cpuprofile.md)
  --heap-kinds          idle: the heap per connection by kind at the last size, from two heap
                        snapshots (each about twice the heap in memory: use a small size)`;

const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer`);
  return n;
};
const list = (name: string, text: string): number[] =>
  text.split(',').map((s) => positive(name, s.trim()));

export function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'all' },
      watchers: { type: 'string', default: '200' },
      rate: { type: 'string', default: '50,100' },
      'rate-runs': { type: 'string', default: '1' },
      saturation: { type: 'string', default: 'on' },
      'saturation-runs': { type: 'string', default: '1' },
      inflight: { type: 'string', default: '32' },
      access: { type: 'string', default: 'super,mixed' },
      duration: { type: 'string', default: '5' },
      drain: { type: 'string', default: '2' },
      devices: { type: 'string', default: '500' },
      logins: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '50' },
      repeat: { type: 'string', default: '1' },
      idle: { type: 'string', default: '1000' },
      stalled: { type: 'string' },
      budget: { type: 'string', default: '64' },
      'event-kib': { type: 'string', default: '32' },
      db: { type: 'string' },
      redis: { type: 'string' },
      pin: { type: 'string', default: 'auto' },
      out: { type: 'string', default: 'bench/results' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'heap-kinds': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const scenarios =
    values.scenario === 'all'
      ? [...SCENARIOS]
      : values.scenario.split(',').map((s) => {
          if (!(SCENARIOS as readonly string[]).includes(s.trim()))
            throw new Error(`--scenario: expected ${SCENARIOS.join(', ')} or all`);
          return s.trim() as Scenario;
        });
  const access = values.access.split(',').map((s) => {
    if (s !== 'super' && s !== 'mixed') throw new Error('--access: expected super and/or mixed');
    return s;
  });
  if (!['on', 'off', 'auto'].includes(values.pin))
    throw new Error('--pin: expected on, off or auto');
  if (!['on', 'off'].includes(values.saturation))
    throw new Error('--saturation: expected on or off');
  const watchers = positive('watchers', values.watchers);
  const stalled = values.stalled === undefined ? watchers : positive('stalled', values.stalled);
  if (stalled > watchers) throw new Error('--stalled: at most --watchers');
  return {
    scenarios,
    watchers,
    rates: list('rate', values.rate),
    rateRuns: positive('rate-runs', values['rate-runs']),
    saturationRuns: positive('saturation-runs', values['saturation-runs']),
    saturation: values.saturation === 'on',
    inflight: positive('inflight', values.inflight),
    access,
    duration: positive('duration', values.duration),
    drain: positive('drain', values.drain),
    devices: positive('devices', values.devices),
    logins: positive('logins', values.logins),
    concurrency: positive('concurrency', values.concurrency),
    repeat: positive('repeat', values.repeat),
    idle: list('idle', values.idle).sort((a, b) => a - b),
    db: values.db ?? null,
    redis: values.redis ?? null,
    pin: values.pin as Options['pin'],
    out: values.out,
    keep: values.keep,
    profile: values.profile,
    heapKinds: values['heap-kinds'],
    budget: positive('budget', values.budget),
    stalled,
    eventKiB: positive('event-kib', values['event-kib']),
  };
}

/** N of the `bench:N` seed: enough users and devices for every scenario asked. */
export function seedSize(o: Options): number {
  const sizes = [1];
  if (o.scenarios.includes('fanout') || o.scenarios.includes('history')) sizes.push(o.watchers);
  if (o.scenarios.includes('stalled')) sizes.push(o.watchers + STALLED_READERS);
  if (o.scenarios.includes('storm')) sizes.push(o.devices);
  if (o.scenarios.includes('idle')) sizes.push(...o.idle);
  return Math.max(...sizes);
}
