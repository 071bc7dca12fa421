// Layers written by a real tar: GNU tar in its own format (long names as 'L' records, GNU magic) and in
// POSIX pax form with --xattrs, unpacked and compared with the tree they were made from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { makedev, native } from '../../../src/base/native.js';
import { dirs, removeWork, skip, unpack, workDir } from './unpack-harness.js';

after(removeWork);

/** A tree with what layers hold: long names, links, a device, a fifo, owners, modes, an xattr. */
function makeTree(root: string): void {
  const long = join(root, 'd'.repeat(120), 'e'.repeat(120));
  mkdirSync(long, { recursive: true });
  writeFileSync(join(long, 'f'.repeat(100)), 'deep\n');
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin/tool'), Buffer.alloc(10_000, 3));
  chmodSync(join(root, 'bin/tool'), 0o4755);
  linkSync(join(root, 'bin/tool'), join(root, 'bin/tool-link'));
  symlinkSync('tool', join(root, 'bin/alias'));
  writeFileSync(join(root, 'owned'), 'o');
  chownSync(join(root, 'owned'), 1234, 5678);
  native().lsetxattr(join(root, 'owned'), 'user.origin', Buffer.from('gnu-tar'), 0);
  native().mknod(join(root, 'null'), 0o20666, makedev(1, 3));
  native().mkfifo(join(root, 'pipe'), 0o600);
  for (const p of [join(root, 'bin'), root]) utimesSync(p, 1500000000, 1500000000);
}

/** path → [type, mode, uid, gid, size or link target, mtime] for every entry below root. */
function describeTree(root: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const kind = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'link'
          : st.isFile()
            ? 'file'
            : st.isFIFO()
              ? 'fifo'
              : 'dev';
      const what = st.isSymbolicLink() ? readlinkSync(p) : st.isFile() ? readFileSync(p).length : st.rdev;
      out.set(relative(root, p), [
        kind,
        st.mode & 0o7777,
        st.uid,
        st.gid,
        what,
        kind === 'link' ? 0 : Math.floor(st.mtimeMs / 1000),
      ]);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe('layers from GNU tar', { skip }, () => {
  for (const format of ['gnu', 'posix']) {
    it(`unpacks a --format=${format} archive to the same tree`, async () => {
      const src = join(workDir(), `src-${format}`);
      mkdirSync(src);
      makeTree(src);
      const tar = execFileSync(
        'tar',
        [`--format=${format}`, '--xattrs', '--xattrs-include=user.*', '-C', src, '-cf', '-', '.'],
        {
          maxBuffer: 1 << 26,
        },
      );
      const { target } = dirs();
      const r = await unpack(tar, target);
      assert.ok(r.entries >= 10);
      assert.deepEqual(describeTree(target), describeTree(src));
      assert.equal(lstatSync(join(target, 'bin/tool')).ino, lstatSync(join(target, 'bin/tool-link')).ino);
      if (format === 'posix')
        assert.equal(native().lgetxattr(join(target, 'owned'), 'user.origin')?.toString(), 'gnu-tar');
    });
  }
});
