// The docker CLI and a private dockerd (Debian's docker.io 20.10, its own containerd and
// containerd-shim-runc-v2) driving berth-runtime through `--add-runtime berth=<dist/berth-runtime>`, and
// runc (dockerd's default) as the reference that shows each test can pass. Tests of what berth-runtime
// does not have yet (exec, pause/resume, ps, update: others are adding them) skip with the reason until
// its --help lists the command.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unlessRuntimeHas } from '../integration/runtime/hardening-attacker.js';
import { RUNTIME as BERTH_RUNTIME } from '../integration/runtime/harness.js';
import { type Dockerd, dockerdSkipReason, loadBusybox, startDockerd } from './dockerd.js';
import { mountsUnder, runCommand, uniqueId } from './engines.js';

/** The limits as the container reads them from its own cgroup files (v1 here; v2 on unified hosts). */
const READ_LIMITS = [
  'if [ -f /sys/fs/cgroup/cgroup.controllers ]; then',
  '  cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/pids.max',
  'else',
  '  cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
  '  echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"',
  '  cat /sys/fs/cgroup/pids/pids.max',
  'fi',
].join('\n');

/** A cgroup file of process `pid`, read on the host: `controller` names the v1 hierarchy. */
function cgroupFile(pid: number, controller: string, v1File: string, v2File: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
  for (const line of lines) {
    const [, controllers, path] = line.split(':') as [string, string, string];
    if (controllers.split(',').includes(controller)) {
      const mount = controllers.startsWith('name=') ? controllers.slice(5) : controllers;
      return readFileSync(join('/sys/fs/cgroup', mount, path, v1File), 'utf8').trim();
    }
  }
  const v2 = lines.find((l) => l.startsWith('0::'))!.slice(3);
  return readFileSync(join('/sys/fs/cgroup', v2, v2File), 'utf8').trim();
}

