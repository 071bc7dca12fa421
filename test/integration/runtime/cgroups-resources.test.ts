// linux.resources on the real kernel (this host: v1 controllers, hybrid): each setting is checked in
// the container's own cgroup files, and where the kernel shows it, in behaviour — a fork refused past
// pids.max, an OOM kill under a tiny memory limit. Bad settings fail create with the field named and
// nothing left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Resources } from '../../../src/oci/runtime-spec.js';
import { blockDevice, eventually, readCgroup, removeContainer, startContainer } from './cgroups-helpers.js';
import { Bundle, cgroupLeft, skipUnlessRoot, TEST_CGROUP_PARENT, TestRuntime, uniqueId } from './harness.js';

const SLEEP = ['/bin/sleep', '60'];

describe('cgroup resources', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  before(() => {
    rt = new TestRuntime();
  });
  after(async () => {
    await rt.cleanup();
  });

  /** Starts a sleeping container with `resources`, hands its id to `check`, removes it. */
  async function withResources(
    resources: Resources,
    check: (id: string) => void | Promise<void>,
  ): Promise<void> {
    const c = await startContainer(rt, SLEEP, (s) => {
      s.linux!.resources = resources;
    });
    try {
      await check(c.id);
    } finally {
      await removeContainer(rt, c);
    }
  }

  test('memory: limit, reservation, swap, swappiness, OOM killer', async () => {
    const limit = 64 << 20;
    await withResources(
      { memory: { limit, reservation: 32 << 20, swap: 96 << 20, swappiness: 10, disableOOMKiller: true } },
      (id) => {
        assert.equal(readCgroup(id, 'memory', 'memory.limit_in_bytes'), String(limit));
        assert.equal(readCgroup(id, 'memory', 'memory.soft_limit_in_bytes'), String(32 << 20));
        assert.equal(readCgroup(id, 'memory', 'memory.memsw.limit_in_bytes'), String(96 << 20));
        assert.equal(readCgroup(id, 'memory', 'memory.swappiness'), '10');
        assert.match(readCgroup(id, 'memory', 'memory.oom_control'), /^oom_kill_disable 1$/m);
      },
    );
  });

  test('cpu: shares, CFS quota and period, burst, idle, realtime period; cpuset', async () => {
    await withResources(
      {
        cpu: {
          shares: 512,
          quota: 50000,
          period: 100000,
          burst: 10000,
          idle: 0,
          realtimePeriod: 500000,
          cpus: '0',
          mems: '0',
        },
      },
      (id) => {
        assert.equal(readCgroup(id, 'cpu', 'cpu.shares'), '512');
        assert.equal(readCgroup(id, 'cpu', 'cpu.cfs_quota_us'), '50000');
        assert.equal(readCgroup(id, 'cpu', 'cpu.cfs_period_us'), '100000');
        assert.equal(readCgroup(id, 'cpu', 'cpu.cfs_burst_us'), '10000');
        assert.equal(readCgroup(id, 'cpu', 'cpu.idle'), '0');
        assert.equal(readCgroup(id, 'cpu', 'cpu.rt_period_us'), '500000');
        assert.equal(readCgroup(id, 'cpuset', 'cpuset.cpus'), '0');
        assert.equal(readCgroup(id, 'cpuset', 'cpuset.mems'), '0');
        // The container really runs on CPU 0 only.
        const pid = readCgroup(id, 'cpuset', 'cgroup.procs').split('\n')[0]!;
        assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^Cpus_allowed_list:\s+0$/m);
      },
    );
  });

  test('cpu realtime runtime: granted inside a parent with a budget, refused without one', async () => {
    // A group's rt_runtime must fit in its parent's (sched-rt-group.rst): give a private parent 20 ms/s.
    const parent = `berth-rt-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    mkdirSync(join('/sys/fs/cgroup/cpu', parent));
    try {
      writeFileSync(join('/sys/fs/cgroup/cpu', parent, 'cpu.rt_runtime_us'), '20000');
      const c = await startContainer(rt, SLEEP, (s) => {
        s.linux!.cgroupsPath = `/${parent}/rt`;
        s.linux!.resources = { cpu: { realtimePeriod: 1000000, realtimeRuntime: 10000 } };
      });
      try {
        const dir = join('/sys/fs/cgroup/cpu', parent, 'rt');
        assert.equal(readFileSync(join(dir, 'cpu.rt_runtime_us'), 'utf8').trim(), '10000');
        assert.equal(readFileSync(join(dir, 'cpu.rt_period_us'), 'utf8').trim(), '1000000');
      } finally {
        await removeContainer(rt, c);
      }
    } finally {
      for (const h of readdirSync('/sys/fs/cgroup')) {
        try {
          rmdirSync(join('/sys/fs/cgroup', h, parent));
        } catch {
          // not made in this hierarchy
        }
      }
    }
    const r = await create({ cpu: { realtimeRuntime: 10000 } });
    assert.match(
      r.stderr,
      /^runtime: cgroup: write "10000" to "[^"]+\/cpu.rt_runtime_us": invalid argument\n$/,
    );
  });

  test("cpu shares out of the kernel's range are refused with the bound", async () => {
    const r = await create({ cpu: { shares: 1 } });
    assert.equal(r.stderr, 'runtime: linux.resources.cpu.shares: the minimum allowed cpu-shares is 2\n');
  });

  test('pids: pids.max is set and refuses forks past it', async () => {
    await withResources({ pids: { limit: 4 } }, (id) => {
      assert.equal(readCgroup(id, 'pids', 'pids.max'), '4');
    });
    // Three sleepers fit beside sh under a limit of 4; the fourth cannot be forked, and ash gives up.
    const b = await Bundle.create([
      '/bin/sh',
      '-c',
      'for i in 1 2 3 4 5; do sleep 30 & done 2>/tmp/err; echo unreachable',
    ]);
    try {
      const id = uniqueId('pids');
      b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
      b.spec.linux!.resources = { pids: { limit: 4 } };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, id]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(
        readFileSync(join(b.rootfs, 'tmp', 'err'), 'utf8'),
        /can't fork: Resource temporarily unavailable/,
      );
    } finally {
      b.remove();
    }
  });

  test('blkio: BFQ weight and throttles on a real disk', async () => {
    const dev = blockDevice();
    const d = `${dev.major}:${dev.minor}`;
    await withResources(
      {
        blockIO: {
          weight: 500,
          throttleReadBpsDevice: [{ ...dev, rate: 1048576 }],
          throttleWriteBpsDevice: [{ ...dev, rate: 2097152 }],
          throttleReadIOPSDevice: [{ ...dev, rate: 100 }],
          throttleWriteIOPSDevice: [{ ...dev, rate: 50 }],
        },
      },
      (id) => {
        assert.match(readCgroup(id, 'blkio', 'blkio.bfq.weight'), /^(default )?500$/m);
        assert.equal(readCgroup(id, 'blkio', 'blkio.throttle.read_bps_device'), `${d} 1048576`);
        assert.equal(readCgroup(id, 'blkio', 'blkio.throttle.write_bps_device'), `${d} 2097152`);
        assert.equal(readCgroup(id, 'blkio', 'blkio.throttle.read_iops_device'), `${d} 100`);
        assert.equal(readCgroup(id, 'blkio', 'blkio.throttle.write_iops_device'), `${d} 50`);
      },
    );
  });

  test('hugetlb limits, fault and reservation', async () => {
    await withResources({ hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }] }, (id) => {
      assert.equal(readCgroup(id, 'hugetlb', 'hugetlb.2MB.limit_in_bytes'), String(8 << 20));
      assert.equal(readCgroup(id, 'hugetlb', 'hugetlb.2MB.rsvd.limit_in_bytes'), String(8 << 20));
    });
  });

  test(
    'network: net_cls class id and net_prio priorities',
    { skip: !existsSync('/sys/fs/cgroup/net_cls,net_prio') && 'net_cls,net_prio is not mounted' },
    async () => {
      await withResources(
        { network: { classID: 0x100001, priorities: [{ name: 'lo', priority: 5 }] } },
        (id) => {
          assert.equal(readCgroup(id, 'net_cls,net_prio', 'net_cls.classid'), String(0x100001));
          assert.match(readCgroup(id, 'net_cls,net_prio', 'net_prio.ifpriomap'), /^lo 5$/m);
        },
      );
    },
  );

  test('an OOM kill under a tiny memory limit', async () => {
    const c = await startContainer(rt, ['/bin/sh', '-c', 'x=a; while true; do x="$x$x"; done'], (s) => {
      s.linux!.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } };
    });
    try {
      assert.ok(
        await eventually(() => /^oom_kill [1-9]/m.test(readCgroup(c.id, 'memory', 'memory.oom_control'))),
        'no OOM kill',
      );
      assert.ok(await eventually(async () => (await rt.state(c.id)).status === 'stopped'), 'still running');
    } finally {
      await removeContainer(rt, c);
    }
  });

  /** `create` with `resources`; asserts it failed and left nothing behind. */
  async function create(resources: unknown): Promise<{ stderr: string }> {
    const b = await Bundle.create(SLEEP);
    try {
      const id = uniqueId('bad');
      b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
      b.spec.linux!.resources = resources as Resources;
      b.write();
      const r = await rt.runDetached(['create', '-b', b.dir, id]);
      assert.equal(r.code, 1, `create succeeded: ${r.stdout}`);
      assert.equal(existsSync(join(rt.root, id)), false, 'state left behind');
      assert.equal(cgroupLeft(`${TEST_CGROUP_PARENT}/${id}`), undefined, 'cgroup left behind');
      return r;
    } finally {
      b.remove();
    }
  }

  test('bad resources fail create with the field named and nothing left', async () => {
    assert.equal(
      (await create({ memory: { limit: '64m' } })).stderr,
      'runtime: linux.resources.memory.limit: must be an integer, got "64m"\n',
    );
    assert.equal(
      (await create({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] })).stderr,
      'runtime: linux.resources.hugepageLimits[0].pageSize: huge page size "3MB" is not supported by this host\n',
    );
    // cgroup2 here carries no controllers: its files cannot be set.
    assert.equal(
      (await create({ unified: { 'memory.max': '1000000' } })).stderr,
      'runtime: linux.resources.unified["memory.max"]: the memory controller is not enabled in this host\'s cgroup2 hierarchy\n',
    );
  });

  test('unified cgroup2 core files are written on this hybrid host', async () => {
    await withResources({ unified: { 'cgroup.max.descendants': '7' } }, (id) => {
      assert.equal(readCgroup(id, 'unified', 'cgroup.max.descendants'), '7');
    });
  });

  test("kernel memory is ignored with runc's warning", async () => {
    const b = await Bundle.create(['/bin/true']);
    try {
      const id = uniqueId('kmem');
      b.spec.linux!.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
      b.spec.linux!.resources = { memory: { kernel: 64 << 20, kernelTCP: 1 << 20 } };
      b.write();
      const r = await rt.run(['run', '-b', b.dir, id]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'runtime: warning: Kernel memory settings are ignored and will be removed\n');
    } finally {
      b.remove();
    }
  });
});
