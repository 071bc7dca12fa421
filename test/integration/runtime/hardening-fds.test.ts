// CVE-2024-21626 class: nothing of the host reaches the container through a working directory or an fd.
// runc 1.1.11 leaked an fd of the host's cgroupfs into `runc init`, and a process.cwd of
// "/proc/self/fd/7" then left the container's process in a host directory, from which ".." climbs to the
// host's root. Here: the runtime's own cwd, fds that its caller forgot to mark close-on-exec, and every
// fd berth-init holds while it sets the container up.
import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unlessRuntimeHas } from './hardening-attacker.js';
import {
  Bundle,
  RUNTIME,
  runtimeEnv,
  skipUnlessRoot,
  TestRuntime,
  uniqueId,
  type Result,
} from './harness.js';

describe('hardening: no host fd or cwd reaches the container', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let host: string; // a host directory with a marker file, the runtime's cwd and its callers' stray fds
  let io: string; // the runtime's stdout and stderr files
  const bundles: Bundle[] = [];
  before(() => {
    rt = new TestRuntime();
    host = mkdtempSync(join(tmpdir(), 'berth-harden-fds-'));
    io = mkdtempSync(join(tmpdir(), 'berth-harden-io-'));
    writeFileSync(join(host, 'host-marker'), 'the host\n');
  });
  after(async () => {
    await rt.cleanup();
    for (const b of bundles) b.remove();
    rmSync(host, { recursive: true, force: true });
    rmSync(io, { recursive: true, force: true });
  });

  async function bundle(args: string[]): Promise<Bundle> {
    const b = await Bundle.create(args);
    bundles.push(b);
    return b.write();
  }

  /**
   * Runs berth-runtime from `host` with `extra` open in it at the given fd numbers (what a careless caller
   * leaks). Output goes through files and the result is taken at exit: a created container keeps its
   * stdio open.
   */
  function runtime(args: string[], extra: Record<number, number> = {}): Promise<Result> {
    const out = openSync(join(io, 'out'), 'w+');
    const err = openSync(join(io, 'err'), 'w+');
    const stdio: StdioOptions = ['ignore', out, err];
    for (const [fd, source] of Object.entries(extra)) stdio[Number(fd)] = source;
    for (let i = 0; i < stdio.length; i++) stdio[i] ??= 'ignore';
    return new Promise((resolve, reject) => {
      const child = spawn(RUNTIME, ['--root', rt.root, ...args], { env: runtimeEnv(), stdio, cwd: host });
      child.on('error', reject);
      child.on('exit', (code) => {
        closeSync(out);
        closeSync(err);
        const read = (name: string): string => readFileSync(join(io, name), 'utf8');
        resolve({ code: code ?? 1, stdout: read('out'), stderr: read('err') });
      });
    });
  }

  /**
   * A host directory and a host file, to be left open at fds 30 and 40 of the runtime. (Node marks its
   * inherited fds up to 16 close-on-exec at startup, so a low fd would never get as far as berth-init;
   * higher ones do, as fd 251 of some shells does.)
   */
  function leaky(): { fds: Record<number, number>; close(): void } {
    const dir = openSync(host, 'r');
    const file = openSync(join(host, 'host-marker'), 'r');
    return { fds: { 30: dir, 40: file }, close: () => [dir, file].forEach((fd) => closeSync(fd)) };
  }

  test("the runtime's cwd is not the container's: /proc/self/cwd and /proc/1/cwd are its root", async () => {
    const b = await bundle([
      '/bin/sh',
      '-c',
      'readlink /proc/self/cwd; readlink /proc/1/cwd; ls /proc/1/cwd/ /proc/self/cwd/',
    ]);
    for (const extra of [[], ['--no-pivot']]) {
      const r = await runtime(['run', ...extra, '-b', b.dir, uniqueId('cwd')]);
      assert.equal(r.code, 0, r.stderr);
      const [self, one, ...listing] = r.stdout.trim().split('\n');
      assert.equal(self, '/');
      assert.equal(one, '/');
      assert.ok(listing.includes('bin'), r.stdout);
      assert.equal(r.stdout.includes('host-marker'), false, r.stdout);
    }
  });

  test('fds the caller left open reach neither the container nor berth-init while it sets up', async () => {
    // While the container waits on its exec fifo (berth-init, before execve): what it holds, seen from here.
    const b = await bundle(['/bin/testinit', 'fds']);
    const id = uniqueId('fds');
    const leak = leaky();
    try {
      const created = await runtime(['create', '-b', b.dir, id], leak.fds);
      assert.equal(created.code, 0, created.stderr);
      const { pid } = await rt.state(id);
      const held = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
      assert.equal(
        held.some((t) => t.startsWith(host)),
        false,
        `berth-init holds ${held.join(', ')}`,
      );
    } finally {
      leak.close();
      await rt.run(['delete', '--force', id]);
    }

    // The program itself: 0, 1, 2, and with --preserve-fds 1 fd 3; never the stray ones.
    for (const preserve of [0, 1]) {
      const stray = leaky();
      const keep = openSync(join(host, 'host-marker'), 'r');
      try {
        const r = await runtime(['run', '--preserve-fds', String(preserve), '-b', b.dir, uniqueId('fds')], {
          ...stray.fds,
          3: keep,
        });
        assert.equal(r.code, 0, r.stderr);
        const fds = JSON.parse(r.stdout) as { fd: number; target: string }[];
        assert.deepEqual(
          fds.map((f) => f.fd),
          preserve ? [0, 1, 2, 3] : [0, 1, 2],
        );
        // The stdio we gave, nothing else of the host's.
        assert.deepEqual(
          fds.slice(0, 3).map((f) => f.target),
          ['/dev/null', join(io, 'out'), join(io, 'err')],
        );
      } finally {
        stray.close();
        closeSync(keep);
      }
    }
  });

  test('a process.cwd of /proc/self/fd/N names no fd of berth-init: nothing escapes to the host', async () => {
    // The CVE's exploit: from a host directory, ".." climbs to the host's root; the marker would land there.
    const marker = `berth-escape-${process.pid}-${Date.now()}`;
    const b = await bundle([
      '/bin/sh',
      '-c',
      `readlink /proc/self/cwd; cd ../../../../../../../..; touch ${marker}; pwd`,
    ]);
    const leak = leaky();
    try {
      for (const n of [...Array.from({ length: 22 }, (_, i) => i + 3), 30, 40]) {
        b.spec.process!.cwd = `/proc/self/fd/${n}`;
        b.write();
        const r = await runtime(['run', '-b', b.dir, uniqueId('cwdfd')], leak.fds);
        // Refused (the path is resolved inside the rootfs, where a magic link is no directory) or, were
        // it accepted, inside the rootfs: never a host directory.
        if (r.code === 0) assert.equal(r.stdout.split('\n')[0], `/proc/self/fd/${n}`, r.stdout);
        else assert.match(r.stderr, new RegExp(`^runtime: mkdir "/proc/self/fd/${n}": `), r.stderr);
        assert.equal(existsSync(`/${marker}`), false, `fd ${n}: the container wrote to the host's root`);
        assert.equal(existsSync(join(host, marker)), false);
      }
    } finally {
      leak.close();
      rmSync(`/${marker}`, { force: true });
    }
  });

  test(
    '`exec --cwd /proc/self/fd/N` cannot leave the container either',
    { skip: unlessRuntimeHas('exec') },
    async () => {
      const id = uniqueId('execcwd');
      const b = await bundle(['/bin/testinit', 'sleep', '60']);
      const marker = `berth-escape-exec-${process.pid}-${Date.now()}`;
      try {
        assert.equal((await rt.runDetached(['run', '-d', '-b', b.dir, id])).code, 0);
        for (let n = 3; n <= 24; n++) {
          const r = await rt.run([
            'exec',
            '--cwd',
            `/proc/self/fd/${n}`,
            id,
            '/bin/sh',
            '-c',
            `cd ../../../../../../../..; touch ${marker}`,
          ]);
          if (r.code !== 0) assert.match(r.stderr, /^runtime: /, r.stderr);
          assert.equal(existsSync(`/${marker}`), false, `fd ${n}: the exec process wrote to the host's root`);
        }
      } finally {
        rmSync(`/${marker}`, { force: true });
        await rt.run(['delete', '--force', id]);
      }
    },
  );
});
