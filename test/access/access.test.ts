/**
 * The access contract on every database backend (test/kit/backends.ts): each opened database
 * is fresh, and discarded when closed.
 */
import { describe } from 'node:test';
import { BACKENDS } from '../kit/backends.js';
import { accessContract } from '../contracts/access.contract.js';

for (const backend of BACKENDS) {
  describe(`access on ${backend.name}`, () => {
    accessContract(() => backend.open());
  });
}
