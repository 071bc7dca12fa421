// The snapshotter conformance suite against the overlay snapshotter, with real overlay mounts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverlaySnapshotter, type Snapshotter } from '../../../src/snapshots/index.js';
import { snapshotterSuite } from './suite.js';

snapshotterSuite('overlay', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  const dir = join(root, 'snapshots', 'overlay');
  let current: Snapshotter = await OverlaySnapshotter.open(dir);
  return {
    snapshotter: current,
    dir,
    reopen: async () => {
      await current.close();
      return (current = new OverlaySnapshotter(dir));
    },
    cleanup: async () => {
      await current.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
