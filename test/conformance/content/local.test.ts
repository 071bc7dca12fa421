// The content conformance suite against the plain on-disk store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalContentStore } from '../../../src/content/index.js';
import { contentSuite } from './suite.js';

contentSuite('local store', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-content-'));
  return {
    store: new LocalContentStore(root),
    labels: false,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});
