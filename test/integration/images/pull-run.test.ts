// The whole path once: the busybox test image pushed to a real docker-registry, pulled back with layers
// unpacked while they download, and the unpacked rootfs run as a container by berth-runtime.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LayoutStore,
  OCI_MANIFEST,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { discardContents, unpackLayer } from '../../../src/images/unpack/index.js';
import { buildBusyboxImage } from '../../fixtures/image.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';
import { Bundle, TestRuntime, skipUnlessRoot, uniqueId } from '../runtime/harness.js';

let work: string;
let reg: TestRegistry;
const rt = new TestRuntime();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-pull-run-'));
  reg = await startRegistry();
});
after(async () => {
  closeConnections();
  await rt.cleanup();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('pull and run', { skip: skipUnlessRoot }, () => {
  it('runs a container from an image pulled through the registry', async () => {
    const image = await buildBusyboxImage(join(work, 'img'));
    const size = statSync(join(image.layoutDir, 'blobs/sha256', image.manifestDigest.slice(7))).size;
    const client = new RegistryClient({ credentials: new StaticCredentials() });
    const ref = `${reg.host}/library/busybox:run`;
    await push(
      client,
      ref,
      { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size },
      {
        source: await LayoutStore.open(image.layoutDir),
      },
    );

    const bundle = await Bundle.create([
      '/bin/sh',
      '-c',
      'echo "hello from $(cat /etc/passwd | head -1 | cut -d: -f1)"',
    ]);
    try {
      // Replace the harness's rootfs by the pulled one, applied layer by layer (the copy-snapshotter form).
      discardContents(bundle.rootfs);
      mkdirSync(bundle.rootfs, { recursive: true });
      const store = await LayoutStore.open(join(work, 'store'));
      const r = await pull(client, ref, {
        sink: store,
        layerConcurrency: 1, // one directory: layers must apply in order
        unpacker: {
          source: store,
          apply: async (layer, blob) => {
            const { mediaType, digest } = layer.descriptor;
            await unpackLayer(blob, bundle.rootfs, {
              mediaType,
              whiteouts: 'apply',
              digest,
              diffId: layer.diffId,
            });
          },
        },
      });
      assert.equal(r.layers[0]?.diffId, image.diffId);
      bundle.write();
      const run = await rt.run(['run', '-b', bundle.dir, uniqueId('pulled')]);
      assert.equal(run.stderr, '');
      assert.equal(run.code, 0);
      assert.equal(run.stdout, 'hello from root\n');
    } finally {
      bundle.remove();
    }
  });
});
