// cgroup layout detection and resource translation, on fixed mountinfo text and a scratch directory.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLayout, parseProcCgroup } from '../../../../src/runtime/cgroups/layout.js';
import { applyResources, resolveCgroupPaths } from '../../../../src/runtime/cgroups/manager.js';
import { sharesToWeight, v1Writes, v2Writes } from '../../../../src/runtime/cgroups/resources.js';

const HYBRID = `
30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
33 30 0:29 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
34 30 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED = '40 25 0:40 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n';

test('hybrid and unified layouts', () => {
  const h = parseLayout(HYBRID);
  assert.deepEqual(
    h.v1.map((x) => [x.mountpoint, x.controllers.join(',')]),
    [
      ['/sys/fs/cgroup/cpu', 'cpu'],
      ['/sys/fs/cgroup/memory', 'memory'],
      ['/sys/fs/cgroup/systemd', 'name=systemd'],
    ],
  );
  assert.equal(h.v2?.mountpoint, '/sys/fs/cgroup/unified');
  assert.equal(h.unifiedOnly, false);
  const u = parseLayout(UNIFIED);
  assert.equal(u.unifiedOnly, true);
  assert.equal(u.v2?.mountpoint, '/sys/fs/cgroup');
});

test('absolute and relative cgroupsPath', () => {
  const layout = parseLayout(HYBRID);
  const own = parseProcCgroup('4:memory:/user/me\n3:cpu:/\n1:name=systemd:/sys\n0::/x\n');
  assert.deepEqual(resolveCgroupPaths('/default/c1', 'c1', layout, own), {
    cpu: '/sys/fs/cgroup/cpu/default/c1',
    memory: '/sys/fs/cgroup/memory/default/c1',
    'name=systemd': '/sys/fs/cgroup/systemd/default/c1',
    '': '/sys/fs/cgroup/unified/default/c1',
  });
  assert.equal(
    resolveCgroupPaths('rel/c1', 'c1', layout, own).memory,
    '/sys/fs/cgroup/memory/user/me/rel/c1',
  );
  assert.equal(resolveCgroupPaths(undefined, 'c9', layout, own).cpu, '/sys/fs/cgroup/cpu/c9');
});

test('v1 writes: devices, memory, cpu, pids', () => {
  const w = v1Writes({
    devices: [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: true, type: 'c', major: 136, minor: null, access: 'rw' },
    ],
    memory: { limit: 67108864 },
    cpu: { shares: 512, quota: 50000, period: 100000 },
    pids: { limit: 50 },
  });
  assert.deepEqual(
    w.map((x) => `${x.controller}/${x.file}=${x.value}`),
    [
      'devices/devices.deny=a',
      'devices/devices.allow=c 1:3 rwm',
      'devices/devices.allow=c 136:* rw',
      'memory/memory.limit_in_bytes=67108864',
      'cpu/cpu.shares=512',
      'cpu/cpu.cfs_period_us=100000',
      'cpu/cpu.cfs_quota_us=50000',
      'pids/pids.max=50',
    ],
  );
});

test('v2 writes into a scratch directory laid out like cgroup2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cg2-'));
  try {
    const cg = join(dir, 'c1');
    mkdirSync(cg);
    for (const f of ['memory.max', 'memory.swap.max', 'cpu.weight', 'cpu.max', 'pids.max'])
      writeFileSync(join(cg, f), '');
    applyResources(
      { '': cg },
      {
        memory: { limit: 1 << 26, swap: 1 << 27 },
        cpu: { shares: 1024, quota: 50000, period: 100000 },
        pids: { limit: -1 },
      },
      parseLayout(UNIFIED),
    );
    const read = (f: string): string => readFileSync(join(cg, f), 'utf8');
    assert.equal(read('memory.max'), String(1 << 26));
    assert.equal(read('memory.swap.max'), String(1 << 26));
    assert.equal(read('cpu.weight'), String(sharesToWeight(1024)));
    assert.equal(read('cpu.max'), '50000 100000');
    assert.equal(read('pids.max'), 'max');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(v2Writes({ unified: { 'io.weight': '50' } }), [
    { controller: '', file: 'io.weight', value: '50' },
  ]);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(262144), 10000);
});
