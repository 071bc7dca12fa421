// The snapshotter conformance suite against the native (copying) snapshotter, with real bind mounts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeSnapshotter, type Snapshotter } from '../../../src/snapshots/index.js';
import { snapshotterSuite } from './suite.js';

snapshotterSuite('native', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-'));
  const dir = join(root, 'snapshots', 'native');
  let current: Snapshotter = new NativeSnapshotter(dir);
  return {
    snapshotter: current,
    dir,
    reopen: async () => {
      await current.close();
      return (current = new NativeSnapshotter(dir));
    },
    cleanup: async () => {
      await current.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
