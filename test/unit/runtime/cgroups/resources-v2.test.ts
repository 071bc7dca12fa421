// linux.resources → cgroup v2: runc's conversions (shares → weight, blkio → io weight, memory+swap →
// swap alone), io.max lines, and applyResources on a scratch directory laid out like a unified host.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Resources } from '../../../../src/oci/runtime-spec.js';
import { applyResources } from '../../../../src/runtime/cgroups/apply.js';
import { parseLayout } from '../../../../src/runtime/cgroups/layout.js';
import {
  blkioToIoWeight,
  sharesToWeight,
  swapToV2,
  v2Writes,
} from '../../../../src/runtime/cgroups/resources-v2.js';

const UNIFIED = parseLayout('40 25 0:40 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n');

const writes = (res: Resources, files: Record<string, string> = {}): string[] =>
  v2Writes(res, (f) => files[f]).map((w) => `${w.file}=${w.value}`);

test("conversions are runc 1.1's", () => {
  assert.equal(sharesToWeight(0), 0);
  assert.equal(sharesToWeight(2), 1);
  assert.equal(sharesToWeight(1024), 39);
  assert.equal(sharesToWeight(262144), 10000);
  assert.equal(blkioToIoWeight(10), 1);
  assert.equal(blkioToIoWeight(500), 4950);
  assert.equal(blkioToIoWeight(1000), 10000);
  assert.equal(swapToV2(0, 0), 0);
  assert.equal(swapToV2(0, -1), -1);
  assert.equal(swapToV2(-1, 1 << 26), -1);
  assert.equal(swapToV2(1 << 27, 1 << 26), 1 << 26);
  assert.throws(() => swapToV2(1 << 20, 1 << 26), {
    message: 'linux.resources.memory.swap: memory+swap limit 1048576 is below the memory limit 67108864',
  });
  assert.throws(() => swapToV2(1 << 20, 0), {
    message: 'linux.resources.memory.swap: cannot limit swap without a memory limit',
  });
});

test('every v2 write, in runc order', () => {
  assert.deepEqual(
    writes({
      pids: { limit: 10 },
      memory: { limit: 1 << 26, swap: 1 << 26, reservation: 1 << 25, swappiness: 5, disableOOMKiller: true },
      blockIO: {
        weight: 500,
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 120 }],
      },
      cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 0, cpus: '0-1', mems: '0' },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      rdma: { rxe3: { hcaObjects: 10000 } },
      unified: { 'memory.high': '50000000' },
    }),
    [
      'pids.max=10',
      'memory.swap.max=0',
      'memory.max=67108864',
      'memory.low=33554432',
      'io.weight=4950',
      'io.max=8:0 rbps=2097152',
      'io.max=8:16 wiops=120',
      'cpu.idle=0',
      'cpu.weight=39',
      'cpu.max.burst=1000',
      'cpu.max=50000 100000',
      'cpuset.cpus=0-1',
      'cpuset.mems=0',
      'hugetlb.2MB.max=4194304',
      'rdma.max=rxe3 hca_handle=max hca_object=10000',
      'memory.high=50000000',
    ],
  );
});

test('BFQ weights, a quota without a period, unlimited values', () => {
  const bfq = { 'io.bfq.weight': 'default 100\n', 'hugetlb.1GB.rsvd.max': 'max' };
  assert.deepEqual(
    writes({ blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 200 }] } }, bfq),
    ['io.bfq.weight=300', 'io.bfq.weight=8:0 200'],
  );
  assert.throws(() => writes({ blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 200 }] } }), {
    message: 'linux.resources.blockIO.weightDevice: per-device weights need the BFQ scheduler on cgroup v2',
  });
  assert.deepEqual(writes({ cpu: { quota: 20000 } }), ['cpu.max=20000']);
  assert.deepEqual(writes({ cpu: { quota: -1, period: 50000 } }), ['cpu.max=max 50000']);
  assert.deepEqual(writes({ memory: { limit: -1 }, pids: { limit: -1 } }), [
    'pids.max=max',
    'memory.swap.max=max',
    'memory.max=max',
  ]);
  assert.deepEqual(writes({ hugepageLimits: [{ pageSize: '1GB', limit: 0 }] }, bfq), [
    'hugetlb.1GB.max=0',
    'hugetlb.1GB.rsvd.max=0',
  ]);
});

test('settings v2 cannot express are refused naming them', () => {
  assert.throws(() => writes({ cpu: { realtimeRuntime: 1000 } }), {
    message: 'linux.resources.cpu: realtime settings need cgroup v1 (cgroup2 has no cpu.rt_* files)',
  });
  assert.throws(() => writes({ network: { classID: 1 } }), {
    message: 'linux.resources.network: net_cls and net_prio are cgroup v1 controllers, not mounted here',
  });
});

test('checkBeforeUpdate refuses a limit below the usage', () => {
  assert.throws(
    () => writes({ memory: { limit: 1000, checkBeforeUpdate: true } }, { 'memory.current': '4096\n' }),
    {
      message: 'rejecting memory limit 1000 below usage 4096',
    },
  );
  assert.deepEqual(
    writes({ memory: { limit: 8192, checkBeforeUpdate: true } }, { 'memory.current': '4096\n' }),
    ['memory.max=8192'],
  );
});

test('applyResources on a scratch directory laid out like cgroup2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cg2-'));
  try {
    const cg = join(dir, 'c1');
    mkdirSync(cg);
    for (const f of [
      'memory.max',
      'memory.swap.max',
      'cpu.weight',
      'cpu.max',
      'pids.max',
      'io.max',
      'memory.high',
    ])
      writeFileSync(join(cg, f), '');
    applyResources(
      { '': cg },
      {
        memory: { limit: 1 << 26, swap: 1 << 27 },
        cpu: { shares: 1024, quota: 50000, period: 100000 },
        pids: { limit: -1 },
        blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1024 }] },
        unified: { 'memory.high': '12345' },
      },
      UNIFIED,
      { devices: false },
    );
    const read = (f: string): string => readFileSync(join(cg, f), 'utf8');
    assert.equal(read('memory.max'), String(1 << 26));
    assert.equal(read('memory.swap.max'), String(1 << 26));
    assert.equal(read('cpu.weight'), '39');
    assert.equal(read('cpu.max'), '50000 100000');
    assert.equal(read('pids.max'), 'max');
    assert.equal(read('io.max'), '8:0 rbps=1024');
    assert.equal(read('memory.high'), '12345');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
