// linux.resources → cgroup v1 writes: order, runc's memory/swap ordering, file choices by what the
// kernel offers (CFQ or BFQ weights, memsw, hugetlb sizes), and device transitions from devices.list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resources } from '../../../../src/oci/runtime-spec.js';
import { resourceWarnings, v1Writes, type CgroupRead } from '../../../../src/runtime/cgroups/resources-v1.js';

/** A cgroup whose files hold `files` ("memory/memory.limit_in_bytes" → content). */
const cgroup =
  (files: Record<string, string>): CgroupRead =>
  (controller, file) =>
    files[`${controller}/${file}`];

const BASE = {
  'memory/memory.limit_in_bytes': '9223372036854771712\n',
  'memory/memory.memsw.limit_in_bytes': '9223372036854771712\n',
  'blkio/blkio.bfq.weight': 'default 100\n',
  'hugetlb/hugetlb.2MB.limit_in_bytes': '0',
  'hugetlb/hugetlb.2MB.rsvd.limit_in_bytes': '0',
  'devices/devices.list': 'a *:* rwm\n',
};

const writes = (res: Resources, files: Record<string, string> = BASE): string[] =>
  v1Writes(res, cgroup(files)).map((w) => `${w.controller}/${w.file}=${w.value}`);

test('everything, in runc order', () => {
  assert.deepEqual(
    writes({
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      ],
      memory: { limit: 67108864, reservation: 33554432, swappiness: 10, disableOOMKiller: true },
      cpu: {
        shares: 512,
        quota: 50000,
        period: 100000,
        burst: 1000,
        cpus: '0',
        mems: '0',
        idle: 0,
        realtimePeriod: 1000000,
        realtimeRuntime: 5000,
      },
      pids: { limit: 50 },
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 254, minor: 0, weight: 300 }],
        throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 1048576 }],
        throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 100 }],
      },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      network: { classID: 1048577, priorities: [{ name: 'lo', priority: 3 }] },
      rdma: { mlx5_1: { hcaHandles: 3 } },
    }),
    [
      'cpuset/cpuset.cpus=0',
      'cpuset/cpuset.mems=0',
      'devices/devices.deny=a',
      'devices/devices.allow=c 1:3 rwm',
      'memory/memory.limit_in_bytes=67108864',
      'memory/memory.soft_limit_in_bytes=33554432',
      'memory/memory.swappiness=10',
      'memory/memory.oom_control=1',
      'cpu/cpu.rt_period_us=1000000',
      'cpu/cpu.rt_runtime_us=5000',
      'cpu/cpu.shares=512',
      'cpu/cpu.cfs_period_us=100000',
      'cpu/cpu.cfs_quota_us=50000',
      'cpu/cpu.cfs_burst_us=1000',
      'cpu/cpu.idle=0',
      'pids/pids.max=50',
      'blkio/blkio.bfq.weight=500',
      'blkio/blkio.bfq.weight_device=254:0 300',
      'blkio/blkio.throttle.read_bps_device=254:0 1048576',
      'blkio/blkio.throttle.write_iops_device=254:0 100',
      'hugetlb/hugetlb.2MB.limit_in_bytes=4194304',
      'hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304',
      'net_cls/net_cls.classid=1048577',
      'net_prio/net_prio.ifpriomap=lo 3',
      'rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=max',
    ],
  );
});

test('memory and swap: raising goes swap first, lowering memory first', () => {
  const at = (limit: string): Record<string, string> => ({
    ...BASE,
    'memory/memory.limit_in_bytes': limit,
  });
  // Current limit 64M; raising both to 256M/512M: swap must grow first.
  assert.deepEqual(writes({ memory: { limit: 268435456, swap: 536870912 } }, at('67108864')), [
    'memory/memory.memsw.limit_in_bytes=536870912',
    'memory/memory.limit_in_bytes=268435456',
  ]);
  // Current 256M; lowering both to 32M/64M: memory must shrink first.
  assert.deepEqual(writes({ memory: { limit: 33554432, swap: 67108864 } }, at('268435456')), [
    'memory/memory.limit_in_bytes=33554432',
    'memory/memory.memsw.limit_in_bytes=67108864',
  ]);
  // Unlimited memory lifts swap too, swap first.
  assert.deepEqual(writes({ memory: { limit: -1 } }, at('268435456')), [
    'memory/memory.memsw.limit_in_bytes=-1',
    'memory/memory.limit_in_bytes=-1',
  ]);
  // Without swap accounting, -1 alone is fine and a swap limit is an error.
  const noMemsw = { ...BASE, 'memory/memory.memsw.limit_in_bytes': undefined } as unknown as Record<
    string,
    string
  >;
  assert.deepEqual(writes({ memory: { limit: -1 } }, noMemsw), ['memory/memory.limit_in_bytes=-1']);
  assert.throws(() => writes({ memory: { limit: 1 << 26, swap: 1 << 27 } }, noMemsw), {
    message: 'linux.resources.memory.swap: this kernel does not account swap (no memory.memsw files)',
  });
});

test("kernel memory is ignored with runc's warning", () => {
  assert.deepEqual(writes({ memory: { kernel: 1 << 26, kernelTCP: 1 << 20 } }), []);
  assert.deepEqual(resourceWarnings({ memory: { kernel: 1 } }), [
    'Kernel memory settings are ignored and will be removed',
  ]);
  assert.deepEqual(resourceWarnings({ memory: { limit: 1 } }), []);
});

test('CFQ weights where blkio.weight exists; pids -1 and 0', () => {
  const cfq = { ...BASE, 'blkio/blkio.weight': '500' };
  assert.deepEqual(
    writes(
      { blockIO: { weight: 200, leafWeight: 100, weightDevice: [{ major: 8, minor: 0, leafWeight: 50 }] } },
      cfq,
    ),
    ['blkio/blkio.weight=200', 'blkio/blkio.leaf_weight=100', 'blkio/blkio.leaf_weight_device=8:0 50'],
  );
  assert.deepEqual(writes({ pids: { limit: -1 } }), ['pids/pids.max=max']);
  assert.deepEqual(writes({ pids: { limit: 0 } }), ['pids/pids.max=0']);
});

test('an unknown huge page size is refused naming the entry', () => {
  assert.throws(
    () =>
      writes({
        hugepageLimits: [
          { pageSize: '2MB', limit: 1 },
          { pageSize: '16GB', limit: 1 },
        ],
      }),
    {
      message:
        'linux.resources.hugepageLimits[1].pageSize: huge page size "16GB" is not supported by this host',
    },
  );
});

test('devices: only the difference from devices.list is written', () => {
  const files = { ...BASE, 'devices/devices.list': 'c 1:3 rwm\nc 1:5 rwm\n' };
  assert.deepEqual(
    writes(
      {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 7, access: 'rw' },
        ],
      },
      files,
    ),
    ['devices/devices.deny=c 1:5 rwm', 'devices/devices.allow=c 1:7 rw'],
  );
});
