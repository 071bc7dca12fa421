// docker's copy-up (moby container.CopyImagePathContent): a volume that is empty when a container mounts
// it first gets what the image has at the mount's destination — files, directories and symlinks with
// their owners, modes and times — and the volume's own directory takes the owner and mode of the image's
// directory, so a service that owns /var/lib/app in its image also owns its volume. Symlinks are copied as
// links, never followed: the source is inside the container's rootfs and its links point inside it.
import {
  chmodSync,
  copyFileSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';

/** Copies the tree under `from` into the empty directory `to`; returns whether anything was copied. */
export function copyImageContent(from: string, to: string): boolean {
  const top = lstatSync(from, { throwIfNoEntry: false });
  if (!top?.isDirectory()) return false;
  if (readdirSync(to).length > 0) return false;
  copyChildren(from, to);
  keepMetadata(to, top);
  return true;
}

function copyChildren(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const st = lstatSync(src);
    if (st.isDirectory()) {
      mkdirSync(dst);
      copyChildren(src, dst);
    } else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isFile()) copyFileSync(src, dst);
    else continue; // devices, fifos and sockets in an image's volume path are not copied (as moby's copier)
    keepMetadata(dst, st);
  }
}

function keepMetadata(path: string, st: Stats): void {
  lchownSync(path, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(path, st.mode & 0o7777);
  lutimesSync(path, st.atime, st.mtime);
}
