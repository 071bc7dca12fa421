// Puts a small OCI image into a Stores the way a pull will (under a lease: layers, config, manifest and
// index as blobs; each layer unpacked into a committed snapshot named by its chain ID; then the image
// record; then the lease released), for the garbage-collection tests. Layer bytes are arbitrary (they are
// never untarred here), so their diff IDs are their digests.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf, writeBlob, type Info } from '../../../src/content/index.js';
import { chainIds, type Descriptor, type Stores } from '../../../src/metadata/index.js';
import { withMounts } from '../snapshots/with-mounts.js';

/** What was put into the store. */
export interface FakeImage {
  index: Descriptor;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  chainIds: string[];
}

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** Writes an image named `name` with `layerCount` layers into namespace `ns`, snapshotter `snapshotter`. */
export async function putImage(
  stores: Stores,
  ns: string,
  name: string,
  layerCount: number,
  snapshotter = 'overlay',
): Promise<FakeImage> {
  const lease = stores.leases(ns).create({ ttlMs: 60_000 });
  const content = stores.content(ns, { lease: lease.id });
  const desc = (info: Info, mediaType: string): Descriptor => ({
    mediaType,
    digest: info.digest,
    size: info.size,
  });
  const layers: Descriptor[] = [];
  for (let i = 0; i < layerCount; i++) {
    const data = randomBytes(4096 + i);
    layers.push(
      desc(await writeBlob(content, `layer-${digestOf(data)}`, data, { digest: digestOf(data) }), OCI_LAYER),
    );
  }
  const configDoc = {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
  };
  const config = desc(await putJson(content, configDoc), OCI_CONFIG);
  const manifestDoc = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
  const manifest = desc(await putJson(content, manifestDoc), OCI_MANIFEST);
  const indexDoc = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ ...manifest, platform: { os: 'linux', architecture: 'amd64' } }],
  };
  const index = desc(await putJson(content, indexDoc), OCI_INDEX);
  const ids = chainIds(configDoc);
  const sn = stores.snapshotter(ns, snapshotter, { lease: lease.id });
  let parent: string | undefined;
  for (const [i, chainId] of ids.entries()) {
    try {
      await sn.stat(chainId);
    } catch {
      const key = `extract-${randomBytes(4).toString('hex')}-${chainId}`;
      const mounts = await sn.prepare(key, parent);
      await withMounts(mounts, (dir) => writeFile(join(dir, `layer-${i}`), String(i)));
      await sn.commit(chainId, key);
    }
    parent = chainId;
  }
  stores.images(ns).create({ name, target: index });
  stores.leases(ns).delete(lease.id);
  return { index, manifest, config, layers, chainIds: ids };
}

async function putJson(content: ReturnType<Stores['content']>, doc: unknown): Promise<Info> {
  const data = Buffer.from(JSON.stringify(doc));
  return writeBlob(content, `json-${digestOf(data)}`, data, { digest: digestOf(data) });
}
