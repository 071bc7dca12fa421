// ImageFsInfo: usage of the filesystem holding the snapshots (image layers and containers' writable
// layers alike: one snapshotter serves both, so kubelet sees the same filesystem twice, as with containerd).
import type { CriContext } from './context.js';
import { filesystemUsage } from './images.js';

/** ImageFsInfo. */
export async function imageFsInfo(
  _req: object,
  ctx: CriContext,
): Promise<{ image_filesystems: unknown[]; container_filesystems: unknown[] }> {
  const usage = filesystemUsage(ctx.snapshotRoot);
  return { image_filesystems: [usage], container_filesystems: [usage] };
}