describe('dockerd drives OCI runtimes', { skip: dockerdSkipReason(), timeout: 900_000 }, () => {
  let d: Dockerd;
  let image: string;
  before(async () => {
    d = await startDockerd({ berth: BERTH_RUNTIME });
    image = await loadBusybox(d);
  });
  after(async () => {
    const dir = d?.dir;
    await d?.stop();
    if (dir === undefined) return;
    assert.deepEqual(mountsUnder(dir), [], 'no mounts left under the dockerd dir');
    assert.equal(existsSync(dir), false, 'dockerd dir removed');
    assert.equal(existsSync(join('/sys/fs/cgroup/memory', d.cgroupParent)), false, 'cgroup parent removed');
  });

  for (const runtime of ['berth', 'runc']) {
    describe(`--runtime ${runtime}`, () => {
      /** Skips for berth-runtime until it has `command`; runc has them all. */
      const unlessHas = (...commands: string[]): string | false =>
        runtime === 'berth' ? (commands.map(unlessRuntimeHas).find((r) => r !== false) ?? false) : false;
      const run = (args: string[], opts: { input?: string; tty?: boolean } = {}) =>
        d.docker(['run', '--runtime', runtime, '--rm', '--network', 'none', ...args], {
          ...opts,
          timeoutMs: 120_000,
        });

      test('docker run with limits: the container reads them from its cgroup files', async () => {
        const r = await run([
          ...['--memory', '64m', '--cpus', '0.5', '--pids-limit', '50'],
          image,
          ...['sh', '-c', READ_LIMITS],
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split('\n'), ['67108864', '50000 100000', '50']);
      });

      test('the exit code propagates', async () => {
        const r = await run([image, 'sh', '-c', 'echo out; echo err >&2; exit 7']);
        assert.equal(r.code, 7, r.stderr);
        assert.equal(r.stdout, 'out\n');
        assert.equal(r.stderr, 'err\n');
      });

      test('-t gives the process a terminal', async () => {
        const r = await run(['-t', image, 'sh', '-c', 'tty; exit 4'], { tty: true });
        assert.match(r.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\n$/);
        assert.equal(r.code, 4);
      });

      test('-i passes stdin', async () => {
        const r = await run(['-i', image, 'sh', '-c', 'cat; echo done'], { input: 'from stdin\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'from stdin\ndone\n');
      });

      describe('a running container', () => {
        const name = uniqueId(`dk-${runtime}`);
        let id: string;
        let pid: number;
        before(async () => {
          const r = await d.docker(
            ['run', '-d', '--runtime', runtime, '--name', name, '--network', 'none'].concat([
              '--memory',
              '64m',
              '--pids-limit',
              '50',
              image,
              'sleep',
              '600',
            ]),
            { timeoutMs: 120_000 },
          );
          assert.equal(r.code, 0, r.stderr);
          id = r.stdout.trim();
          pid = Number((await d.docker(['inspect', '-f', '{{.State.Pid}}', name])).stdout.trim());
        });
        after(async () => {
          await d.docker(['rm', '-f', name], { timeoutMs: 60_000 });
        });

        test(`it runs under ${runtime}: that runtime's state says so`, async () => {
          // containerd-shim-runc-v2 runs the runtime with --root <exec-root>/runtime-<...>/moby (dockerd 20.10
          // says runtime-runc for every runtime); the runtime that made the container knows it there.
          const roots = readdirSync(join(d.dir, 'exec'))
            .filter((n) => n.startsWith('runtime-'))
            .map((n) => join(d.dir, 'exec', n, 'moby'));
          const root = roots.find((r) => existsSync(join(r, id)));
          assert.ok(root, `no runtime root holds ${id}: ${roots.join(', ')}`);
          const binary = runtime === 'berth' ? BERTH_RUNTIME : 'runc';
          const r = await runCommand(binary, ['--root', root, 'state', id]);
          assert.equal(r.code, 0, r.stderr);
          const state = JSON.parse(r.stdout) as { status: string; pid: number };
          assert.equal(state.status, 'running');
          assert.equal(state.pid, pid);
        });

        test('docker stats --no-stream', async () => {
          const r = await d.docker(['stats', '--no-stream', '--format', '{{.PIDs}} {{.MemUsage}}', name]);
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stdout.trim(), /^1 [\d.]+[KMG]?i?B \/ 64MiB$/);
        });

        test('docker exec', { skip: unlessHas('exec') }, async () => {
          const r = await d.docker([
            'exec',
            name,
            'sh',
            '-c',
            'echo in $(cat /proc/1/cmdline | tr "\\0" " "); exit 5',
          ]);
          assert.equal(r.code, 5, r.stderr);
          assert.equal(r.stdout, 'in sleep 600\n');
          const i = await d.docker(['exec', '-i', name, 'cat'], { input: 'exec stdin\n' });
          assert.equal(i.stdout, 'exec stdin\n');
          const t = await d.docker(['exec', '-t', name, 'tty'], { tty: true });
          assert.match(t.stdout.replace(/\r+\n/g, '\n'), /^\/dev\/pts\/\d+\n$/);
        });

        test('docker top', { skip: unlessHas('ps') }, async () => {
          const r = await d.docker(['top', name]);
          assert.equal(r.code, 0, r.stderr);
          const rows = r.stdout.trim().split('\n');
          assert.match(rows[0]!, /PID/);
          assert.ok(
            rows.some((row) => row.includes(String(pid)) && row.endsWith('sleep 600')),
            r.stdout,
          );
        });

        test('docker pause and unpause', { skip: unlessHas('pause', 'resume') }, async () => {
          const status = async (): Promise<string> =>
            (await d.docker(['inspect', '-f', '{{.State.Status}}', name])).stdout.trim();
          const freezer = (): string => cgroupFile(pid, 'freezer', 'freezer.state', 'cgroup.freeze');
          assert.equal((await d.docker(['pause', name])).code, 0);
          assert.equal(await status(), 'paused');
          assert.match(freezer(), /^(FROZEN|1)$/);
          assert.equal((await d.docker(['unpause', name])).code, 0);
          assert.equal(await status(), 'running');
          assert.match(freezer(), /^(THAWED|0)$/);
        });

        test('docker update', { skip: unlessHas('update') }, async () => {
          const r = await d.docker([
            'update',
            '--memory',
            '128m',
            '--memory-swap',
            '256m',
            '--cpus',
            '1.5',
            '--pids-limit',
            '60',
            name,
          ]);
          assert.equal(r.code, 0, r.stderr);
          assert.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), '134217728');
          assert.match(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us', 'cpu.max'), /^150000( 100000)?$/);
          assert.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '60');
        });
      });
    });
  }
});
