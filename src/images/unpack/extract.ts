// Applies a layer's tar entries to a directory, the way docker's and containerd's unpackers do, but with every
// path resolved through SafeRoot (see safe-root.ts). Per entry:
//   1. the name is checked (entry-path.ts) and split into parent and base name;
//   2. whiteouts: overlay form (".wh.x" → a 0:0 character device x; ".wh..wh..opq" → the xattr
//      trusted.overlay.opaque=y on the directory: Linux Documentation/filesystems/overlayfs.rst
//      "whiteouts and opaque directories"), or in "apply" form deleted from the directory (the copy
//      snapshotter holds the lower layers' files, so ".wh.x" removes x, and the opaque marker removes what
//      this layer did not itself add);
//   3. whatever is at the name is removed unless both are directories (a later entry replaces an earlier
//      one; a file is never written through an existing hard link or symlink);
//   4. the entry is created, then owner, mode, xattrs and times set in that order: chown(2) clears setuid
//      bits and security.capability, writes clear capabilities, so each must come after the one it undoes.
//      Directory times are set last, deepest first, since creating children changes them.
// xattrs named trusted.overlay.* in a layer are dropped: they would steer overlayfs (redirects, metacopy)
// and only the unpacker itself may write the opaque marker.
import {
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  futimesSync,
  fstatSync,
  linkSync,
} from 'node:fs';
import {
  lchownSync,
  lstatSync,
  lutimesSync,
  chmodSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { writeSync } from 'node:fs';
import { BerthError } from '../../base/errors.js';
import { makedev, native } from '../../base/native.js';
import {
  OPAQUE_WHITEOUT,
  WHITEOUT_META_PREFIX,
  WHITEOUT_PREFIX,
  checkSymlinkTarget,
  entryComponents,
} from './entry-path.js';
import { SafeRoot, atPath } from './safe-root.js';
import type { TarHeader, TarReader } from './tar-reader.js';

/** How whiteouts are written: overlayfs's own form, or applied as deletions to a directory holding lower layers. */
export type WhiteoutMode = 'overlay' | 'apply';

/** Counts of what a layer held. */
export interface ExtractStats {
  entries: number;
  /** Bytes of regular-file content written. */
  bytes: number;
  whiteouts: number;
}

interface PendingTimes {
  comps: string[];
  atime: number;
  mtime: number;
}

/** Reads every entry from `tar` and applies it under `root`. */
export async function extractEntries(
  tar: TarReader,
  root: SafeRoot,
  mode: WhiteoutMode,
): Promise<ExtractStats> {
  const stats: ExtractStats = { entries: 0, bytes: 0, whiteouts: 0 };
  const written = new Set<string>();
  const dirTimes: PendingTimes[] = [];
  for (let hdr = await tar.next(); hdr !== null; hdr = await tar.next()) {
    stats.entries++;
    const comps = entryComponents(hdr.name);
    const base = comps[comps.length - 1];
    if (base !== undefined && base.startsWith(WHITEOUT_PREFIX)) {
      applyWhiteout(root, comps, hdr.name, mode, written);
      stats.whiteouts++;
      continue;
    }
    written.add(comps.join('/'));
    if (base === undefined) {
      if (hdr.type !== 'dir')
        throw new BerthError('InvalidArgument', `entry "${hdr.name}": the root must be a directory`);
      setDirMetadata(root, [], hdr);
      dirTimes.push({ comps: [], ...times(hdr) });
      continue;
    }
    const parent = root.openDir(comps.slice(0, -1), true, hdr.name);
    try {
      removeExisting(parent, base, hdr);
      stats.bytes += await createEntry(tar, root, parent, comps, hdr);
    } finally {
      closeSync(parent);
    }
    if (hdr.type === 'dir') dirTimes.push({ comps, ...times(hdr) });
  }
  for (const d of dirTimes.reverse()) setDirTimes(root, d);
  return stats;
}

/** containerd sets atime to the later of atime and mtime (archive/tar_unix.go). */
function times(hdr: TarHeader): { atime: number; mtime: number } {
  return { atime: Math.max(hdr.atime ?? hdr.mtime, hdr.mtime), mtime: hdr.mtime };
}

function applyWhiteout(
  root: SafeRoot,
  comps: string[],
  name: string,
  mode: WhiteoutMode,
  written: Set<string>,
): void {
  const base = comps[comps.length - 1] as string;
  const parentComps = comps.slice(0, -1);
  if (base !== OPAQUE_WHITEOUT && base.startsWith(WHITEOUT_META_PREFIX)) return; // aufs metadata, as docker
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (base !== OPAQUE_WHITEOUT) entryComponents(target, 'whiteout');
  if (base !== OPAQUE_WHITEOUT && (target === '' || target === '.'))
    throw new BerthError('InvalidArgument', `entry "${name}": whiteout of "${target}" is refused`);
  const parent = root.openDir(parentComps, mode === 'overlay', name);
  try {
    if (base === OPAQUE_WHITEOUT) {
      if (mode === 'overlay') {
        native().lsetxattr(atPath(parent, '.'), 'trusted.overlay.opaque', Buffer.from('y'), 0);
        return;
      }
      const prefix = parentComps.length === 0 ? '' : `${parentComps.join('/')}/`;
      for (const child of readdirSync(atPath(parent, '.'))) {
        if (!written.has(prefix + child)) rmSync(atPath(parent, child), { recursive: true, force: true });
      }
      return;
    }
    rmSync(atPath(parent, target), { recursive: true, force: true });
    if (mode === 'overlay') {
      native().mknod(atPath(parent, target), fsc.S_IFCHR | 0o000, makedev(0, 0));
      written.add([...parentComps, target].join('/'));
    }
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('Internal', `entry "${name}": ${(err as Error).message}`, { cause: err });
  } finally {
    closeSync(parent);
  }
}

function removeExisting(parent: number, base: string, hdr: TarHeader): void {
  let st;
  try {
    st = lstatSync(atPath(parent, base));
  } catch {
    return;
  }
  if (st.isDirectory() && hdr.type === 'dir') return;
  rmSync(atPath(parent, base), { recursive: true, force: true });
}

/** Creates one entry in `parent`; returns the bytes of content written. */
async function createEntry(
  tar: TarReader,
  root: SafeRoot,
  parent: number,
  comps: string[],
  hdr: TarHeader,
): Promise<number> {
  const base = comps[comps.length - 1] as string;
  const path = atPath(parent, base);
  const n = native();
  try {
    switch (hdr.type) {
      case 'dir':
        // An existing directory was kept by removeExisting: the entry merges into it (docker does the same).
        try {
          mkdirSync(path, 0o700);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        setDirMetadata(root, comps, hdr, parent);
        return 0;
      case 'file':
        return await writeFile(tar, root, parent, base, hdr);
      case 'symlink':
        checkSymlinkTarget(hdr.name, comps.slice(0, -1), hdr.linkname);
        symlinkSync(hdr.linkname, path);
        lchownSync(path, hdr.uid, hdr.gid);
        setXattrs(path, hdr);
        lutimesSync(path, times(hdr).atime, hdr.mtime);
        return 0;
      case 'hardlink':
        linkTo(root, parent, base, hdr);
        return 0;
      case 'char':
      case 'block':
      case 'fifo': {
        const kind = hdr.type === 'char' ? fsc.S_IFCHR : hdr.type === 'block' ? fsc.S_IFBLK : fsc.S_IFIFO;
        n.mknod(path, kind | 0o600, makedev(hdr.devmajor, hdr.devminor));
        lchownSync(path, hdr.uid, hdr.gid);
        chmodSync(path, hdr.mode); // the name is the node just made, never a symlink
        setXattrs(path, hdr);
        lutimesSync(path, times(hdr).atime, hdr.mtime);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('Internal', `entry "${hdr.name}": ${(err as Error).message}`, { cause: err });
  }
}

async function writeFile(
  tar: TarReader,
  root: SafeRoot,
  parent: number,
  base: string,
  hdr: TarHeader,
): Promise<number> {
  const fd = root.openIn(parent, base, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  let written = 0;
  try {
    for await (const chunk of tar.body()) {
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off, chunk.length - off);
      written += chunk.length;
    }
    fchownSync(fd, hdr.uid, hdr.gid);
    fchmodSync(fd, hdr.mode);
    setXattrs(atPath(parent, base), hdr);
    futimesSync(fd, times(hdr).atime, hdr.mtime);
  } finally {
    closeSync(fd);
  }
  return written;
}

function linkTo(root: SafeRoot, parent: number, base: string, hdr: TarHeader): void {
  const target = entryComponents(hdr.linkname, `hard link "${hdr.name}" to`);
  const targetBase = target[target.length - 1];
  if (targetBase === undefined)
    throw new BerthError('InvalidArgument', `entry "${hdr.name}": hard link to the root`);
  const targetDir = root.openDir(target.slice(0, -1), false, hdr.name);
  try {
    let st;
    try {
      st = lstatSync(atPath(targetDir, targetBase));
    } catch {
      throw new BerthError(
        'NotFound',
        `entry "${hdr.name}": hard link target "${hdr.linkname}" does not exist`,
      );
    }
    if (st.isDirectory())
      throw new BerthError(
        'InvalidArgument',
        `entry "${hdr.name}": hard link target "${hdr.linkname}" is a directory`,
      );
    // link(2) does not follow a symlink named by oldpath, so a link to a symlink links the symlink itself.
    linkSync(atPath(targetDir, targetBase), atPath(parent, base));
  } finally {
    closeSync(targetDir);
  }
}

function setDirMetadata(root: SafeRoot, comps: string[], hdr: TarHeader, parent?: number): void {
  const n = native();
  const base = comps[comps.length - 1];
  const fd =
    parent !== undefined && base !== undefined
      ? root.openIn(parent, base, fsc.O_RDONLY | fsc.O_DIRECTORY, 0)
      : n.openat2(root.fd, '.', fsc.O_RDONLY | fsc.O_DIRECTORY, 0, 0);
  try {
    if (!fstatSync(fd).isDirectory())
      throw new BerthError('Internal', `entry "${hdr.name}": not a directory after mkdir`);
    fchownSync(fd, hdr.uid, hdr.gid);
    fchmodSync(fd, hdr.mode);
    setXattrs(`/proc/self/fd/${fd}`, hdr, true);
  } finally {
    closeSync(fd);
  }
}

function setDirTimes(root: SafeRoot, d: PendingTimes): void {
  const n = native();
  const path = d.comps.length === 0 ? '.' : d.comps.join('/');
  let fd: number;
  try {
    const flags = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW;
    fd = n.openat2(root.fd, path, flags, 0, n.RESOLVE_BENEATH | n.RESOLVE_NO_SYMLINKS);
  } catch (err) {
    // A later entry replaced or removed this directory (or a parent): its times went with it.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EXDEV') return;
    throw err;
  }
  try {
    futimesSync(fd, d.atime, d.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * Sets the entry's xattrs on `path`. `viaFd` means path is /proc/self/fd/N of the object itself, which must be
 * followed once (setxattr), since lsetxattr would act on the magic link.
 */
function setXattrs(path: string, hdr: TarHeader, viaFd = false): void {
  if (hdr.xattrs.size === 0) return;
  const n = native();
  for (const [name, value] of hdr.xattrs) {
    if (name.startsWith('trusted.overlay.')) continue;
    try {
      if (viaFd) n.lsetxattr(`${path}/.`, name, value, 0);
      else n.lsetxattr(path, name, value, 0);
    } catch (err) {
      // containerd ignores attributes the filesystem cannot hold (ENOTSUP), e.g. user.* on a symlink.
      if ((err as NodeJS.ErrnoException).code === 'ENOTSUP') continue;
      throw new BerthError(
        'Internal',
        `entry "${hdr.name}": set xattr "${name}": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
