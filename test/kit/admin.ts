/**
 * The admin API suites: one server per database backend (SQLite in memory, and a private
 * PostgreSQL database), each seeded with OpenTera's test dataset, with the OpenAPI checker and
 * a token per test user. A bcrypt check costs ~250 ms, so each user logs in once per suite and
 * its token is reused (`auth`). Failed-login assertions should use a username no test logs in
 * with, so that they stay clear of the lockout.
 */
import { after, before, describe } from 'node:test';
import { startTestServer, type TestServer } from './server.js';
import { OpenApiChecker, userTokenOf } from './http.js';
import { createTestDatabase } from './postgres.js';

export interface AdminSuite {
  /** Why this backend's tests are skipped (PostgreSQL unreachable locally), or undefined. */
  readonly skip: string | undefined;
  readonly server: TestServer;
  readonly api: OpenApiChecker;
  /** `OpenTera <token>` for `username` (password = username, as in the test dataset). */
  auth(username: string, password?: string): Promise<string>;
}

interface AdminBackend {
  readonly name: string;
  /** The `--db` value of a fresh database, how to discard it, or a skip reason. */
  open(): Promise<{ db: string; drop(): Promise<void> } | { skip: string }>;
}

export const ADMIN_BACKENDS: readonly AdminBackend[] = [
  {
    name: 'SQLite',
    open: () => Promise.resolve({ db: 'sqlite::memory:', drop: () => Promise.resolve() }),
  },
  {
    name: 'PostgreSQL',
    async open() {
      const pg = await createTestDatabase();
      return 'skip' in pg ? pg : { db: pg.url, drop: () => pg.drop() };
    },
  },
];

/**
 * Runs `body` once per backend, inside `describe('<title> on <backend>')`. Tests read the
 * suite inside tests and hooks only, and return early (or use `t.skip`) when `suite.skip` is set.
 */
export function adminSuites(title: string, body: (suite: AdminSuite) => void): void {
  for (const backend of ADMIN_BACKENDS) {
    describe(`${title} on ${backend.name}`, () => {
      body(adminSuite(backend));
    });
  }
}

function adminSuite(backend: AdminBackend): AdminSuite {
  const state: {
    skip: string | undefined;
    server?: TestServer;
    api?: OpenApiChecker;
    drop?: () => Promise<void>;
  } = { skip: undefined };
  const tokens = new Map<string, Promise<string>>();
  before(async () => {
    const opened = await backend.open();
    if ('skip' in opened) {
      state.skip = opened.skip;
      return;
    }
    state.drop = opened.drop;
    state.server = await startTestServer({ db: opened.db });
    state.api = await OpenApiChecker.load(state.server);
  });
  after(async () => {
    await state.server?.close();
    await state.drop?.();
  });
  return {
    get skip() {
      return state.skip;
    },
    get server() {
      if (!state.server) throw new Error(`no server: ${state.skip ?? 'not started yet'}`);
      return state.server;
    },
    get api() {
      if (!state.api) throw new Error(`no server: ${state.skip ?? 'not started yet'}`);
      return state.api;
    },
    auth(username: string, password = username) {
      const key = `${username}\0${password}`;
      let token = tokens.get(key);
      if (!token) {
        token = userTokenOf(this.server, username, password).then((t) => `OpenTera ${t}`);
        tokens.set(key, token);
      }
      return token;
    },
  };
}
