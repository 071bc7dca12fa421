// Pull with unpack during the download (layer-tee.ts) against a real registry: live unpacking, the
// fall-back to the stored blob when the download restarts or was resumed, and a malicious layer that
// aborts the pull with the unpacker's error and leaves nothing behind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type LayerUnpacker,
  LayoutStore,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { unpackLayer } from '../../../src/images/unpack/index.js';
import { startFaultyProxy } from '../../fixtures/faulty-servers.js';
import { type BuiltImage, randomFile, writeImage } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';

const skip = process.getuid?.() === 0 ? false : 'needs root (unpacks with owners)';
let work: string;
let reg: TestRegistry;
let image: BuiltImage;
let hostile: BuiltImage;

const client = (): RegistryClient =>
  new RegistryClient({ credentials: new StaticCredentials(), retry: { baseDelayMs: 5, maxDelayMs: 50 } });
let n = 0;

/** An unpacker into one overlay-form dir per layer, recording how each call was fed. */
function dirUnpacker(store: LayoutStore): LayerUnpacker & { calls: string[]; dirs: Map<string, string> } {
  const root = join(work, `snaps-${n++}`);
  const calls: string[] = [];
  const dirs = new Map<string, string>();
  return {
    source: store,
    calls,
    dirs,
    async apply(layer, blob) {
      const dir = join(root, layer.descriptor.digest.slice(7, 19));
      mkdirSync(dir, { recursive: true });
      dirs.set(layer.descriptor.digest, dir);
      calls.push(
        `${layer.descriptor.digest}:${'readableFlowing' in blob && 'path' in blob ? 'store' : 'live'}`,
      );
      await unpackLayer(blob, dir, {
        mediaType: layer.descriptor.mediaType,
        whiteouts: 'overlay',
        digest: layer.descriptor.digest,
        diffId: layer.diffId,
      });
    },
  };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-unpack-'));
  const dir = join(work, 'img');
  image = writeImage(dir, [
    { entries: [randomFile('big', 2 << 20, 3)], compression: 'gzip' },
    { entries: [{ type: 'file', path: 'small', data: Buffer.from('small\n') }], compression: 'zstd' },
  ]);
  hostile = writeImage(dir, [
    { entries: [{ type: 'file', path: 'ok', data: Buffer.from('x') }] },
    { entries: [{ type: 'symlink', path: 'evil', target: '../../../../etc' }] },
  ]);
  reg = await startRegistry();
  const source = await LayoutStore.open(dir);
  await push(client(), `${reg.host}/u/img:1`, image.manifest, { source });
  await push(client(), `${reg.host}/u/hostile:1`, hostile.manifest, { source });
});
after(async () => {
  closeConnections();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('pull with unpack', { skip }, () => {
  it('unpacks every layer live, once, while it downloads', async () => {
    const store = await LayoutStore.open(join(work, `s${n++}`));
    const u = dirUnpacker(store);
    await pull(client(), `${reg.host}/u/img:1`, { sink: store, unpacker: u });
    assert.deepEqual(u.calls.sort(), image.layers.map((l) => `${l.digest}:live`).sort());
    const big = randomFile('big', 2 << 20, 3);
    assert.deepEqual(
      readFileSync(join(u.dirs.get(image.layers[0]!.digest)!, 'big')),
      big.type === 'file' ? Buffer.from(big.data) : null,
    );
    assert.equal(readFileSync(join(u.dirs.get(image.layers[1]!.digest)!, 'small'), 'utf8'), 'small\n');
  });

  it('abandons the live unpack when the download restarts, and unpacks from the store', async () => {
    const big = image.layers[0]!.digest;
    const proxy = await startFaultyProxy(reg.host, {
      cutBlobs: 1,
      cutAfter: 1 << 20,
      cutDigest: big,
      ignoreRange: true,
    });
    try {
      const store = await LayoutStore.open(join(work, `s${n++}`));
      const u = dirUnpacker(store);
      await pull(client(), `${proxy.host}/u/img:1`, { sink: store, unpacker: u });
      assert.deepEqual(
        u.calls.filter((c) => c.startsWith(big)),
        [`${big}:live`, `${big}:store`],
      );
      assert.deepEqual(readdirSync(u.dirs.get(big)!), ['big']);
    } finally {
      await proxy.stop();
    }
  });

  it('unpacks from the store when the layer was already there', async () => {
    const store = await LayoutStore.open(join(work, `s${n++}`));
    await pull(client(), `${reg.host}/u/img:1`, { sink: store });
    const u = dirUnpacker(store);
    await pull(client(), `${reg.host}/u/img:1`, { sink: store, unpacker: u });
    assert.deepEqual(u.calls.sort(), image.layers.map((l) => `${l.digest}:store`).sort());
  });

  it('fetches a layer that occurs twice once, and unpacks it twice', async () => {
    const dir = join(work, 'img');
    const twice = writeImage(dir, [
      { entries: [{ type: 'file', path: 'same', data: Buffer.from('1') }] },
      { entries: [{ type: 'file', path: 'mid', data: Buffer.from('2') }] },
      { entries: [{ type: 'file', path: 'same', data: Buffer.from('1') }] },
    ]);
    assert.equal(twice.layers[0]!.digest, twice.layers[2]!.digest);
    await push(client(), `${reg.host}/u/twice:1`, twice.manifest, { source: await LayoutStore.open(dir) });
    const store = await LayoutStore.open(join(work, `s${n++}`));
    const u = dirUnpacker(store);
    await pull(client(), `${reg.host}/u/twice:1`, { sink: store, unpacker: u, layerConcurrency: 3 });
    assert.equal(u.calls.filter((c) => c.startsWith(twice.layers[0]!.digest)).length, 2);
    assert.deepEqual(readdirSync(join(store.dir, 'ingest')), [], 'no ingest left behind');
  });

  it('fails the pull on a malicious layer, naming the entry, with its target emptied', async () => {
    const store = await LayoutStore.open(join(work, `s${n++}`));
    const u = dirUnpacker(store);
    await assert.rejects(pull(client(), `${reg.host}/u/hostile:1`, { sink: store, unpacker: u }), {
      code: 'PermissionDenied',
      message: `pull "${reg.host}/u/hostile:1": unpack layer "${hostile.layers[1]!.digest}": entry "evil": symlink to "../../../../etc" points outside the target`,
    });
    assert.deepEqual(readdirSync(u.dirs.get(hostile.layers[1]!.digest)!), []);
  });
});
