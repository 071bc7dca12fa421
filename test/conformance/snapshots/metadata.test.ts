// The snapshotter conformance suite against a namespace's view of the overlay snapshotter through the
// metadata store (keys mapped to backend keys, labels in SQLite).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRI_NAMESPACE, Stores } from '../../../src/metadata/index.js';
import { OverlaySnapshotter, type Snapshotter } from '../../../src/snapshots/index.js';
import { snapshotterSuite, skipUnlessRoot } from './suite.js';

snapshotterSuite('metadata store over overlay, namespace "k8s.io"', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-snap-md-'));
  const dir = join(root, 'snapshots', 'overlay');
  const open = async (): Promise<Stores> =>
    new Stores(root, {
      snapshotters: {
        overlay: skipUnlessRoot ? new OverlaySnapshotter(dir) : await OverlaySnapshotter.open(dir),
      },
    });
  let stores = await open();
  return {
    snapshotter: stores.snapshotter(CRI_NAMESPACE, 'overlay'),
    dir,
    reopen: async (): Promise<Snapshotter> => {
      await stores.close();
      stores = await open();
      return stores.snapshotter(CRI_NAMESPACE, 'overlay');
    },
    cleanup: async () => {
      await stores.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
