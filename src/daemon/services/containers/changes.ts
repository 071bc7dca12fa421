// What a container changed in its root filesystem (GET /containers/{id}/changes, `docker diff`) and how
// much it wrote (SizeRw, SizeRootFs of list and inspect with size=1), read from its overlay snapshot the
// way dockerd's overlay2 driver reads it: every entry of the upper directory is a change. A whiteout
// (a 0:0 character device) is a deletion; an entry the layers below have too is a modification;
// anything else was added. Directories are reported as modified when something below them changed,
// as docker does. The runtime's own mount points (/etc/hosts and the like, which dockerd keeps in an
// "init" layer of its own) are not the container's changes.
import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../../base/errors.js';
import { native } from '../../../base/native.js';
import type { Container } from '../../../metadata/index.js';
import { fileBytes, layerDir, type Mount } from '../../../snapshots/index.js';
import type { ServiceContext } from './context.js';

/** Docker's kinds of change (pkg/archive ChangeType). */
export const CHANGE_KIND = { modified: 0, added: 1, deleted: 2 } as const;

/** One change, as the API reports it. */
export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** Paths dockerd's init layer holds (daemon/initlayer): never reported as the container's changes. */
const INIT_PATHS = new Set([
  '/dev/pts',
  '/dev/shm',
  '/proc',
  '/sys',
  '/.dockerenv',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/hostname',
  '/dev/console',
  '/etc/mtab',
]);

/** The upper and lower directories of a container's overlay mount; FailedPrecondition otherwise. */
function overlayDirs(mounts: readonly Mount[], id: string): { upper: string; lowers: string[] } {
  const m = mounts[mounts.length - 1];
  const upper = layerDir(mounts);
  if (!m || m.type !== 'overlay' || !upper)
    throw new BerthError(
      'FailedPrecondition',
      `container ${id}: changes are read from an overlay snapshot; this one is mounted as ${m?.type ?? 'nothing'}`,
    );
  const lower = m.options.find((o) => o.startsWith('lowerdir='))?.slice('lowerdir='.length);
  return { upper, lowers: lower ? lower.split(':') : [] };
}

async function mountsOf(ctx: ServiceContext, c: Container): Promise<Mount[]> {
  if (!c.snapshotter || !c.snapshotKey)
    throw new BerthError('FailedPrecondition', `container ${c.id}: it has no root filesystem snapshot`);
  return ctx.stores.snapshotter('moby', c.snapshotter).mounts(c.snapshotKey);
}

const isWhiteout = (st: { isCharacterDevice(): boolean; rdev: number }): boolean =>
  st.isCharacterDevice() && st.rdev === 0;

/** Whether `path` is in the layers below (the first layer that has it or a whiteout of it decides). */
async function inLowers(lowers: string[], path: string): Promise<boolean> {
  for (const dir of lowers) {
    const st = await lstat(join(dir, path)).catch(() => undefined);
    if (st) return !isWhiteout(st);
  }
  return false;
}

/** The container's changes, sorted by path (docker diff's order). */
export async function containerChanges(ctx: ServiceContext, c: Container): Promise<Change[]> {
  const { upper, lowers } = overlayDirs(await mountsOf(ctx, c), c.id);
  const out: Change[] = [];
  // Reports what is below `rel` (a directory of upper): whether it reported anything, and whether it
  // passed over a runtime mount point. Below an opaque directory the layers underneath are hidden, so
  // everything there was added.
  const walk = async (rel: string, below: string[]): Promise<{ changed: boolean; mountPoints: boolean }> => {
    let changed = false;
    let mountPoints = false;
    for await (const entry of await opendir(join(upper, rel))) {
      const path = rel === '/' ? `/${entry.name}` : `${rel}/${entry.name}`;
      if (INIT_PATHS.has(path)) {
        mountPoints = true;
        continue;
      }
      const st = await lstat(join(upper, path));
      if (isWhiteout(st)) {
        out.push({ Path: path, Kind: CHANGE_KIND.deleted });
        changed = true;
        continue;
      }
      const existed = await inLowers(below, path);
      if (st.isDirectory()) {
        const opaque = native().lgetxattr(join(upper, path), 'trusted.overlay.opaque')?.toString() === 'y';
        const inside = await walk(path, opaque ? [] : below);
        // Copied up only to hold the runtime's mount points: no change of the container's.
        if (existed && !inside.changed && inside.mountPoints) {
          mountPoints = true;
          continue;
        }
      }
      out.push({ Path: path, Kind: existed ? CHANGE_KIND.modified : CHANGE_KIND.added });
      changed = true;
    }
    return { changed, mountPoints };
  };
  await walk('/', lowers);
  return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/** SizeRw (what the container wrote) and SizeRootFs (that and its image's layers). */
export async function containerSizes(
  ctx: ServiceContext,
  c: Container,
): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const mounts = await mountsOf(ctx, c);
  const own = layerDir(mounts);
  const rw = own ? await fileBytes(own) : 0;
  const sn = ctx.stores.snapshotter('moby', c.snapshotter!);
  let layers = 0;
  for (let parent = (await sn.stat(c.snapshotKey!)).parent; parent;) {
    layers += (await sn.usage(parent)).size;
    parent = (await sn.stat(parent)).parent;
  }
  return { SizeRw: rw, SizeRootFs: rw + layers };
}
