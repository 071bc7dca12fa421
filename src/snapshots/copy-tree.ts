// A faithful copy of a directory tree for the native snapshotter (what containerd's fs.CopyDir does):
// regular files (reflinked where the filesystem can), directories, symlinks, hard links (kept as links),
// device nodes, fifos and sockets (mknod), with owners, modes (setuid/setgid/sticky), times and extended
// attributes (security.capability, trusted.overlay.*, user.*). Directory times are set after their
// contents, since writing into a directory changes its mtime. Entries are copied COPY_CONCURRENCY at a
// time: each is several syscalls on libuv's thread pool, and one at a time leaves the pool idle.
import { constants, type BigIntStats } from 'node:fs';
import {
  chmod,
  copyFile,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  readdir,
  readlink,
  symlink,
} from 'node:fs/promises';
import { join } from 'node:path';
import { wrap } from '../base/errors.js';
import { native } from '../base/native.js';

/** How many entries are copied at once. */
const COPY_CONCURRENCY = 16;

/** State shared by one copy: hard links seen, and the bound on concurrent entry copies. */
interface CopyContext {
  /** "dev:ino" of a multiply linked file → the path of its first copy, once that copy is complete. */
  links: Map<string, Promise<string>>;
  /** Runs fn when fewer than COPY_CONCURRENCY others run. */
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Copies the contents of `src` into the existing directory `dst` and gives `dst` the attributes of `src`. */
export async function copyTree(src: string, dst: string): Promise<void> {
  const ctx: CopyContext = { links: new Map(), limit: limiter(COPY_CONCURRENCY) };
  await copyDirContents(src, dst, ctx);
  await copyAttributes(src, dst, await lstat(src, { bigint: true }));
}

async function copyDirContents(src: string, dst: string, ctx: CopyContext): Promise<void> {
  const names = await readdir(src);
  // allSettled, not all: a failed entry must not leave others still writing when the caller cleans up.
  const results = await Promise.allSettled(
    names.map((name) => copyEntry(join(src, name), join(dst, name), ctx)),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function copyEntry(from: string, to: string, ctx: CopyContext): Promise<void> {
  const st = await lstat(from, { bigint: true });
  if (st.isDirectory()) {
    await step(from, () => mkdir(to, { mode: 0o700 }));
    await copyDirContents(from, to, ctx);
    await step(from, () => copyAttributes(from, to, st));
    return;
  }
  const id = `${st.dev}:${st.ino}`;
  const first = st.nlink > 1n ? ctx.links.get(id) : undefined;
  if (first !== undefined) return step(from, async () => link(await first, to));
  const copied = ctx.limit(() => step(from, () => copyLeaf(from, to, st)));
  if (st.nlink > 1n)
    ctx.links.set(
      id,
      copied.then(() => to),
    );
  await copied;
}

async function copyLeaf(from: string, to: string, st: BigIntStats): Promise<void> {
  if (st.isFile()) await copyFile(from, to, constants.COPYFILE_FICLONE);
  else if (st.isSymbolicLink()) await symlink(await readlink(from), to);
  // Character and block devices (overlay whiteouts are 0:0 character devices), fifos, sockets.
  else native().mknod(to, Number(st.mode), st.rdev);
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

/** Runs one step of copying `from`, naming it in the error. */
async function step<T>(from: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('copy "')) throw err;
    throw wrap(err, `copy "${from}"`);
  }
}

/** A bound on how many calls of the returned function run at once. */
function limiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < max) running++;
    else await new Promise<void>((r) => waiting.push(r)); // the finishing call hands over its slot
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6; // microsecond precision is what utimes(2) through Node keeps
}
