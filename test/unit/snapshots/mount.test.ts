// Pure parts of mounting: option splitting and the compaction of long overlay options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactOverlayData, layerDir, MOUNT_DATA_MAX } from '../../../src/snapshots/index.js';
import { splitOptions } from '../../../src/snapshots/mount.js';

test('options split into flags and data', () => {
  const ro = splitOptions(['ro', 'rbind']);
  assert.equal(ro.bind, true);
  assert.equal(ro.readonly, true);
  assert.deepEqual(ro.data, []);
  const ov = splitOptions(['index=off', 'lowerdir=/a:/b']);
  assert.equal(ov.flags, 0n);
  assert.deepEqual(ov.data, ['index=off', 'lowerdir=/a:/b']);
});

test('overlay paths are rewritten relative to their deepest common directory', () => {
  const root = '/var/lib/berth/snapshots/overlay';
  const lowers = Array.from({ length: 200 }, (_, i) => `${root}/${200 - i}/fs`);
  const data = [
    'index=off',
    `workdir=${root}/201/work`,
    `upperdir=${root}/201/fs`,
    `lowerdir=${lowers.join(':')}`,
  ];
  assert.ok(data.join(',').length > MOUNT_DATA_MAX);
  const compact = compactOverlayData(data);
  assert.equal(compact.dir, root);
  assert.ok(compact.data.length < MOUNT_DATA_MAX);
  assert.ok(compact.data.startsWith('index=off,workdir=201/work,upperdir=201/fs,lowerdir=200/fs:199/fs:'));
  assert.ok(compact.data.endsWith(':1/fs'));
});

test('layerDir finds where a writable snapshot keeps its own changes', () => {
  assert.equal(layerDir([{ type: 'bind', source: '/s/1/fs', options: ['rw', 'rbind'] }]), '/s/1/fs');
  assert.equal(layerDir([{ type: 'bind', source: '/s/1/fs', options: ['ro', 'rbind'] }]), undefined);
  const overlay = {
    type: 'overlay',
    source: 'overlay',
    options: ['index=off', 'workdir=/s/3/work', 'upperdir=/s/3/fs', 'lowerdir=/s/2/fs:/s/1/fs'],
  };
  assert.equal(layerDir([overlay]), '/s/3/fs');
  assert.equal(
    layerDir([{ ...overlay, options: ['lowerdir=/s/2/fs:/s/1/fs'] }]),
    undefined,
    'a view has no upper layer',
  );
  assert.equal(layerDir([]), undefined);
});
