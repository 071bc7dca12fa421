// The native snapshotter (containerd's snapshots/native): every snapshot is a full, plain copy of its
// parent in <dir>/<id>/fs, mounted with a bind mount. Slower and larger than overlay, but it works on any
// filesystem, including where overlayfs cannot run (an overlay root, a filesystem without d_type).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { copyTree } from './copy-tree.js';
import { DirSnapshotter } from './dir-snapshotter.js';
import type { SnapshotRecord } from './storage.js';
import type { Kind, Mount } from './types.js';

/** Snapshots as plain directory copies under `dir` (by default <root>/snapshots/native). */
export class NativeSnapshotter extends DirSnapshotter {
  protected override async populate(tmp: string, _kind: Kind, parentIds: number[]): Promise<void> {
    const fs = join(tmp, 'fs');
    await mkdir(fs, { mode: 0o755 });
    const parent = parentIds[0];
    if (parent !== undefined) await copyTree(this.fsPath(parent), fs);
  }

  protected override mountsOf(rec: SnapshotRecord): Mount[] {
    return [
      { type: 'bind', source: this.fsPath(rec.id), options: [rec.kind === 'view' ? 'ro' : 'rw', 'rbind'] },
    ];
  }
}
