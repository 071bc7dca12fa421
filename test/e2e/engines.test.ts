// containerd (ctr + containerd-shim-runc-v2) and podman (conmon) driving OCI runtime binaries:
// berth-runtime, and runc as the reference that shows the tests themselves hold. The engines run on
// private paths (engines.ts) and everything they create is removed afterwards.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { RUNTIME as BERTH_RUNTIME } from '../integration/runtime/harness.js';
import {
  engineSkipReason,
  importBusybox,
  mountsUnder,
  startContainerd,
  startPodman,
  uniqueId,
  which,
} from './engines.js';

for (const runtime of [BERTH_RUNTIME, which('runc') ?? 'runc']) {
  test(
    `ctr drives ${runtime}`,
    { skip: engineSkipReason('containerd') ?? missing(runtime), timeout: 120_000 },
    async (t) => {
      const ctd = await startContainerd({ runtime });
      t.after(async () => {
        await ctd.stop();
        assert.deepEqual(mountsUnder(ctd.dir), [], 'no mounts left under the containerd dir');
        assert.equal(existsSync(ctd.dir), false, 'containerd dir removed');
      });
      const ref = await importBusybox(ctd);
      const run = (args: string[], tty = false) =>
        ctd.ctr(['run', '--rm', ...(tty ? ['-t'] : []), ...ctd.runtimeArgs, ref, uniqueId('c'), ...args], {
          tty,
        });

      await t.test('stdout of echo reaches ctr', async () => {
        const r = await run(['sh', '-c', 'echo hi']);
        assert.equal(r.stderr, '');
        assert.equal(r.stdout, 'hi\n');
        assert.equal(r.code, 0);
      });

      await t.test('exit code propagates', async () => {
        const r = await run(['sh', '-c', 'exit 3']);
        assert.equal(r.code, 3, r.stderr);
      });

      await t.test('-t gives the process a terminal', async () => {
        const r = await run(['sh', '-c', 'tty; echo hi; exit 4'], true);
        // The container's pty turns \n into \r\n; the outer pty (ours) may add another \r.
        assert.match(r.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\nhi\n$/);
        assert.equal(r.code, 4);
      });

      await t.test(
        'ctr task exec runs in the container, with its status, and -t gives it a terminal',
        async () => {
          const id = uniqueId('x');
          const started = await ctd.ctr(['run', '-d', ...ctd.runtimeArgs, ref, id, 'sleep', '300']);
          assert.equal(started.code, 0, started.stderr);
          try {
            const exec = (args: string[], tty = false) =>
              ctd.ctr(
                [
                  'task',
                  'exec',
                  '--fifo-dir',
                  ctd.fifoDir,
                  ...(tty ? ['-t'] : []),
                  '--exec-id',
                  uniqueId('e'),
                  id,
                  ...args,
                ],
                { tty },
              );
            const r = await exec(['sh', '-c', 'echo hi; readlink /proc/1/exe; exit 5']);
            assert.equal(r.stdout, 'hi\n/bin/busybox\n', r.stderr);
            assert.equal(r.code, 5);
            const t2 = await exec(['sh', '-c', 'tty; exit 6'], true);
            // ctr may add its own "resize pty ... stopped container" error (with runc too): a race of ctr's.
            assert.match(t2.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\n/);
            assert.equal(t2.code, 6);
            const bad = await exec(['/nonexistent']);
            assert.notEqual(bad.code, 0);
            assert.match(bad.stderr, /OCI runtime exec failed: .*nonexistent/);
          } finally {
            await ctd.ctr(['task', 'kill', '-a', '-s', 'KILL', id]);
            await waitTaskGone(ctd, id);
            await ctd.ctr(['container', 'rm', id]);
          }
        },
      );

      await t.test('no task or container is left', async () => {
        assert.equal((await ctd.ctr(['task', 'ls', '-q'])).stdout, '');
        assert.equal((await ctd.ctr(['container', 'ls', '-q'])).stdout, '');
      });
    },
  );

  test(
    `podman drives ${runtime}`,
    { skip: engineSkipReason('podman') ?? missing(runtime), timeout: 120_000 },
    async (t) => {
      const pm = await startPodman({ runtime });
      t.after(async () => {
        await pm.cleanup();
        assert.deepEqual(mountsUnder(pm.dir), [], 'no mounts left under the podman dir');
        assert.equal(existsSync(pm.dir), false, 'podman dir removed');
      });
      const ref = await importBusybox(pm);
      const run = (args: string[], tty = false) =>
        pm.podman(['run', '--rm', ...(tty ? ['-t'] : []), ref, ...args], { tty });

      await t.test('stdout of echo reaches podman', async () => {
        const r = await run(['sh', '-c', 'echo hi']);
        assert.equal(r.stderr, '');
        assert.equal(r.stdout, 'hi\n');
        assert.equal(r.code, 0);
      });

      await t.test('exit code propagates', async () => {
        const r = await run(['sh', '-c', 'exit 3']);
        assert.equal(r.code, 3, r.stderr);
      });

      await t.test('-t gives the process a terminal', async () => {
        const r = await run(['sh', '-c', 'tty; echo hi; exit 4'], true);
        // The container's pty turns \n into \r\n; the outer pty (ours) may add another \r.
        assert.match(r.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\nhi\n$/);
        assert.equal(r.code, 4);
      });

      await t.test(
        'podman exec runs in the container, with its status, and -t gives it a terminal',
        async () => {
          const started = await pm.podman(['run', '-d', ref, 'sleep', '300']);
          assert.equal(started.code, 0, started.stderr);
          const ctr = started.stdout.trim();
          try {
            const r = await pm.podman(['exec', ctr, 'sh', '-c', 'echo hi; readlink /proc/1/exe; exit 5']);
            assert.equal(r.stdout, 'hi\n/bin/busybox\n', r.stderr);
            assert.equal(r.code, 5);
            const t2 = await pm.podman(['exec', '-t', ctr, 'sh', '-c', 'tty; exit 6'], { tty: true });
            assert.match(t2.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\n$/);
            assert.equal(t2.code, 6);
            const bad = await pm.podman(['exec', ctr, '/nonexistent']);
            assert.equal(bad.code, 127, bad.stderr);
          } finally {
            await pm.podman(['rm', '-f', '-t', '0', ctr]);
          }
        },
      );

      await t.test('no container is left', async () => {
        const r = await pm.podman(['ps', '--all', '--quiet']);
        assert.equal(r.stdout, '');
      });
    },
  );
}

/** Waits until ctr no longer lists task `id` (after a kill). */
async function waitTaskGone(
  ctd: { ctr(args: string[]): Promise<{ stdout: string }> },
  id: string,
): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const tasks = (await ctd.ctr(['task', 'ls', '-q'])).stdout.split('\n');
    if (!tasks.includes(id)) return;
    const r = await ctd.ctr(['task', 'rm', id]);
    if (r.stdout === '' && !(await ctd.ctr(['task', 'ls', '-q'])).stdout.split('\n').includes(id)) return;
    await new Promise((r) => setTimeout(r, 40));
  }
}

function missing(runtime: string): string | undefined {
  return existsSync(runtime) ? undefined : `runtime "${runtime}" not found`;
}
