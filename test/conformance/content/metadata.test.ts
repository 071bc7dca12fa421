// The content conformance suite against the namespaced view of the metadata store (labels kept per
// namespace in SQLite, blobs in the plain store).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_NAMESPACE, Stores } from '../../../src/metadata/index.js';
import { contentSuite } from './suite.js';

contentSuite('metadata store, namespace "moby"', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-content-md-'));
  const stores = new Stores(root);
  return {
    store: stores.content(DOCKER_NAMESPACE),
    labels: true,
    cleanup: async () => {
      await stores.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
