// The overlayfs snapshotter (containerd's snapshots/overlay): every snapshot's own layer is <dir>/<id>/fs,
// and a snapshot's tree is its layer over its parents' layers (kernel docs: filesystems/overlayfs.rst).
//
//   active, no parent     bind <id>/fs rw
//   active, parents       overlay lowerdir=<parent fs>:<grandparent fs>:...,upperdir=<id>/fs,workdir=<id>/work
//   view, one parent      bind <parent fs> ro
//   view, parents         overlay lowerdir=<parent fs>:... (no upper: read-only)
//   view, no parent       bind <id>/fs ro (empty)
//
// Committed layers are the unpacked image layers, keyed by chain ID by the caller. lowerdir is ordered
// top first, as overlayfs wants. "index=off" is passed when the kernel knows the option, so that layers
// shared by several mounts need no inode index (as containerd does).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../base/errors.js';
import { DirSnapshotter } from './dir-snapshotter.js';
import { OVERLAY_MAX_LAYERS } from './mount.js';
import { checkOverlaySupport } from './overlay-support.js';
import type { SnapshotRecord } from './storage.js';
import type { Kind, Mount } from './types.js';

const INDEX_PARAMETER = '/sys/module/overlay/parameters/index';

/** Snapshots as overlayfs layers under `dir` (by default <root>/snapshots/overlay). */
export class OverlaySnapshotter extends DirSnapshotter {
  private readonly indexOff = existsSync(INDEX_PARAMETER);

  /** Opens the snapshotter after checking that overlayfs works on `dir`; FailedPrecondition says why not. */
  static async open(dir: string): Promise<OverlaySnapshotter> {
    const support = await checkOverlaySupport(dir);
    if (!support.supported)
      throw new BerthError('FailedPrecondition', `overlay snapshotter "${dir}": ${support.reason}`);
    return new OverlaySnapshotter(dir);
  }

  protected override async populate(tmp: string, kind: Kind, parentIds: number[]): Promise<void> {
    await mkdir(join(tmp, 'fs'), { mode: 0o755 });
    if (kind === 'active' && parentIds.length > 0) await mkdir(join(tmp, 'work'), { mode: 0o711 });
  }

  protected override checkChain(key: string, parentIds: number[]): void {
    if (parentIds.length + 1 > OVERLAY_MAX_LAYERS)
      throw new BerthError(
        'FailedPrecondition',
        `prepare "${key}": ${parentIds.length} parent layers, more than overlayfs stacks (${OVERLAY_MAX_LAYERS - 1})`,
      );
  }

  protected override mountsOf(rec: SnapshotRecord): Mount[] {
    const own = this.fsPath(rec.id);
    const lowers = rec.parentIds.map((id) => this.fsPath(id));
    const readonly = rec.kind === 'view';
    if (lowers.length === 0)
      return [{ type: 'bind', source: own, options: [readonly ? 'ro' : 'rw', 'rbind'] }];
    if (readonly && lowers.length === 1)
      return [{ type: 'bind', source: lowers[0]!, options: ['ro', 'rbind'] }];
    const options = this.indexOff ? ['index=off'] : [];
    if (!readonly) options.push(`workdir=${join(this.dir, String(rec.id), 'work')}`, `upperdir=${own}`);
    options.push(`lowerdir=${lowers.join(':')}`);
    return [{ type: 'overlay', source: 'overlay', options }];
  }
}
