// Chain IDs as OCI image-spec config.md "Layer ChainID" defines them, which name committed layer snapshots.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { digestOf } from '../../../src/content/index.js';
import { chainIds } from '../../../src/metadata/index.js';

test('ChainID(L0) = DiffID(L0), ChainID(Ln) = SHA256(ChainID(Ln-1) + " " + DiffID(Ln))', () => {
  const [a, b, c] = [digestOf('a'), digestOf('b'), digestOf('c')];
  const sha = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;
  const ab = sha(`${a} ${b}`);
  assert.deepEqual(chainIds({ rootfs: { type: 'layers', diff_ids: [a, b, c] } }), [a, ab, sha(`${ab} ${c}`)]);
  assert.deepEqual(chainIds({ rootfs: { diff_ids: [a] } }), [a]);
  assert.deepEqual(chainIds({}), [], 'a config without rootfs has no layers');
  assert.deepEqual(chainIds({ rootfs: { diff_ids: 'nope' } }), []);
});
