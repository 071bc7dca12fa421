// The metadata conformance suite against the SQLite store: on disk in WAL mode, and in memory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores } from '../../../src/metadata/index.js';
import { metadataSuite } from './suite.js';

metadataSuite('sqlite on disk (WAL)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-md-'));
  let stores = new Stores(root);
  return {
    stores,
    reopen: async () => {
      await stores.close();
      return (stores = new Stores(root));
    },
    cleanup: async () => {
      await stores.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

metadataSuite('sqlite in memory', async () => {
  const root = await mkdtemp(join(tmpdir(), 'berth-md-mem-'));
  const stores = new Stores(root, { databasePath: ':memory:' });
  return {
    stores,
    cleanup: async () => {
      await stores.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
