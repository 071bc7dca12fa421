// The snapshotter conformance suite against the native (copying) snapshotter, with real bind mounts.
import { NativeSnapshotter } from '../../../src/snapshots/index.js';
import { dirFixture } from './fixture.js';
import { snapshotterSuite } from './suite.js';

snapshotterSuite('native', () => dirFixture('native', async (dir) => new NativeSnapshotter(dir)));
