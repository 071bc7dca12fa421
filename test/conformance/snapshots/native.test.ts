// The snapshotter conformance suite against the native (copying) snapshotter, with real bind mounts.
import { NativeSnapshotter } from '../../../src/snapshots/index.js';
import { dirFixture } from './fixture.js';
import { snapshotterSuite } from './suite.js';

// Every native layer is a full copy of its parent: a chain of 20 shows stacking without 120 growing copies
// (the long chain exists for overlay's one-page lowerdir limit, which native does not have).
snapshotterSuite('native', () => dirFixture('native', async (dir) => new NativeSnapshotter(dir), 20));
