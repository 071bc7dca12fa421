// `update` on a running container: flags and `-r` JSON change the container's cgroup files, raising and
// lowering memory+swap in either order, values persist in the state for the next update, and a limit the
// kernel refuses is reported with runc's words and put back.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Resources } from '../../../src/oci/runtime-spec.js';
import { eventually, readCgroup, removeContainer, startContainer, type Started } from './cgroups-helpers.js';
import { skipUnlessRoot, TestRuntime } from './harness.js';

const MB = 1 << 20;

describe('update', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let c: Started;
  before(async () => {
    rt = new TestRuntime();
    c = await startContainer(rt, ['/bin/sleep', '300'], (s) => {
      s.linux!.resources = {
        memory: { limit: 64 * MB, swap: 128 * MB },
        cpu: { shares: 512 },
        pids: { limit: 20 },
      };
    });
  });
  after(async () => {
    await removeContainer(rt, c);
    await rt.cleanup();
  });

  const saved = (): Resources =>
    (
      JSON.parse(readFileSync(join(rt.root, c.id, 'state.json'), 'utf8')) as {
        spec: { linux: { resources: Resources } };
      }
    ).spec.linux.resources;

  const ok = async (args: string[], input?: string): Promise<void> => {
    const r = await rt.run(['update', ...args, c.id], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
  };

  test('flags raise memory and swap (swap first), cpu, pids, blkio, cpuset', async () => {
    await ok([
      '--memory',
      '256m',
      '--memory-swap',
      '512M',
      '--memory-reservation',
      '100m',
      '--cpu-share',
      '1024',
      '--cpu-quota',
      '20000',
      '--cpu-period',
      '100000',
      '--pids-limit',
      '30',
      '--blkio-weight',
      '300',
      '--cpuset-cpus',
      '0',
    ]);
    assert.equal(readCgroup(c.id, 'memory', 'memory.limit_in_bytes'), String(256 * MB));
    assert.equal(readCgroup(c.id, 'memory', 'memory.memsw.limit_in_bytes'), String(512 * MB));
    assert.equal(readCgroup(c.id, 'memory', 'memory.soft_limit_in_bytes'), String(100 * MB));
    assert.equal(readCgroup(c.id, 'cpu', 'cpu.shares'), '1024');
    assert.equal(readCgroup(c.id, 'cpu', 'cpu.cfs_quota_us'), '20000');
    assert.equal(readCgroup(c.id, 'cpu', 'cpu.cfs_period_us'), '100000');
    assert.equal(readCgroup(c.id, 'pids', 'pids.max'), '30');
    assert.match(readCgroup(c.id, 'blkio', 'blkio.bfq.weight'), /^(default )?300$/m);
    assert.equal(readCgroup(c.id, 'cpuset', 'cpuset.cpus'), '0');
  });

  test('lowering memory and swap below the old memory limit goes memory first', async () => {
    await ok(['--memory', '32m', '--memory-swap', '48m']);
    assert.equal(readCgroup(c.id, 'memory', 'memory.limit_in_bytes'), String(32 * MB));
    assert.equal(readCgroup(c.id, 'memory', 'memory.memsw.limit_in_bytes'), String(48 * MB));
  });

  test('-r - reads LinuxResources JSON from stdin; values persist for later updates', async () => {
    await ok(
      ['-r', '-'],
      JSON.stringify({
        memory: { limit: 100 * MB, swap: 200 * MB },
        cpu: { shares: 256 },
        pids: { limit: -1 },
      }),
    );
    assert.equal(readCgroup(c.id, 'memory', 'memory.limit_in_bytes'), String(100 * MB));
    assert.equal(readCgroup(c.id, 'cpu', 'cpu.shares'), '256');
    assert.equal(readCgroup(c.id, 'pids', 'pids.max'), 'max');
    await ok(['--cpu-quota', '30000']);
    const r = saved();
    assert.equal(r.cpu?.shares, 256);
    assert.equal(r.cpu?.quota, 30000);
    assert.equal(r.memory?.limit, 100 * MB);
    assert.equal(r.memory?.reservation, 100 * MB);
    assert.deepEqual(r.pids, { limit: -1 });
    assert.equal(readCgroup(c.id, 'cpu', 'cpu.cfs_quota_us'), '30000');
  });

  test('-r FILE can change the device rules', async () => {
    const file = join(c.bundle.dir, 'resources.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 200, access: 'r' },
        ],
      }),
    );
    await ok(['-r', file]);
    const list = readCgroup(c.id, 'devices', 'devices.list').split('\n');
    assert.ok(list.includes('c 1:200 r'), list.join('\n'));
    assert.ok(list.includes('c 1:3 rwm'), 'the default devices stay');
    assert.deepEqual(saved().devices?.[1], { allow: true, type: 'c', major: 1, minor: 200, access: 'r' });
  });

  test('a limit below the usage is refused with the usage, and the old limit stays', async () => {
    const before = readCgroup(c.id, 'memory', 'memory.limit_in_bytes');
    const r = await rt.run(['update', '--memory', '4096', c.id]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^runtime: cgroup: unable to set memory limit to 4096 \(current usage: \d+, peak usage: \d+\)\n$/,
    );
    assert.equal(readCgroup(c.id, 'memory', 'memory.limit_in_bytes'), before);
    assert.equal(saved().memory?.limit, 100 * MB, 'a refused update is not saved');
  });

  test('bad flags and JSON are refused naming them', async () => {
    const cases: [string[], string, string?][] = [
      [['--memory', '12x'], 'runtime: invalid value for memory: invalid size: "12x"\n'],
      [['--cpu-share', '-5'], 'runtime: invalid value for cpu-share: "-5" is not a non-negative integer\n'],
      [
        ['--cpuset-cpus', 'all'],
        'runtime: invalid value for cpuset-cpus: "all" is not a cpu list (e.g. "0-3,7")\n',
      ],
      [['--pids-limit', 'many'], 'runtime: invalid value "many" for flag -pids-limit: parse error\n'],
      [['--l3-cache-schema', 'L3:0=f'], 'runtime: Intel RDT/CAT: l3 cache schema is not enabled\n'],
      [
        ['-r', '-'],
        'runtime: --resources.memory.limit: must be an integer, got "1g"\n',
        '{"memory":{"limit":"1g"}}',
      ],
      [['-r', '-'], 'runtime: --resources: invalid JSON: Unexpected end of JSON input\n', ''],
      [
        ['-r', '/nonexistent/r.json'],
        'runtime: --resources: read "/nonexistent/r.json": ENOENT: no such file or directory, open \'/nonexistent/r.json\'\n',
      ],
    ];
    for (const [args, stderr, input] of cases) {
      const r = await rt.run(['update', ...args, c.id], { input });
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stderr, stderr);
    }
    const warned = await rt.run(['update', '--kernel-memory', '64m', c.id]);
    assert.equal(warned.code, 0);
    assert.equal(warned.stderr, 'runtime: warning: Setting --kernel-memory is ignored and will be removed\n');
  });

  test('a stopped container cannot be updated', async () => {
    const s = await startContainer(rt, ['/bin/true']);
    try {
      assert.ok(await eventually(async () => (await rt.state(s.id)).status === 'stopped'));
      const r = await rt.run(['update', '--memory', '64m', s.id]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'runtime: container not running\n');
    } finally {
      await removeContainer(rt, s);
    }
  });
});
