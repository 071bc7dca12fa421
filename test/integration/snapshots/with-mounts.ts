// Test helper: mount a snapshot's mounts on a fresh temp directory, run fn there, always unmount.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountAll, unmountAll, type Mount } from '../../../src/snapshots/index.js';

/** Mounts `mounts` on a new temp directory, runs fn on it, then unmounts and removes the directory. */
export async function withMounts<T>(mounts: readonly Mount[], fn: (dir: string) => Promise<T>): Promise<T> {
  const target = mkdtempSync(join(tmpdir(), 'berth-mnt-'));
  mountAll(mounts, target);
  try {
    return await fn(target);
  } finally {
    unmountAll(target);
    rmSync(target, { recursive: true, force: true });
  }
}
