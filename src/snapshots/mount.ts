// Performs a snapshot's mounts on a target directory and undoes them, for callers that mount in this
// process (the unpacker, tests, the daemon before it hands a rootfs to a runtime), as containerd's
// mount.All / mount.UnmountAll do.
//
// Long layer stacks: mount(2) takes at most one page of filesystem data (4096 bytes here), and overlayfs
// reads lowerdir from it. Snapshot directories have short numeric names for this reason, and when the
// options still do not fit, the common parent directory of all layers is made the working directory for
// the mount(2) call and the paths are given relative to it (containerd's compactLowerdirOption). That
// chdir is process-wide, so it is done synchronously, and only on the main thread.
import { isMainThread } from 'node:worker_threads';
import { dirname, relative, sep } from 'node:path';
import { BerthError, wrap } from '../base/errors.js';
import { native } from '../base/native.js';
import { MOUNT_OPTIONS } from '../oci/linux.js';
import type { Mount } from './types.js';

/** The most bytes of filesystem data mount(2) accepts (one page, minus the terminating NUL). */
export const MOUNT_DATA_MAX = 4095;

/** Overlay's own limit on lower layers (OVL_MAX_STACK in fs/overlayfs/params.h). */
export const OVERLAY_MAX_LAYERS = 500;

/** A mount's options split into mount(2) flags and filesystem data. */
export interface SplitOptions {
  flags: bigint;
  bind: boolean;
  readonly: boolean;
  data: string[];
}

/** Splits mount(8)-style options into flags and data. */
export function splitOptions(options: readonly string[]): SplitOptions {
  let flags = 0n;
  const data: string[] = [];
  for (const opt of options) {
    const known = MOUNT_OPTIONS[opt];
    if (!known || known.flag === undefined) {
      if (!known) data.push(opt);
      continue;
    }
    flags = known.clear ? flags & ~known.flag : flags | known.flag;
  }
  const n = native();
  return {
    flags,
    bind: (flags & BigInt(n.MS_BIND)) !== 0n,
    readonly: (flags & BigInt(n.MS_RDONLY)) !== 0n,
    data,
  };
}

/**
 * The directory that receives a writable snapshot's own changes, found from its mounts: the source of a
 * read-write bind mount, or overlay's upperdir. An unpacker may write a layer there directly, with
 * whiteouts in overlay's form (0:0 character devices, trusted.overlay.opaque), as containerd's overlay
 * applier does. Undefined for read-only mounts.
 */
export function layerDir(mounts: readonly Mount[]): string | undefined {
  const m = mounts[mounts.length - 1];
  if (!m) return undefined;
  const opts = splitOptions(m.options);
  if (m.type === 'bind' || opts.bind) return opts.readonly ? undefined : m.source;
  if (m.type === 'overlay')
    return opts.data.find((o) => o.startsWith('upperdir='))?.slice('upperdir='.length);
  return undefined;
}

/** Mounts `mounts` in order on `target`; on failure, undoes the ones already made. */
export function mountAll(mounts: readonly Mount[], target: string): void {
  let done = 0;
  try {
    for (const m of mounts) {
      mountOne(m, target);
      done++;
    }
  } catch (err) {
    for (; done > 0; done--) unmountOnce(target);
    throw err;
  }
}

/**
 * mountAll for the daemon's per-container rootfs: a single overlay or other filesystem mount whose
 * options fit mount(2) as they are is made in the thread pool (native/addon/async.c says why); bind mounts,
 * stacks and long options go through mountAll.
 */
export async function mountAllAsync(mounts: readonly Mount[], target: string): Promise<void> {
  const m = mounts.length === 1 ? mounts[0]! : undefined;
  const opts = m && splitOptions(m.options);
  if (!m || !opts || m.type === 'bind' || opts.bind || opts.data.join(',').length > MOUNT_DATA_MAX)
    return mountAll(mounts, target);
  const data = opts.data.join(',');
  try {
    await native().mountAsync(m.source, target, m.type, opts.flags, data);
  } catch (err) {
    throw wrap(err, `mount ${m.type} on "${target}" (${data.slice(0, 200)})`);
  }
}

