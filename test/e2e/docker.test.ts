// Debian's dockerd with berth-runtime added as `--add-runtime berth=<path>` (and runc, dockerd's default,
// as the reference): `docker run --memory --cpus --pids-limit` limits are visible inside the container;
// `docker pause/unpause`, `docker top`, `docker stats` and `docker update` work through the runtime.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUNTIME as BERTH_RUNTIME } from '../integration/runtime/harness.js';
import { dockerSkipReason, mountsUnder, startDockerd } from './dockerd.js';
import { uniqueId } from './engines.js';

const RUNTIMES = ['berth', 'runc'];

test('dockerd drives berth-runtime and runc', { skip: dockerSkipReason(), timeout: 180_000 }, async (t) => {
  const dockerd = await startDockerd({ berth: BERTH_RUNTIME });
  t.after(async () => {
    await dockerd.stop();
    assert.deepEqual(mountsUnder(dockerd.dir), [], 'no mounts left under the dockerd dir');
    assert.equal(existsSync(dockerd.dir), false, 'dockerd dir removed');
  });
  const image = await dockerd.loadBusybox();
  const { docker } = dockerd;

  for (const runtime of RUNTIMES) {
    await t.test(`${runtime}: --memory, --cpus and --pids-limit are visible inside`, async () => {
      const r = await docker([
        'run',
        '--rm',
        '--runtime',
        runtime,
        '--network',
        'none',
        '--memory',
        '64m',
        '--cpus',
        '0.5',
        '--pids-limit',
        '50',
        image,
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${64 << 20}\n50000\n50\n`);
    });

    await t.test(`${runtime}: pause, unpause, top, stats and update of a running container`, async () => {
      const name = uniqueId('d');
      const run = await docker([
        'run',
        '-d',
        '--name',
        name,
        '--runtime',
        runtime,
        '--network',
        'none',
        '--memory',
        '64m',
        image,
        'sh',
        '-c',
        'sleep 301 & sleep 302',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const id = run.stdout.trim();
      const cg = (hierarchy: string, file: string): string =>
        readFileSync(join('/sys/fs/cgroup', hierarchy, 'docker', id, file), 'utf8').trim();
      try {
        assert.equal((await docker(['pause', name])).code, 0);
        assert.equal((await docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim(), 'paused');
        assert.equal(cg('freezer', 'freezer.state'), 'FROZEN');
        assert.equal((await docker(['unpause', name])).code, 0);
        assert.equal((await docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim(), 'running');

        // docker top: dockerd → containerd → the shim → `ps --format json`.
        const top = await docker(['top', name]);
        assert.equal(top.code, 0, top.stderr);
        const rows = top.stdout.trim().split('\n');
        assert.match(rows[0]!, /^UID\s+PID\s+PPID/);
        assert.deepEqual(
          rows
            .slice(1)
            .map((l) => l.split(/\s+/).at(-1))
            .sort(),
          ['301', '302'],
        );

        const stats = await docker(['stats', '--no-stream', '--format', '{{.MemUsage}} {{.PIDs}}', name]);
        assert.equal(stats.code, 0, stats.stderr);
        assert.match(stats.stdout.trim(), /^[\d.]+[KMG]iB \/ 64MiB 2$/);

        // docker update: the shim pipes LinuxResources JSON to `update -r -`.
        const up = await docker([
          'update',
          '--memory',
          '128m',
          '--memory-swap',
          '256m',
          '--cpus',
          '0.25',
          '--pids-limit',
          '40',
          name,
        ]);
        assert.equal(up.code, 0, up.stderr);
        assert.equal(cg('memory', 'memory.limit_in_bytes'), String(128 << 20));
        assert.equal(cg('memory', 'memory.memsw.limit_in_bytes'), String(256 << 20));
        assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '25000');
        assert.equal(cg('pids', 'pids.max'), '40');
      } finally {
        await docker(['rm', '-f', name]);
      }
    });
  }
});
