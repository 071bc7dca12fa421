// The fixture both directory snapshotters' suites use: a fresh snapshotter in a temp root, reopenable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Snapshotter } from '../../../src/snapshots/index.js';
import type { SnapshotterFixture } from './suite.js';

/** A fixture over <temp>/snapshots/<name>, made by `open(dir)`. */
export async function dirFixture(
  name: string,
  open: (dir: string) => Promise<Snapshotter>,
  chainDepth?: number,
): Promise<SnapshotterFixture> {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  const dir = join(root, 'snapshots', name);
  let current = await open(dir);
  return {
    ...(chainDepth !== undefined ? { chainDepth } : {}),
    snapshotter: current,
    dir,
    reopen: async () => {
      await current.close();
      return (current = await open(dir));
    },
    cleanup: async () => {
      await current.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
