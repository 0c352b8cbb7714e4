import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '@node-rs/bcrypt';
import { SEED_PASSWORD_HASHES } from '../../src/store/seed/password-hashes.js';

test('every seed password hash is a $2b$ cost-12 bcrypt hash of its password', async () => {
  const entries = Object.entries(SEED_PASSWORD_HASHES);
  for (const [password, hash] of entries) assert.match(hash, /^\$2b\$12\$/, password);
  const right = await Promise.all(entries.map(([password, hash]) => verify(password, hash)));
  const wrong = await Promise.all(entries.map(([password, hash]) => verify(password + 'x', hash)));
  assert.deepEqual(
    right,
    entries.map(() => true),
  );
  assert.deepEqual(
    wrong,
    entries.map(() => false),
  );
});