/** unmountAll in the thread pool. */
export async function unmountAllAsync(target: string): Promise<void> {
  for (let i = 0; i < 64; i++) {
    try {
      await native().umount2Async(target, native().UMOUNT_NOFOLLOW);
    } catch (err) {
      if (notMounted(err)) return;
      throw wrap(err, `unmount "${target}"`);
    }
  }
  throw new BerthError('Internal', `unmount "${target}": still mounted after 64 unmounts`);
}

/** Whether umount2 failed because nothing is mounted there (any more). */
function notMounted(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EINVAL' || code === 'ENOENT';
}

/** Unmounts everything mounted on `target` (stacked mounts included); a target with no mount is fine. */
export function unmountAll(target: string): void {
  for (let i = 0; i < 64; i++) if (!unmountOnce(target)) return;
  throw new BerthError('Internal', `unmount "${target}": still mounted after 64 unmounts`);
}

function unmountOnce(target: string): boolean {
  try {
    native().umount2(target, native().UMOUNT_NOFOLLOW);
    return true;
  } catch (err) {
    if (notMounted(err)) return false;
    throw wrap(err, `unmount "${target}"`);
  }
}

function mountOne(m: Mount, target: string): void {
  const n = native();
  const opts = splitOptions(m.options);
  if (m.type === 'bind' || opts.bind) {
    const flags = opts.flags | BigInt(n.MS_BIND);
    try {
      n.mount(m.source, target, null, flags & ~BigInt(n.MS_RDONLY), null);
      // A bind mount ignores MS_RDONLY until it is remounted (mount(2) "Creating a bind mount").
      if (opts.readonly) n.mount(null, target, null, BigInt(n.MS_BIND | n.MS_REMOUNT | n.MS_RDONLY), null);
    } catch (err) {
      if (opts.readonly) unmountOnce(target);
      throw wrap(err, `bind mount "${m.source}" on "${target}"`);
    }
    return;
  }
  const data = opts.data.join(',');
  if (data.length <= MOUNT_DATA_MAX) {
    try {
      n.mount(m.source, target, m.type, opts.flags, data);
    } catch (err) {
      throw wrap(err, `mount ${m.type} on "${target}" (${data.slice(0, 200)})`);
    }
    return;
  }
  const compact = compactOverlayData(opts.data);
  if (compact.data.length > MOUNT_DATA_MAX)
    throw new BerthError(
      'FailedPrecondition',
      `mount ${m.type} on "${target}": options are ${compact.data.length} bytes even relative to "${compact.dir}", more than mount(2) takes (${MOUNT_DATA_MAX})`,
    );
  if (!isMainThread)
    throw new BerthError(
      'FailedPrecondition',
      `mount ${m.type} on "${target}": options too long to mount from a worker thread`,
    );
  const cwd = process.cwd();
  process.chdir(compact.dir);
  try {
    n.mount(m.source, target, m.type, opts.flags, compact.data);
  } catch (err) {
    throw wrap(err, `mount ${m.type} on "${target}" (relative to "${compact.dir}")`);
  } finally {
    process.chdir(cwd);
  }
}

const PATH_OPTIONS = ['lowerdir=', 'upperdir=', 'workdir='];

/** Rewrites overlay's lowerdir/upperdir/workdir relative to their deepest common directory. */
export function compactOverlayData(data: readonly string[]): { dir: string; data: string } {
  const paths: string[] = [];
  for (const opt of data) {
    const prefix = PATH_OPTIONS.find((p) => opt.startsWith(p));
    if (prefix) paths.push(...opt.slice(prefix.length).split(':'));
  }
  const dir = commonDir(paths);
  const rewritten = data.map((opt) => {
    const prefix = PATH_OPTIONS.find((p) => opt.startsWith(p));
    if (!prefix) return opt;
    return (
      prefix +
      opt
        .slice(prefix.length)
        .split(':')
        .map((p) => relative(dir, p))
        .join(':')
    );
  });
  return { dir, data: rewritten.join(',') };
}

function commonDir(paths: readonly string[]): string {
  if (paths.length === 0) return '/';
  let common = dirname(paths[0]!);
  for (const p of paths) while (common !== '/' && !p.startsWith(common + sep)) common = dirname(common);
  return common;
}
