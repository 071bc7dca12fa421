// The native addon without privileges: loading, constants, the shape of its errors, fifos, statfs,
// openat2 confined to a root, renameat2, user xattrs, pidfds, start times and fd passing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addonPath, makedev, native } from '../../../src/base/native.js';
import { packageRoot } from '../../../src/base/package-root.js';

/** Whether fd was opened close-on-exec, from the octal `flags:` line of /proc/self/fdinfo/<fd>. */
const cloexec = (fd: number): boolean => {
  const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
  return (parseInt(flags ?? '0', 8) & 0o2000000) !== 0;
};

/** Field 22 of /proc/<pid>/stat, parsed after the last ')' as proc(5) requires. */
const startTimeOf = (pid: number): bigint => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return BigInt(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!);
};

const exited = (child: ChildProcess): Promise<NodeJS.Signals | number | null> =>
  new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));

describe('native addon', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-native-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('packageRoot() is the directory of the package.json named berth', () => {
    const root = packageRoot();
    assert.equal(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name,
      'berth',
    );
    assert.equal(packageRoot(), root);
    assert.equal(addonPath(), join(root, 'native', 'build', 'berth.node'));
  });

  test('native() loads once and exposes the kernel constants', () => {
    const n = native();
    assert.equal(native(), n);
    assert.equal(n.MS_RDONLY, 1);
    assert.equal(n.MS_BIND, 4096);
    assert.equal(n.MS_REC, 16384);
    assert.equal(n.MS_PRIVATE, 1 << 18);
    assert.equal(n.MS_NOSYMFOLLOW, 256);
    assert.equal(n.MS_LAZYTIME, 1 << 25);
    assert.equal(n.MNT_FORCE, 1);
    assert.equal(n.MNT_DETACH, 2);
    assert.equal(n.RENAME_NOREPLACE, 1);
    assert.equal(n.RENAME_EXCHANGE, 2);
    assert.equal(n.RESOLVE_NO_SYMLINKS, 0x04);
    assert.equal(n.RESOLVE_IN_ROOT, 0x10);
    assert.equal(n.AT_FDCWD, -100);
    assert.equal(n.O_PATH, 0o10000000);
  });

  test('makedev encodes like glibc', () => {
    assert.equal(makedev(1, 3), 0x103n);
    assert.equal(makedev(259, 65536), 0x10010300n);
    assert.equal(makedev(0x1000, 0x100), (0x1000n << 32n) | (0x100n << 12n));
  });

  test('a failed syscall throws an fs-shaped error', () => {
    const missing = join(dir, 'missing', 'x');
    assert.throws(() => native().statfs(missing), {
      name: 'Error',
      message: `statfs "${missing}": No such file or directory`,
      code: 'ENOENT',
      errno: -osConstants.errno.ENOENT,
      syscall: 'statfs',
      path: missing,
    });
  });

  test('bad arguments throw TypeErrors naming the argument', () => {
    const n = native();
    assert.throws(() => n.mkfifo(42 as unknown as string, 0o600), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'path must be a string',
    });
    assert.throws(() => n.mkfifo(join(dir, 'a\0b'), 0o600), {
      message: 'path must be a string without null bytes',
    });
    assert.throws(() => n.mkfifo(join(dir, 'f'), 1.5), { message: 'mode must be an integer' });
    assert.throws(() => n.mknod(join(dir, 'f'), 0o010600, -1), {
      message: 'dev must be a non-negative integer or bigint',
    });
    assert.equal(existsSync(join(dir, 'f')), false);
  });

  test('mkfifo and mknod make fifos; a second one is EEXIST', () => {
    const n = native();
    n.mkfifo(join(dir, 'fifo'), 0o600);
    assert.ok(statSync(join(dir, 'fifo')).isFIFO());
    n.mknod(join(dir, 'fifo2'), 0o010600, 0n);
    assert.ok(statSync(join(dir, 'fifo2')).isFIFO());
    assert.throws(() => n.mkfifo(join(dir, 'fifo'), 0o600), {
      code: 'EEXIST',
      message: `mkfifo "${join(dir, 'fifo')}": File exists`,
    });
  });

  test('statfs reports the magic as a bigint and counts as numbers', () => {
    const st = native().statfs(dir);
    assert.equal(typeof st.type, 'bigint');
    assert.ok(st.type > 0n);
    for (const k of ['bsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree', 'flags'] as const)
      assert.equal(typeof st[k], 'number', k);
    assert.ok(st.bsize > 0 && st.blocks >= st.bfree);
    assert.equal(native().statfs('/proc').type, 0x9fa0n); // PROC_SUPER_MAGIC
  });

  test('openat2 RESOLVE_IN_ROOT keeps absolute symlinks and .. inside the root', () => {
    const n = native();
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'marker'), 'inside\n');
    symlinkSync('/etc', join(root, 'link'));
    const rootFd = openSync(root, 'r');
    try {
      for (const path of ['link/marker', '/etc/marker', '../../../../etc/marker']) {
        const fd = n.openat2(rootFd, path, fsConstants.O_RDONLY, 0, n.RESOLVE_IN_ROOT);
        try {
          const buf = Buffer.alloc(64);
          assert.equal(buf.subarray(0, readSync(fd, buf)).toString(), 'inside\n', path);
          assert.ok(cloexec(fd), 'close-on-exec');
        } finally {
          closeSync(fd);
        }
      }
      assert.throws(() => n.openat2(rootFd, 'link/marker', fsConstants.O_RDONLY, 0, n.RESOLVE_NO_SYMLINKS), {
        code: 'ELOOP',
        syscall: 'openat2',
        message: 'openat2 "link/marker": Too many levels of symbolic links',
      });
      assert.throws(() => n.openat2(rootFd, '../x', fsConstants.O_RDONLY, 0, n.RESOLVE_BENEATH), {
        code: 'EXDEV',
      });
      // O_CREAT takes the mode (minus the umask); without O_CREAT a mode is dropped, not refused.
      const fd = n.openat2(
        rootFd,
        'new',
        fsConstants.O_CREAT | fsConstants.O_WRONLY,
        0o600,
        n.RESOLVE_IN_ROOT,
      );
      closeSync(fd);
      assert.equal(statSync(join(root, 'new')).mode & 0o777, 0o600);
      closeSync(n.openat2(rootFd, 'new', fsConstants.O_RDONLY, 0o644, 0));
    } finally {
      closeSync(rootFd);
    }
  });

  test('renameat2: RENAME_NOREPLACE refuses, RENAME_EXCHANGE swaps', () => {
    const n = native();
    const a = join(dir, 'ren-a');
    const b = join(dir, 'ren-b');
    writeFileSync(a, 'a');
    writeFileSync(b, 'b');
    assert.throws(() => n.renameat2(n.AT_FDCWD, a, n.AT_FDCWD, b, n.RENAME_NOREPLACE), {
      code: 'EEXIST',
      path: a,
      dest: b,
      message: `renameat2 "${a}" -> "${b}": File exists`,
    });
    n.renameat2(n.AT_FDCWD, a, n.AT_FDCWD, b, n.RENAME_EXCHANGE);
    assert.equal(readFileSync(a, 'utf8'), 'b');
    assert.equal(readFileSync(b, 'utf8'), 'a');
  });

  test('user xattrs: set, get, list, absent is null, symlinks are not followed', (t) => {
    const n = native();
    const file = join(dir, 'x-file');
    writeFileSync(file, '');
    try {
      n.lsetxattr(file, 'user.berth', Buffer.from('v1'), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EOPNOTSUPP')
        return t.skip('no user xattrs on this filesystem');
      throw err;
    }
    assert.deepEqual(n.lgetxattr(file, 'user.berth'), Buffer.from('v1'));
    assert.equal(n.lgetxattr(file, 'user.absent'), null);
    n.lsetxattr(file, 'user.empty', new Uint8Array(0), n.XATTR_CREATE);
    assert.deepEqual(n.lgetxattr(file, 'user.empty'), Buffer.alloc(0));
    assert.deepEqual(
      n
        .llistxattr(file)
        .filter((x) => x.startsWith('user.'))
        .sort(),
      ['user.berth', 'user.empty'],
    );
    assert.throws(() => n.lsetxattr(file, 'user.berth', Buffer.from('v2'), n.XATTR_CREATE), {
      code: 'EEXIST',
    });
    symlinkSync(file, join(dir, 'x-link'));
    assert.equal(n.lgetxattr(join(dir, 'x-link'), 'user.berth'), null);
    assert.throws(() => n.lgetxattr(join(dir, 'x-missing'), 'user.berth'), {
      code: 'ENOENT',
      syscall: 'lgetxattr',
    });
  });

  test('spawn maps fds, passes the environment given (else its own), and waitpid reaps the status', () => {
    const n = native();
    const run = (env?: string[]): { out: string; status: number } => {
      const [r, w] = n.pipe();
      const devnull = openSync('/dev/null', 'r');
      const pid = n.spawn(
        '/bin/sh',
        ['sh', '-c', 'echo "$BERTH_SPAWN_TEST" >&3; exit 7'],
        [devnull, devnull, 2, w],
        false,
        env,
      );
      closeSync(devnull);
      closeSync(w);
      const buf = Buffer.alloc(256);
      const got = readSync(r, buf, 0, buf.length, null);
      closeSync(r);
      return { out: buf.toString('utf8', 0, got).trim(), status: n.waitpid(pid, false) };
    };
    process.env.BERTH_SPAWN_TEST = 'inherited';
    try {
      assert.deepEqual(run(), { out: 'inherited', status: 7 });
      assert.deepEqual(run(['BERTH_SPAWN_TEST=given', 'PATH=/usr/bin:/bin']), { out: 'given', status: 7 });
      assert.deepEqual(run([]), { out: '', status: 7 });
    } finally {
      delete process.env.BERTH_SPAWN_TEST;
    }
    assert.throws(() => n.spawn('/bin/true', ['true'], [], false, ['A=1', 2 as never]), {
      name: 'TypeError',
      message: /env\[\]/,
    });
  });

  test('pidfdOpen and pidfdSendSignal reach exactly one process', async () => {
    const n = native();
    const self = n.pidfdOpen(process.pid);
    assert.equal(readlinkSync(`/proc/self/fd/${self}`), 'anon_inode:[pidfd]');
    assert.ok(cloexec(self));
    closeSync(self);
    assert.throws(() => n.pidfdOpen(2147483000), {
      code: 'ESRCH',
      message: 'pidfd_open "2147483000": No such process',
    });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const done = exited(child);
    const fd = n.pidfdOpen(child.pid!);
    try {
      n.pidfdSendSignal(fd, osConstants.signals.SIGTERM);
      assert.equal(await done, 'SIGTERM');
      assert.throws(() => n.pidfdSendSignal(fd, osConstants.signals.SIGTERM), { code: 'ESRCH' });
    } finally {
      closeSync(fd);
    }
  });

  test('processStartTime reads field 22 even when comm holds ")" and spaces', async () => {
    const n = native();
    assert.equal(n.processStartTime(process.pid), startTimeOf(process.pid));
    assert.equal(n.processStartTime(2147483000), null);
    const odd = join(dir, 'a) b) (c');
    symlinkSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    const done = exited(child);
    try {
      const comm = (): string => readFileSync(`/proc/${child.pid}/comm`, 'utf8');
      for (let i = 0; i < 200 && comm() !== 'a) b) (c\n'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(comm(), 'a) b) (c\n'); // exec named the process after the link
      assert.equal(n.processStartTime(child.pid!), startTimeOf(child.pid!));
    } finally {
      child.kill();
      await done;
    }
  });

  test('sendFd and recvFd pass an fd over a unix socket; recvFd throws EOF when the peer has gone', async () => {
    const n = native();
    const fdOf = (s: Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
    const path = join(dir, 'fd.sock');
    // pauseOnConnect: libuv must not read the server's end, or it would swallow the SCM_RIGHTS message.
    const server = createServer({ pauseOnConnect: true });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = connect(path);
    await new Promise((resolve) => client.once('connect', resolve));
    const peer = await accepted;
    try {
      writeFileSync(join(dir, 'passed'), 'passed along\n');
      const file = openSync(join(dir, 'passed'), 'r');
      n.sendFd(fdOf(client), file, 'the-name');
      closeSync(file);
      const got = n.recvFd(fdOf(peer));
      const buf = Buffer.alloc(64);
      assert.equal(buf.subarray(0, readSync(got, buf, 0, 64, 0)).toString(), 'passed along\n');
      assert.ok(cloexec(got));
      closeSync(got);
      await new Promise((resolve) => client.destroy().once('close', resolve));
      assert.throws(() => n.recvFd(fdOf(peer)), { code: 'EOF', syscall: 'recvmsg' });
    } finally {
      client.destroy();
      peer.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
