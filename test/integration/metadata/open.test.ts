// Opening a root as berthd will: overlay chosen here, the layout of DESIGN.md "State on disk" created,
// crash leftovers removed, and a second open finding everything the first left.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { digestOf, writeBlob } from '../../../src/content/index.js';
import { DOCKER_NAMESPACE, openStores } from '../../../src/metadata/index.js';

const skip = process.getuid?.() === 0 ? false : 'needs root (the overlay support check mounts)';
const root = mkdtempSync(join(tmpdir(), 'berth-open-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('openStores lays out a root, recovers leftovers, and reopens what it stored', { skip }, async () => {
  const first = await openStores(root);
  assert.equal(first.snapshotter, 'overlay');
  assert.equal(first.fallbackReason, undefined);
  assert.equal(first.leftovers, 0);
  const data = Buffer.from('kept across opens');
  await writeBlob(first.stores.content(DOCKER_NAMESPACE), 'k', data, { digest: digestOf(data) });
  await first.stores.snapshotter(DOCKER_NAMESPACE, 'overlay').prepare('ctr');
  await first.stores.close();
  assert.ok(existsSync(join(root, 'metadata.db')));
  assert.ok(existsSync(join(root, 'content', 'blobs', 'sha256', digestOf(data).slice(7))));
  assert.ok(existsSync(join(root, 'snapshots', 'overlay', 'snapshots.db')));

  mkdirSync(join(root, 'content', 'ingest', '.new-00'), { recursive: true });
  mkdirSync(join(root, 'snapshots', 'overlay', '.new-00', 'fs'), { recursive: true });
  const second = await openStores(root);
  try {
    assert.equal(second.leftovers, 2);
    assert.deepEqual(readdirSync(join(root, 'content', 'ingest')), []);
    assert.ok((await second.stores.content(DOCKER_NAMESPACE).readBlob(digestOf(data))).equals(data));
    assert.equal((await second.stores.snapshotter(DOCKER_NAMESPACE, 'overlay').stat('ctr')).kind, 'active');
    await second.stores.snapshotter(DOCKER_NAMESPACE, 'overlay').remove('ctr');
  } finally {
    await second.stores.close();
  }
});
