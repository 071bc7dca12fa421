// `exec` into a running container, checked from inside by testinit and from the host by /proc: the exec'd
// process shares every namespace and cgroup of the container, gets its process settings with runc's
// overrides (user, groups, caps, no_new_privs, env, cwd, terminal), and sees no fd or cwd of the runtime.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { consoleSocket, drain } from './console.js';
import {
  Bundle,
  cgroupsOf,
  exec,
  RUNTIME,
  runtimeEnv,
  skipUnlessRoot,
  TestRuntime,
  uniqueId,
  type Result,
} from './harness.js';
import { execPids, killExecs, startHolder, waitFor } from './exec-helpers.js';

describe('exec', { skip: skipUnlessRoot }, () => {
  let rt: TestRuntime;
  let bundle: Bundle;
  let dir: string;
  let id: string;
  let pid: number;
  before(async () => {
    rt = new TestRuntime();
    dir = mkdtempSync(join(tmpdir(), 'berth-exec-'));
    bundle = await Bundle.create();
    id = uniqueId('exec');
    pid = await startHolder(rt, bundle, id, (s) => {
      s.process!.env = ['PATH=/bin', 'TERM=xterm', 'KEEP=1'];
      s.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1000, hard: 1000 }];
      s.process!.user.umask = 0o027;
      s.process!.noNewPrivileges = false;
    });
  });
  after(async () => {
    await killExecs(id);
    await rt.cleanup();
    bundle.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const execIn = (args: string[]): Promise<Result> => rt.run(['exec', ...args]);
  const json = <T>(r: Result): T => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  test("attached: the process's stdout, stderr and exit status", async () => {
    const r = await execIn([id, '/bin/sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 7);
    assert.equal((await execIn([id, '--', '/bin/testinit', 'exit', '0'])).code, 0);
  });

  test('joins every namespace of the container', async () => {
    const names = ['pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup', 'user', 'time'];
    const r = await execIn([
      id,
      '/bin/sh',
      '-c',
      `for n in ${names.join(' ')}; do readlink /proc/self/ns/$n; done`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout.trim().split('\n'),
      names.map((n) => readlinkSync(`/proc/${pid}/ns/${n}`)),
    );
    assert.notEqual(readlinkSync(`/proc/${pid}/ns/pid`), readlinkSync('/proc/self/ns/pid'));
  });

  test("is in the container's cgroup in every hierarchy; -d returns with the pid file written", async () => {
    const pidFile = join(dir, 'sleep.pid');
    const r = await rt.runDetached(['exec', '-d', '--pid-file', pidFile, id, '/bin/testinit', 'sleep', '30']);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(pidFile, 'utf8');
    assert.match(text, /^\d+$/, 'only the decimal pid, no newline');
    const execPid = Number(text);
    try {
      assert.ok(execPids(id).includes(execPid), 'the process is running in the container');
      assert.deepEqual(cgroupsOf(execPid), cgroupsOf(pid));
      assert.ok(cgroupsOf(execPid).every((c) => c === `/berth-test/${id}`));
      assert.equal(readlinkSync(`/proc/${execPid}/ns/pid`), readlinkSync(`/proc/${pid}/ns/pid`));
    } finally {
      process.kill(execPid, 'SIGKILL');
    }
  });

  test("-u uid:gid and -g set the user; the umask and rlimits are the container process's", async () => {
    const ids = json<{ uid: number; gid: number; groups: number[]; umask: number }>(
      await execIn(['-u', '1000:1001', '-g', '5', '--additional-gids', '20', id, '/bin/testinit', 'ids']),
    );
    assert.deepEqual([ids.uid, ids.gid, ids.umask], [1000, 1001, 0o027]);
    assert.deepEqual(
      [...ids.groups].sort((a, b) => a - b),
      [5, 20],
    );
    const uidOnly = json<{ uid: number; gid: number }>(await execIn(['-u', '7', id, '/bin/testinit', 'ids']));
    assert.deepEqual([uidOnly.uid, uidOnly.gid], [7, 0]);
    const limits = json<Record<string, { soft: number; hard: number }>>(
      await execIn([id, '/bin/testinit', 'rlimits']),
    );
    assert.deepEqual(limits.RLIMIT_NOFILE, { soft: 1000, hard: 1000 });
  });

  test('--cap adds to the bounding, effective and permitted sets; --no-new-privs sets it', async () => {
    const plain = json<Record<string, string>>(await execIn([id, '/bin/testinit', 'status']));
    const starter = (1n << 29n) | (1n << 5n) | (1n << 10n);
    const hex = (v: bigint): string => v.toString(16).padStart(16, '0');
    assert.equal(plain.CapBnd, hex(starter));
    assert.equal(plain.CapEff, hex(starter));
    assert.equal(String(plain.NoNewPrivs), '0');
    const more = json<Record<string, string>>(
      await execIn([
        '--cap',
        'CAP_CHOWN',
        '-c',
        'CAP_SYS_ADMIN',
        '--no-new-privs',
        id,
        '/bin/testinit',
        'status',
      ]),
    );
    const added = starter | 1n | (1n << 21n);
    assert.equal(more.CapBnd, hex(added));
    assert.equal(more.CapEff, hex(added));
    assert.equal(more.CapPrm, hex(added));
    assert.equal(more.CapInh, hex(0n));
    assert.equal(String(more.NoNewPrivs), '1');
  });

  test('-e adds and overrides variables; --cwd sets the directory', async () => {
    const env = json<string[]>(
      await execIn(['-e', 'TERM=dumb', '-e', 'NEW=x y', id, '/bin/testinit', 'env']),
    );
    assert.deepEqual(env, ['PATH=/bin', 'TERM=dumb', 'KEEP=1', 'NEW=x y']);
    const r = await execIn(['--cwd', '/tmp', id, '/bin/testinit', 'cwd']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '/tmp\n');
  });

  test('--process reads the whole process from a file (and --tty with it, as podman passes)', async () => {
    const file = join(dir, 'process.json');
    writeFileSync(
      file,
      JSON.stringify({
        args: ['/bin/testinit', 'ids'],
        cwd: '/',
        user: { uid: 3, gid: 4, umask: 0o011 },
        env: [],
      }),
    );
    const ids = json<{ uid: number; gid: number; umask: number }>(await execIn(['--process', file, id]));
    assert.deepEqual([ids.uid, ids.gid, ids.umask], [3, 4, 0o011]);
  });

  test("sees only fds 0-2 and the preserved ones, never the runtime's cwd or a host directory", async () => {
    const hostDir = mkdtempSync(join(tmpdir(), 'berth-host-'));
    const fd = openSync(hostDir, 'r');
    const withFd3 = (args: string[]): Promise<Result> =>
      exec(RUNTIME, ['--root', rt.root, 'exec', ...args], {
        cwd: hostDir,
        stdio: ['ignore', 'pipe', 'pipe', fd],
      });
    try {
      const fds = json<{ fd: number }[]>(await withFd3([id, '/bin/testinit', 'fds']));
      assert.deepEqual(
        fds.map((f) => f.fd),
        [0, 1, 2],
      );
      const kept = json<{ fd: number; target: string }[]>(
        await withFd3(['--preserve-fds', '1', id, '/bin/testinit', 'fds']),
      );
      assert.deepEqual(
        kept.map((f) => f.fd),
        [0, 1, 2, 3],
      );
      assert.equal(kept[3]!.target, hostDir);
      const cwd = await withFd3([id, '/bin/sh', '-c', 'readlink /proc/self/cwd; readlink /proc/self/root']);
      assert.equal(cwd.stdout, '/\n/\n', cwd.stderr);
      // CVE-2024-21626: a cwd through a leaked fd of the runtime would be a host directory.
      for (let n = 3; n < 8; n++) {
        const r = await withFd3(['--cwd', `/proc/self/fd/${n}`, id, '/bin/testinit', 'cwd']);
        assert.equal(r.code, 255, `fd ${n} reached the process: ${r.stdout}`);
        assert.match(r.stderr, new RegExp(`^runtime: exec failed: chdir "/proc/self/fd/${n}": `));
      }
    } finally {
      closeSync(fd);
      rmSync(hostDir, { recursive: true, force: true });
    }
  });

  test('-t attached proxies a terminal; -d -t sends its master to --console-socket', async () => {
    const r = await execIn(['-t', id, '/bin/sh', '-c', 'tty; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout.replace(/\r\n/g, '\n'), /^\/dev\/pts\/\d+\n$/);

    const sock = await consoleSocket(dir);
    try {
      const d = await rt.runDetached([
        'exec',
        '-d',
        '-t',
        '--console-socket',
        sock.path,
        id,
        '/bin/testinit',
        'tty',
      ]);
      assert.equal(d.code, 0, d.stderr);
      const out = await drain(await sock.master);
      const tty = JSON.parse(out.trim()) as { isatty0: boolean; isatty1: boolean; ttyname: string };
      assert.equal(tty.isatty0, true);
      assert.equal(tty.isatty1, true);
      assert.match(tty.ttyname, /^\/dev\/pts\/\d+$/);
    } finally {
      sock.close();
    }
  });

  test('signals to an attached exec reach the process', async () => {
    const child = spawn(RUNTIME, ['--root', rt.root, 'exec', id, '/bin/testinit', 'sig-wait'], {
      env: runtimeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    // Signal only once the process waits for SIGTERM, or it would die of it.
    const target = await waitFor(() => execPids(id).find((p) => waitsForSignal(p, 15)));
    assert.ok(target, 'the exec started');
    child.kill('SIGTERM');
    assert.equal(await closed, 0);
    assert.equal(stdout, 'got SIGTERM\n');
  });

  test('--cgroup puts the process in a sub-cgroup of one hierarchy', async () => {
    const sub = `/sys/fs/cgroup/memory/berth-test/${id}/sub`;
    mkdirSync(sub);
    const pidFile = join(dir, 'sub.pid');
    try {
      const r = await rt.runDetached([
        'exec',
        '-d',
        '--cgroup',
        'memory:sub',
        '--pid-file',
        pidFile,
        id,
        '/bin/testinit',
        'sleep',
        '30',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const execPid = Number(readFileSync(pidFile, 'utf8'));
      const lines = readFileSync(`/proc/${execPid}/cgroup`, 'utf8').trim().split('\n');
      process.kill(execPid, 'SIGKILL');
      assert.ok(
        lines.some((l) => /:memory:/.test(l) && l.endsWith(`/berth-test/${id}/sub`)),
        lines.join('\n'),
      );
      assert.ok(lines.filter((l) => !/:memory:/.test(l)).every((l) => l.endsWith(`/berth-test/${id}`)));
    } finally {
      await waitFor(() => readFileSync(join(sub, 'cgroup.procs'), 'utf8') === '');
      rmdirSync(sub);
    }
  });
});

/**
 * Whether `pid` waits for `sig` with sigwaitinfo. While it waits the kernel unblocks the waited signals,
 * so SigBlk no longer shows it: the wait channel (or SigBlk, just before the wait) does.
 */
function waitsForSignal(pid: number, sig: number): boolean {
  try {
    if (readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('sigtimedwait')) return true;
    const m = /^SigBlk:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(sig - 1))) !== 0n;
  } catch {
    return false;
  }
}
