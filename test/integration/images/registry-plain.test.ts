// The registry client against a real docker-registry on loopback, without auth: push the busybox test image,
// pull it back (digests and unpacked content compared), skopeo as a peer on both sides, HEAD, errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  LayoutStore,
  OCI_MANIFEST,
  type ProgressEvent,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  headManifest,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { unpackLayer } from '../../../src/images/unpack/index.js';
import { gzipSync } from 'node:zlib';
import { type BusyboxImage, buildBusyboxImage } from '../../fixtures/image.js';
import { startBlobStorage } from '../../fixtures/faulty-servers.js';
import { writeBlob } from '../../fixtures/oci-images.js';
import { ALLOW_LOOPBACK_URLS, type TestRegistry, startRegistry } from '../../fixtures/registry.js';
import { writeTar } from '../../fixtures/tar.js';

const run = promisify(execFile);
const skip = process.getuid?.() === 0 ? false : 'needs root (unpacks with owners)';

let reg: TestRegistry;
let work: string;
let image: BusyboxImage;
let manifestSize: number;

function client(): RegistryClient {
  return new RegistryClient({ credentials: new StaticCredentials(), retry: { baseDelayMs: 10 } });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-plain-'));
  image = await buildBusyboxImage(join(work, 'img'));
  manifestSize = statSync(join(image.layoutDir, 'blobs/sha256', image.manifestDigest.slice(7))).size;
  reg = await startRegistry();
});

after(async () => {
  closeConnections();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('plain registry', { skip }, () => {
  it('pushes the busybox image and pulls it back with the same digests and content', async () => {
    const source = await LayoutStore.open(image.layoutDir);
    const events: ProgressEvent[] = [];
    const top = { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: manifestSize };
    const pushed = await push(client(), `${reg.host}/berth/busybox:1`, top, {
      source,
      onProgress: (e) => events.push(e),
    });
    assert.equal(pushed.digest, image.manifestDigest);
    assert.ok(events.some((e) => e.digest === image.layerDigest && e.state === 'uploading'));
    assert.ok(events.some((e) => e.digest === image.layerDigest && e.state === 'pushed'));

    const head = await headManifest(
      client(),
      client().endpoints(reg.host, 'pull')[0]!,
      'berth/busybox',
      '1',
      'x',
    );
    assert.deepEqual(head, { digest: image.manifestDigest, mediaType: OCI_MANIFEST, size: manifestSize });

    const sink = await LayoutStore.open(join(work, 'pulled'));
    const pullEvents: ProgressEvent[] = [];
    const r = await pull(client(), `${reg.host}/berth/busybox:1`, {
      sink,
      onProgress: (e) => pullEvents.push(e),
    });
    assert.equal(r.target.digest, image.manifestDigest);
    assert.equal(r.manifest.config.digest, image.configDigest);
    assert.deepEqual(
      r.layers.map((l) => [l.descriptor.digest, l.diffId]),
      [[image.layerDigest, image.diffId]],
    );
    for (const d of [image.manifestDigest, image.configDigest, image.layerDigest]) {
      assert.deepEqual(
        await sink.readBlob(d),
        readFileSync(join(image.layoutDir, 'blobs/sha256', d.slice(7))),
      );
    }
    const layerDone = pullEvents.filter((e) => e.digest === image.layerDigest);
    assert.equal(layerDone.at(-1)?.state, 'done');
    assert.equal(layerDone.at(-1)?.done, r.layers[0]?.descriptor.size);

    // Unpack the pulled layer and check it against the image's own diff ID and a file's bytes.
    const rootfs = join(work, 'rootfs');
    (await import('node:fs')).mkdirSync(rootfs);
    const layer = r.layers[0]!;
    const u = await unpackLayer(await sink.open(layer.descriptor), rootfs, {
      mediaType: layer.descriptor.mediaType,
      whiteouts: 'overlay',
      digest: layer.descriptor.digest,
      diffId: layer.diffId,
    });
    assert.equal(u.diffId, image.diffId);
    assert.deepEqual(readFileSync(join(rootfs, 'bin/busybox')), readFileSync('/bin/busybox'));
    assert.ok(readdirSync(join(rootfs, 'bin')).includes('sh'));

    // A second pull finds everything present and fetches no blob.
    const again: ProgressEvent[] = [];
    await pull(client(), `${reg.host}/berth/busybox:1`, { sink, onProgress: (e) => again.push(e) });
    assert.deepEqual(
      again.filter((e) => e.kind === 'layer' && e.state !== 'waiting').map((e) => e.state),
      ['exists'],
    );
  });

  it('mounts blobs across repositories instead of uploading them', async () => {
    const source = await LayoutStore.open(image.layoutDir);
    const top = { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: manifestSize };
    await push(client(), `${reg.host}/mount/src:1`, top, { source });
    const events: ProgressEvent[] = [];
    await push(client(), `${reg.host}/mount/dst:1`, top, {
      source,
      mountFrom: ['mount/src'],
      onProgress: (e) => events.push(e),
    });
    const states = new Map(events.filter((e) => e.kind !== 'manifest').map((e) => [e.digest, e.state]));
    assert.equal(states.get(image.layerDigest), 'mounted');
    assert.equal(states.get(image.configDigest), 'mounted');
    assert.ok(!events.some((e) => e.state === 'uploading'));
  });

  it('uploads in PATCH chunks', async () => {
    const source = await LayoutStore.open(image.layoutDir);
    const top = { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: manifestSize };
    await push(client(), `${reg.host}/chunked/busybox:c`, top, { source, chunkSize: 64 * 1024 });
    const sink = await LayoutStore.open(join(work, 'chunked'));
    const r = await pull(client(), `${reg.host}/chunked/busybox:c`, { sink });
    assert.equal(r.layers[0]?.descriptor.digest, image.layerDigest);
    assert.ok(await sink.has(image.layerDigest));
  });

  it('interoperates with skopeo: skopeo pushes, berth pulls; berth pushes, skopeo copies', async () => {
    await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      `oci:${image.layoutDir}`,
      `docker://${reg.host}/skopeo/busybox:s`,
    ]);
    const sink = await LayoutStore.open(join(work, 'from-skopeo'));
    const r = await pull(client(), `${reg.host}/skopeo/busybox:s`, { sink });
    // skopeo keeps the OCI manifest as is when the destination accepts it.
    assert.equal(r.manifest.config.digest, image.configDigest);
    assert.equal(r.layers[0]?.descriptor.digest, image.layerDigest);

    const source = await LayoutStore.open(image.layoutDir);
    const top = { mediaType: OCI_MANIFEST, digest: image.manifestDigest, size: manifestSize };
    await push(client(), `${reg.host}/berth/for-skopeo:b`, top, { source });
    const out = join(work, 'skopeo-out');
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${reg.host}/berth/for-skopeo:b`,
      `oci:${out}:b`,
    ]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    assert.equal(index.manifests[0]?.digest, image.manifestDigest);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${reg.host}/berth/for-skopeo:b`,
    ]);
    assert.equal(
      stdout,
      readFileSync(join(image.layoutDir, 'blobs/sha256', image.manifestDigest.slice(7)), 'utf8'),
    );
  });

  it('names the reference when a tag or repository is unknown', async () => {
    const sink = await LayoutStore.open(join(work, 'missing'));
    await assert.rejects(pull(client(), `${reg.host}/berth/busybox:nope`, { sink }), {
      code: 'NotFound',
      message: `pull "${reg.host}/berth/busybox:nope": manifest "nope": manifest unknown`,
    });
    await assert.rejects(pull(client(), `${reg.host}/no/such:1`, { sink }), {
      code: 'NotFound',
      message: `pull "${reg.host}/no/such:1": manifest "1": manifest unknown`,
    });
    await assert.rejects(pull(client(), 'Bad/Ref', { sink }), {
      code: 'InvalidArgument',
      message: 'reference "Bad/Ref": repository name must be lowercase',
    });
  });
});

