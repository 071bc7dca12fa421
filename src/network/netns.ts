// Network namespaces bind-mounted at <state>/netns/<id> (DESIGN.md "State on disk"), so that they outlive
// the container's processes until Berth has run CNI DEL in them: the bridge plugin deletes the container's
// veth from inside the namespace, and finds the addresses whose masquerade rules it must remove there.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, wrap } from '../base/errors.js';
import { native } from '../base/native.js';
import { listDir } from './json-files.js';

/** statfs f_type of a namespace file (NSFS_MAGIC, linux/magic.h). */
const NSFS_MAGIC = 0x6e736673n;

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

/** The path of container `id`'s namespace under `dir` (checked: the id cannot climb out of it). */
export function netnsPath(dir: string, id: string): string {
  if (!ID.test(id)) throw new BerthError('InvalidArgument', `network namespace id "${id}": invalid`);
  return join(dir, id);
}

/** Creates a new network namespace bind-mounted at `<dir>/<id>` and returns its path. */
export function createNetns(dir: string, id: string): string {
  const path = netnsPath(dir, id);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  try {
    native().netnsCreate(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BerthError('AlreadyExists', `network namespace "${path}": already exists`);
    throw wrap(err, `create network namespace "${path}"`);
  }
  return path;
}

/** Whether `path` is a mounted namespace (not just a leftover empty file). */
export function isNetnsMounted(path: string): boolean {
  try {
    return native().statfs(path).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * Unmounts and removes a namespace file; idempotent. MNT_DETACH, as ip-netns(8) does: a process still
 * inside keeps the namespace alive, but nothing of Berth's pins it any more.
 */
export function removeNetns(path: string): void {
  const n = native();
  // A namespace mounted twice on the same path (never by us, but cheap to handle) needs two unmounts.
  for (let i = 0; i < 4 && isNetnsMounted(path); i++) {
    try {
      n.umount2(path, n.MNT_DETACH);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EINVAL' && code !== 'ENOENT') throw wrap(err, `unmount network namespace "${path}"`);
    }
  }
  rmSync(path, { force: true });
}

/** The namespace ids under `dir` (mounted or leftover files). */
export function listNetns(dir: string): string[] {
  return listDir(dir).filter((f) => ID.test(f));
}
