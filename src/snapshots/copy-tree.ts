// A faithful copy of a directory tree for the native snapshotter (what containerd's fs.CopyDir does):
// regular files (reflinked where the filesystem can), directories, symlinks, hard links (kept as links),
// device nodes, fifos and sockets (mknod), with owners, modes (setuid/setgid/sticky), times and extended
// attributes (security.capability, trusted.overlay.*, user.*). Directory times are set after their
// contents, since writing into a directory changes its mtime.
import { constants, type BigIntStats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  opendir,
  readlink,
  symlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { wrap } from '../base/errors.js';
import { native } from '../base/native.js';

/** Copies the contents of `src` into the existing directory `dst` and gives `dst` the attributes of `src`. */
export async function copyTree(src: string, dst: string): Promise<void> {
  const links = new Map<string, string>(); // "dev:ino" of multiply linked files → the first copy's path
  await copyDirContents(src, dst, links);
  await copyAttributes(src, dst, await lstat(src, { bigint: true }));
}

async function copyDirContents(src: string, dst: string, links: Map<string, string>): Promise<void> {
  for await (const entry of await opendir(src)) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    try {
      await copyEntry(from, to, links);
    } catch (err) {
      throw wrap(err, `copy "${from}"`);
    }
  }
}

async function copyEntry(from: string, to: string, links: Map<string, string>): Promise<void> {
  const st = await lstat(from, { bigint: true });
  const id = `${st.dev}:${st.ino}`;
  if (!st.isDirectory() && st.nlink > 1n) {
    const first = links.get(id);
    if (first !== undefined) return link(first, to);
    links.set(id, to);
  }
  if (st.isDirectory()) {
    await mkdir(to, { mode: 0o700 });
    await copyDirContents(from, to, links);
  } else if (st.isFile()) {
    await copyFile(from, to, constants.COPYFILE_FICLONE);
  } else if (st.isSymbolicLink()) {
    await symlink(await readlink(from), to);
  } else {
    // Character and block devices (overlay whiteouts are 0:0 character devices), fifos, sockets.
    native().mknod(to, Number(st.mode), st.rdev);
  }
  await copyAttributes(from, to, st);
}

async function copyAttributes(from: string, to: string, st: BigIntStats): Promise<void> {
  await lchown(to, Number(st.uid), Number(st.gid));
  copyXattrs(from, to, st.isSymbolicLink());
  // After chown, which clears setuid/setgid (chown(2)); symlinks have no mode of their own on Linux.
  if (!st.isSymbolicLink()) await chmod(to, Number(st.mode) & 0o7777);
  await lutimes(to, nsToSeconds(st.atimeNs), nsToSeconds(st.mtimeNs));
}

function copyXattrs(from: string, to: string, isSymlink: boolean): void {
  const n = native();
  for (const name of n.llistxattr(from)) {
    const value = n.lgetxattr(from, name);
    if (value === null) continue;
    try {
      n.lsetxattr(to, name, value, 0);
    } catch (err) {
      // user.* xattrs are not permitted on symlinks (xattr(7)); anything else is a real failure.
      if (isSymlink && (err as NodeJS.ErrnoException).code === 'EPERM') continue;
      throw wrap(err, `copy xattr "${name}" to "${to}"`);
    }
  }
}

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6; // microsecond precision is what utimes(2) through Node keeps
}
