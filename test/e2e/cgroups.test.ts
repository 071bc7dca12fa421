// containerd (ctr) and podman driving a runtime's cgroup work: resource limits they put in the spec are
// visible inside the container, pause/resume go through the runtime, `ctr task ps` reads `ps --format
// json`, `podman update` calls `update -r`. runc runs the same flows as the reference that shows the
// tests themselves hold.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RUNTIME as BERTH_RUNTIME } from '../integration/runtime/harness.js';
import { engineSkipReason, importBusybox, startContainerd, startPodman, uniqueId, which } from './engines.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` holds (or 20 s pass). */
async function eventually(check: () => Promise<boolean> | boolean): Promise<boolean> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

/** Prints the cgroup limits a container sees of itself (v1 hierarchies mounted read-only by the engine). */
const SHOW_LIMITS =
  'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.shares';

for (const runtime of [BERTH_RUNTIME, which('runc') ?? 'runc']) {
  const missing = existsSync(runtime) ? undefined : `runtime "${runtime}" not found`;

  test(
    `ctr: limits, pause/resume and ps through ${runtime}`,
    { skip: engineSkipReason('containerd') ?? missing, timeout: 120_000 },
    async (t) => {
      const ctd = await startContainerd({ runtime });
      t.after(() => ctd.stop());
      const ref = await importBusybox(ctd);

      await t.test('--memory-limit, --cpus and --cpu-shares are visible inside', async () => {
        const r = await ctd.ctr([
          'run',
          '--rm',
          ...ctd.runtimeArgs,
          '--memory-limit',
          String(64 << 20),
          '--cpus',
          '0.5',
          '--cpu-shares',
          '512',
          // ctr's default spec has no /sys/fs/cgroup; this is the mount docker and podman add.
          '--mount',
          'type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:noexec:nodev',
          ref,
          uniqueId('lim'),
          'sh',
          '-c',
          SHOW_LIMITS,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${64 << 20}\n50000\n512\n`);
      });

      await t.test('task pause, resume and ps', async () => {
        const id = uniqueId('p');
        const status = async (): Promise<string> =>
          (await ctd.ctr(['task', 'ls'])).stdout
            .split('\n')
            .find((l) => l.startsWith(`${id} `))
            ?.trim()
            .split(/\s+/)[2] ?? '';
        const started = await ctd.ctr([
          'run',
          '-d',
          ...ctd.runtimeArgs,
          ref,
          id,
          'sh',
          '-c',
          'sleep 300 & wait',
        ]);
        assert.equal(started.code, 0, started.stderr);
        try {
          assert.equal(await status(), 'RUNNING');
          const p = await ctd.ctr(['task', 'pause', id]);
          assert.equal(p.code, 0, p.stderr);
          assert.equal(await status(), 'PAUSED');
          const freezer = join('/sys/fs/cgroup/freezer', ctd.namespace, id, 'freezer.state');
          assert.equal(readFileSync(freezer, 'utf8').trim(), 'FROZEN');
          const r = await ctd.ctr(['task', 'resume', id]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(await status(), 'RUNNING');
          assert.ok(
            await eventually(
              async () => (await ctd.ctr(['task', 'ps', id])).stdout.trim().split('\n').length === 3,
            ),
          );
          const ps = await ctd.ctr(['task', 'ps', id]);
          const pids = ps.stdout
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => Number(l.trim().split(/\s+/)[0]))
            .sort((a, b) => a - b);
          const procs = readFileSync(join('/sys/fs/cgroup/pids', ctd.namespace, id, 'cgroup.procs'), 'utf8');
          assert.deepEqual(
            pids,
            procs
              .trim()
              .split('\n')
              .map(Number)
              .sort((a, b) => a - b),
          );
        } finally {
          await ctd.ctr(['task', 'kill', '-a', '-s', 'KILL', id]);
          await eventually(async () => (await status()) === 'STOPPED');
          await ctd.ctr(['task', 'delete', id]);
          await ctd.ctr(['container', 'rm', id]);
        }
      });
    },
  );

  test(
    `podman: limits, pause/unpause and update through ${runtime}`,
    { skip: engineSkipReason('podman') ?? missing, timeout: 120_000 },
    async (t) => {
      const pm = await startPodman({ runtime });
      t.after(() => pm.cleanup());
      const ref = await importBusybox(pm);

      await t.test('--memory, --cpus, --cpu-shares and --pids-limit are visible inside', async () => {
        const r = await pm.podman([
          'run',
          '--rm',
          '--memory',
          '64m',
          '--cpus',
          '0.5',
          '--cpu-shares',
          '512',
          '--pids-limit',
          '50',
          ref,
          'sh',
          '-c',
          `${SHOW_LIMITS} /sys/fs/cgroup/pids/pids.max`,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `${64 << 20}\n50000\n512\n50\n`);
      });

      await t.test('pause, unpause and update of a running container', async () => {
        const name = uniqueId('u');
        const started = await pm.podman([
          'run',
          '-d',
          '--name',
          name,
          '--memory',
          '64m',
          ref,
          'sleep',
          '300',
        ]);
        assert.equal(started.code, 0, started.stderr);
        const id = started.stdout.trim();
        const cg = (hierarchy: string, file: string): string =>
          readFileSync(
            join('/sys/fs/cgroup', hierarchy, 'libpod_parent', `libpod-${id}`, file),
            'utf8',
          ).trim();
        const status = async (): Promise<string> =>
          (await pm.podman(['inspect', '--format', '{{.State.Status}}', name])).stdout.trim();
        try {
          const p = await pm.podman(['pause', name]);
          assert.equal(p.code, 0, p.stderr);
          assert.equal(await status(), 'paused');
          assert.equal(cg('freezer', 'freezer.state'), 'FROZEN');
          const u = await pm.podman(['unpause', name]);
          assert.equal(u.code, 0, u.stderr);
          assert.equal(await status(), 'running');
          // podman 4.3's update has no --pids-limit.
          const up = await pm.podman([
            'update',
            '--memory',
            '128m',
            '--cpu-shares',
            '256',
            '--cpus',
            '0.25',
            name,
          ]);
          assert.equal(up.code, 0, up.stderr);
          assert.equal(cg('memory', 'memory.limit_in_bytes'), String(128 << 20));
          assert.equal(cg('cpu', 'cpu.shares'), '256');
          assert.equal(cg('cpu', 'cpu.cfs_quota_us'), '25000');
        } finally {
          await pm.podman(['rm', '--force', '--time', '0', name]);
        }
      });
    },
  );
}
