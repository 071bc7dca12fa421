// The native addon where it needs root: real mounts (tmpfs, bind, remount read-only, propagation, move,
// lazy unmount, and the thread pool's mount and unmount), device nodes and trusted.* xattrs. Every mount
// is undone and every file removed.
import assert from 'node:assert/strict';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makedev, native } from '../../../src/base/native.js';
import { mountAllAsync, unmountAllAsync } from '../../../src/snapshots/index.js';

const skipUnlessRoot = process.getuid?.() === 0 ? false : 'needs root (mounts and device nodes)';

/** Mount points at or below `dir`, from /proc/self/mountinfo (field 5; octal escapes left as they are). */
const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`));

const TMPFS_MAGIC = 0x01021994n;
const ST_RDONLY = 1;

describe('native addon (root)', { skip: skipUnlessRoot }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-native-root-'));
  });
  after(() => {
    // Deepest first, lazily: whatever a failed test left mounted must not outlive the suite.
    for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length))
      native().umount2(m, native().MNT_DETACH);
    rmSync(dir, { recursive: true, force: true });
  });

  test('tmpfs with options, seen by statfs and mountinfo; unmounted again', () => {
    const n = native();
    const mnt = join(dir, 'tmpfs');
    mkdirSync(mnt);
    n.mount('tmpfs', mnt, 'tmpfs', n.MS_NOSUID | n.MS_NODEV, 'size=1m,mode=0710');
    try {
      assert.deepEqual(mountsUnder(mnt), [mnt]);
      const st = n.statfs(mnt);
      assert.equal(st.type, TMPFS_MAGIC);
      assert.equal(st.blocks * st.bsize, 1024 * 1024);
      assert.equal(statSync(mnt).mode & 0o7777, 0o710);
    } finally {
      n.umount2(mnt, 0);
    }
    assert.deepEqual(mountsUnder(mnt), []);
    assert.throws(() => n.umount2(mnt, 0), {
      code: 'EINVAL',
      syscall: 'umount2',
      message: `umount2 "${mnt}": Invalid argument`,
    });
  });

  test('a mount onto a missing target names it', () => {
    const n = native();
    const target = join(dir, 'no-such-dir');
    assert.throws(() => n.mount('tmpfs', target, 'tmpfs', 0, null), {
      code: 'ENOENT',
      errno: -2,
      syscall: 'mount',
      path: target,
      message: `mount "${target}": No such file or directory`,
    });
    assert.throws(() => n.mount('none', join(dir), 'no-such-fs', 0n, null), { code: 'ENODEV' });
  });

  test('mountAsync and umount2Async: the same mounts from the thread pool, the same errors as rejections', async () => {
    const n = native();
    const mnt = join(dir, 'async');
    mkdirSync(mnt);
    const pending = n.mountAsync('tmpfs', mnt, 'tmpfs', BigInt(n.MS_NOSUID), 'size=1m,mode=0750');
    assert.ok(pending instanceof Promise);
    await pending;
    try {
      assert.deepEqual(mountsUnder(mnt), [mnt]);
      assert.equal(statSync(mnt).mode & 0o7777, 0o750);
    } finally {
      await n.umount2Async(mnt, n.UMOUNT_NOFOLLOW);
    }
    assert.deepEqual(mountsUnder(mnt), []);
    await assert.rejects(n.umount2Async(mnt, 0), {
      code: 'EINVAL',
      errno: -22,
      syscall: 'umount2',
      path: mnt,
      message: `umount2 "${mnt}": Invalid argument`,
    });
    const missing = join(dir, 'no-such-dir');
    await assert.rejects(n.mountAsync('tmpfs', missing, 'tmpfs', 0, null), {
      code: 'ENOENT',
      syscall: 'mount',
      message: `mount "${missing}": No such file or directory`,
    });
    // Bad arguments throw at once, as the synchronous twins do.
    assert.throws(() => n.mountAsync('tmpfs', 7 as never, 'tmpfs', 0, null), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
    assert.throws(() => n.umount2Async(mnt, 'x' as never), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('mountAllAsync and unmountAllAsync: an overlay in the pool, a bind through mountAll, stacks undone', async () => {
    const base = join(dir, 'ovl');
    for (const d of ['lower', 'upper', 'work', 'merged', 'bound'])
      mkdirSync(join(base, d), { recursive: true });
    writeFileSync(join(base, 'lower', 'f'), 'from lower');
    const merged = join(base, 'merged');
    await mountAllAsync(
      [
        {
          type: 'overlay',
          source: 'overlay',
          options: [
            `lowerdir=${join(base, 'lower')}`,
            `upperdir=${join(base, 'upper')}`,
            `workdir=${join(base, 'work')}`,
          ],
        },
      ],
      merged,
    );
    assert.equal(readFileSync(join(merged, 'f'), 'utf8'), 'from lower');
    await mountAllAsync(
      [{ type: 'bind', source: join(base, 'lower'), options: ['rbind', 'ro'] }],
      join(base, 'bound'),
    );
    assert.equal(readFileSync(join(base, 'bound', 'f'), 'utf8'), 'from lower');
    await unmountAllAsync(merged);
    await unmountAllAsync(join(base, 'bound'));
    await unmountAllAsync(merged); // nothing mounted: fine
    assert.deepEqual(mountsUnder(base), []);
  });

  test('bind mount, private propagation, read-only remount, move and lazy unmount', () => {
    const n = native();
    const src = join(dir, 'bind-src');
    const dst = join(dir, 'bind-dst');
    const moved = join(dir, 'bind-moved');
    for (const d of [src, dst, moved]) mkdirSync(d);
    writeFileSync(join(src, 'file'), 'from source\n');
    n.mount(src, dst, null, BigInt(n.MS_BIND), null);
    try {
      assert.equal(readFileSync(join(dst, 'file'), 'utf8'), 'from source\n');
      n.mount(null, dst, null, n.MS_PRIVATE, null);
      // A bind mount turns read-only only through a remount of the bind (mount(8), "bind mount operation").
      n.mount(null, dst, null, n.MS_REMOUNT | n.MS_BIND | n.MS_RDONLY, null);
      assert.equal(n.statfs(dst).flags & ST_RDONLY, ST_RDONLY);
      assert.throws(() => writeFileSync(join(dst, 'new'), 'x'), { code: 'EROFS' });
      assert.equal(n.statfs(src).flags & ST_RDONLY, 0);
      n.mount(dst, moved, null, n.MS_MOVE, null);
      assert.deepEqual(mountsUnder(dst), []);
      assert.deepEqual(mountsUnder(moved), [moved]);
      // A lazy unmount succeeds while a file on the mount is still open.
      const fd = openSync(join(moved, 'file'), 'r');
      try {
        n.umount2(moved, n.MNT_DETACH);
      } finally {
        closeSync(fd);
      }
      assert.deepEqual(mountsUnder(moved), []);
    } finally {
      for (const m of [dst, moved]) if (mountsUnder(m).length) n.umount2(m, n.MNT_DETACH);
    }
  });

  test('mknod makes a working character device', () => {
    const n = native();
    const mnt = join(dir, 'devs');
    mkdirSync(mnt);
    n.mount('tmpfs', mnt, 'tmpfs', 0, 'size=64k'); // the temp dir's filesystem may be nodev
    try {
      const node = join(mnt, 'null');
      n.mknod(node, 0o020666, makedev(1, 3));
      const st = statSync(node);
      assert.ok(st.isCharacterDevice());
      assert.equal(BigInt(st.rdev), makedev(1, 3));
      const fd = openSync(node, 'w');
      try {
        assert.equal(writeSync(fd, 'discarded'), 9);
      } finally {
        closeSync(fd);
      }
      assert.throws(() => n.mknod(node, 0o020666, 0x103), { code: 'EEXIST', syscall: 'mknod' });
    } finally {
      n.umount2(mnt, 0);
    }
  });

  test('trusted.* xattrs, which only root may touch', () => {
    const n = native();
    const mnt = join(dir, 'xattrs');
    mkdirSync(mnt);
    n.mount('tmpfs', mnt, 'tmpfs', 0, 'size=64k');
    try {
      const file = join(mnt, 'f');
      writeFileSync(file, '');
      const value = Buffer.from([0, 1, 2, 255]);
      n.lsetxattr(file, 'trusted.berth', value, n.XATTR_CREATE);
      assert.deepEqual(n.lgetxattr(file, 'trusted.berth'), value);
      assert.ok(n.llistxattr(file).includes('trusted.berth'));
      assert.throws(() => n.lsetxattr(file, 'trusted.absent', value, n.XATTR_REPLACE), { code: 'ENODATA' });
    } finally {
      n.umount2(mnt, 0);
    }
  });
});