describe('foreign layers', () => {
  it('are not pushed, and are pulled from their urls when the registry lacks them', async () => {
    const foreignReg = await startRegistry({ kind: 'none' }, undefined, ALLOW_LOOPBACK_URLS);
    const storageDir = join(work, 'foreign-storage');
    const storage = await startBlobStorage(storageDir);
    try {
      const tar = writeTar([
        { type: 'file', path: 'license', data: Buffer.from('not for redistribution\n') },
      ]);
      const type = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip';
      const layer = writeBlob(storageDir, type, gzipSync(tar));
      const foreign = { ...layer, urls: [`http://${storage.host}/${layer.digest}`] };
      const dir = join(work, 'foreign-img');
      const diffId = `sha256:${(await import('node:crypto')).createHash('sha256').update(tar).digest('hex')}`;
      const config = writeBlob(
        dir,
        'application/vnd.oci.image.config.v1+json',
        Buffer.from(
          JSON.stringify({
            os: 'linux',
            architecture: 'amd64',
            rootfs: { type: 'layers', diff_ids: [diffId] },
          }),
        ),
      );
      const manifest = writeBlob(
        dir,
        OCI_MANIFEST,
        Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [foreign] })),
      );
      const events: ProgressEvent[] = [];
      await push(client(), `${foreignReg.host}/win/base:1`, manifest, {
        source: await LayoutStore.open(dir),
        onProgress: (e) => events.push(e),
      });
      assert.deepEqual(
        events.filter((e) => e.digest === layer.digest).map((e) => e.state),
        ['skipped'],
      );
      assert.equal(storage.authorizations.length, 0);

      const sink = await LayoutStore.open(join(work, 'foreign-pulled'));
      const r = await pull(client(), `${foreignReg.host}/win/base:1`, { sink });
      assert.equal(r.layers[0]?.descriptor.digest, layer.digest);
      assert.ok(await sink.has(layer.digest));
      assert.equal(storage.authorizations.length, 1, 'fetched once from its url');
    } finally {
      await storage.stop();
      await foreignReg.stop();
    }
  });
});
