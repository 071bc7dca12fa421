// Snapshot records without mounts: parent chains, commit, removal order, ids that never repeat, labels,
// and the transaction that rolls back when placing the directory fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SnapshotStorage } from '../../../src/snapshots/storage.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-snap-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const usage = { size: 4096, inodes: 1 };

test('parent chains are nearest first and ids never repeat after removal', () => {
  const s = new SnapshotStorage(join(dir, 'a'));
  const a = s.create('active', 'a', undefined, {}, () => {});
  s.commit('A', 'a', usage, undefined);
  const b = s.create('active', 'b', 'A', {}, () => {});
  s.commit('B', 'b', usage, { x: '1' });
  const c = s.create('view', 'c', 'B', {}, () => {});
  assert.deepEqual(c.parentIds, [b.id, a.id]);
  assert.deepEqual(s.get('B').usage, usage);
  assert.deepEqual(s.info('B').labels, { x: '1' });
  assert.equal(s.info('c').parent, 'B');
  assert.throws(() => s.remove('B', () => {}), {
    code: 'FailedPrecondition',
    message: 'remove "B": snapshot is the parent of "c"',
  });
  s.remove('c', () => {});
  const d = s.create('active', 'd', 'B', {}, () => {});
  assert.ok(d.id > c.id, `id ${d.id} after removed ${c.id}`);
  s.close();
  const reopened = new SnapshotStorage(join(dir, 'a'));
  assert.deepEqual(reopened.get('d').parentIds, [b.id, a.id]);
  reopened.close();
});

test('a failure while placing the directory records nothing', () => {
  const s = new SnapshotStorage(join(dir, 'b'));
  assert.throws(
    () =>
      s.create('active', 'x', undefined, {}, () => {
        throw new Error('rename failed');
      }),
    /rename failed/,
  );
  assert.throws(() => s.get('x'), { code: 'NotFound', message: 'snapshot "x": not found' });
  assert.equal(s.ids().size, 0);
  s.close();
});

test('labels are validated and updated by field path', () => {
  const s = new SnapshotStorage(join(dir, 'c'));
  assert.throws(() => s.create('active', 'l', undefined, { '': 'v' }, () => {}), {
    code: 'InvalidArgument',
    message: 'snapshot "l": label key must not be empty',
  });
  s.create('active', 'l', undefined, { a: '1', b: '2' }, () => {});
  assert.deepEqual(s.updateLabels('l', { a: '9' }, ['labels.a', 'labels.b']).labels, { a: '9' });
  assert.throws(() => s.updateLabels('l', { big: 'x'.repeat(5000) }, ['labels.big']), {
    code: 'InvalidArgument',
    message: 'snapshot "l": label "big": longer than 4096 bytes',
  });
  assert.deepEqual(
    s.list({ labels: { a: '9' } }).map((i) => i.name),
    ['l'],
  );
  s.close();
});
