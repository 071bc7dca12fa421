// cgroup2-only behaviour that this hybrid host cannot run, on a scratch directory laid out like a
// unified mount: controllers enabled down the path before the container's cgroup is made, and OOM
// events counted from memory.events.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLayout } from '../../../../src/runtime/cgroups/layout.js';
import { createCgroups } from '../../../../src/runtime/cgroups/manager.js';
import { watchOom } from '../../../../src/runtime/cgroups/oom.js';

function scratch(): { dir: string; layout: ReturnType<typeof parseLayout> } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-unified-'));
  return { dir, layout: parseLayout(`40 25 0:40 / ${dir} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n`) };
}

test('creating a nested cgroup enables every controller on each level above it', () => {
  const { dir, layout } = scratch();
  try {
    assert.equal(layout.unifiedOnly, true);
    writeFileSync(join(dir, 'cgroup.controllers'), 'cpu io memory pids\n');
    const leaf = join(dir, 'machine', 'pods', 'c1');
    const joined = createCgroups({ '': leaf }, { pids: { limit: 5 } }, layout);
    assert.deepEqual(joined, [{ path: leaf, version: 2 }]);
    for (const level of [dir, join(dir, 'machine'), join(dir, 'machine', 'pods')])
      assert.equal(
        readFileSync(join(level, 'cgroup.subtree_control'), 'utf8'),
        '+cpu +io +memory +pids',
        level,
      );
    assert.equal(existsSync(join(leaf, 'cgroup.subtree_control')), false, 'the leaf keeps its processes');
    assert.equal(readFileSync(join(leaf, 'pids.max'), 'utf8'), '5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OOM events are the oom_kill increments of memory.events', () => {
  const { dir, layout } = scratch();
  try {
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n');
    const w = watchOom({ '': dir }, layout);
    assert.ok(w);
    assert.equal(w.poll(), 0);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n');
    assert.equal(w.poll(), 2);
    assert.equal(w.poll(), 0);
    w.close();
    assert.equal(watchOom({ '': join(dir, 'none') }, layout), undefined, 'no memory controller, no watcher');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
