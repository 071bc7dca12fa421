// The snapshotter conformance suite against the overlay snapshotter, with real overlay mounts.
import { OverlaySnapshotter } from '../../../src/snapshots/index.js';
import { dirFixture } from './fixture.js';
import { skipUnlessRoot, snapshotterSuite } from './suite.js';

snapshotterSuite('overlay', () =>
  dirFixture('overlay', async (dir) =>
    skipUnlessRoot ? new OverlaySnapshotter(dir) : OverlaySnapshotter.open(dir),
  ),
);
