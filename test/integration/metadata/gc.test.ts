// Mark-and-sweep garbage collection over real blobs and real overlay snapshots: what images, containers,
// leases and labels keep, what goes, and what a crash between steps leaves for the next collection.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  digestOf,
  LocalContentStore,
  writeBlob,
  type Writer,
  type WriterOptions,
} from '../../../src/content/index.js';
import { CRI_NAMESPACE, DOCKER_NAMESPACE, Stores } from '../../../src/metadata/index.js';
import { mountAll, OverlaySnapshotter, unmountAll } from '../../../src/snapshots/index.js';
import { putImage } from './image-fixture.js';

const skip = process.getuid?.() === 0 ? false : 'needs root (overlay mounts)';
const NS = DOCKER_NAMESPACE;

describe('garbage collection', { skip }, () => {
  let root: string;
  let stores: Stores;
  const overlayDir = (): string => join(root, 'snapshots', 'overlay');
  /** Snapshot directories on disk (numeric ids), i.e. what the backend still holds. */
  const snapshotDirs = (): string[] => readdirSync(overlayDir()).filter((n) => /^\d+$/.test(n));
  const blobCount = async (): Promise<number> => (await stores.blobs.list()).length;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'berth-gc-'));
    stores = new Stores(root, {
      snapshotters: { overlay: await OverlaySnapshotter.open(join(root, 'snapshots', 'overlay')) },
    });
  });
  afterEach(async () => {
    // Every test ends with an empty store, so each starts from nothing.
    for (const ns of [NS, CRI_NAMESPACE]) {
      for (const c of stores.containers(ns).list()) stores.containers(ns).delete(c.id);
      for (const i of stores.images(ns).list()) stores.images(ns).delete(i.name);
      for (const l of stores.leases(ns).list()) stores.leases(ns).delete(l.id);
    }
    await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.equal(await blobCount(), 0, 'no blob left after the test');
    assert.deepEqual(snapshotDirs(), [], 'no snapshot left after the test');
  });
  after(async () => {
    await stores.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('an image keeps its blobs and layers; unreferenced ones go; a second run finds nothing', async () => {
    const img = await putImage(stores, NS, 'docker.io/library/app:1', 3);
    const orphan = Buffer.from('orphan blob');
    await writeBlob(stores.content(NS), 'orphan', orphan, { digest: digestOf(orphan) });
    const sn = stores.snapshotter(NS, 'overlay');
    await sn.prepare('orphan-active', img.chainIds[2]);
    const before = snapshotDirs().length;
    const report = await stores.collectGarbage();
    assert.deepEqual(report.content, [`${NS}/${digestOf(orphan)}`]);
    assert.deepEqual(report.blobs, [digestOf(orphan)]);
    assert.deepEqual(report.snapshots, [`${NS}/overlay/orphan-active`]);
    assert.equal(report.backendSnapshots.length, 1);
    assert.equal(snapshotDirs().length, before - 1);
    for (const d of [img.index, img.manifest, img.config, ...img.layers])
      await stores.content(NS).info(d.digest);
    for (const id of img.chainIds) assert.equal((await sn.stat(id)).kind, 'committed');
    const again = await stores.collectGarbage();
    assert.deepEqual([again.content, again.blobs, again.snapshots, again.backendSnapshots], [[], [], [], []]);
  });

  test('deleting the image frees its blobs and snapshots, children before parents', async () => {
    const img = await putImage(stores, NS, 'app:2', 4);
    assert.equal(snapshotDirs().length, 4);
    stores.images(NS).delete('app:2');
    const report = await stores.collectGarbage();
    assert.equal(report.blobs.length, 4 + 3);
    assert.equal(report.backendSnapshots.length, 4);
    assert.deepEqual(report.skipped, []);
    await assert.rejects(stores.content(NS).info(img.index.digest), { code: 'NotFound' });
  });

  test('a lease protects an unfinished pull until it expires or is deleted', async () => {
    const lease = stores.leases(NS).create({ id: 'pull', ttlMs: 60_000 });
    const data = Buffer.from('half a pull');
    await writeBlob(stores.content(NS, { lease: lease.id }), 'layer', data, { digest: digestOf(data) });
    const sn = stores.snapshotter(NS, 'overlay', { lease: lease.id });
    await sn.prepare('extract', undefined);
    const w = await stores.content(NS, { lease: lease.id }).writer({ ref: 'still-downloading' });
    await w.write(Buffer.from('part'));
    await w.close();
    let report = await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.deepEqual([report.content, report.snapshots, report.ingests, report.leases], [[], [], [], []]);
    // One minute later the lease has expired: it and everything only it held go.
    report = await stores.collectGarbage({ now: new Date(Date.now() + 61_000), ingestMaxAgeMs: 0 });
    assert.deepEqual(report.leases, [`${NS}/pull`]);
    assert.deepEqual(report.blobs, [digestOf(data)]);
    assert.deepEqual(report.snapshots, [`${NS}/overlay/extract`]);
    assert.deepEqual(report.ingests, [`${NS}/still-downloading`]);
    assert.throws(() => stores.leases(NS).get('pull'), { code: 'NotFound' });
  });

  test('a blob committed just before a crash, not yet recorded, stays while the pull’s lease lives', async () => {
    const lease = stores.leases(NS).create({ id: 'cut-pull' });
    const data = Buffer.from('a layer whose record the crash lost');
    const digest = digestOf(data);
    const w = await stores.content(NS, { lease: lease.id }).writer({ ref: 'layer', expected: digest });
    await w.close();
    // The crash: the plain store has the blob (renamed in), the namespace has no record of it.
    await writeBlob(stores.blobs, 'renamed-in', data, { digest });
    let report = await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.deepEqual(report.blobs, [], 'the lease names the digest its writer expected');
    // The pull again: the blob is recorded, not fetched.
    await assert.rejects(stores.content(NS, { lease: lease.id }).writer({ ref: 'layer', expected: digest }), {
      code: 'AlreadyExists',
    });
    assert.equal((await stores.content(NS).info(digest)).size, data.length);
    stores.leases(NS).delete(lease.id);
    report = await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.deepEqual(report.blobs, [digest], 'gone with its lease');
  });

  test('a container keeps its snapshot and its image content after the image is untagged', async () => {
    const img = await putImage(stores, NS, 'app:3', 2);
    const sn = stores.snapshotter(NS, 'overlay');
    await sn.prepare('ctr-1', img.chainIds[1]);
    stores.containers(NS).create({
      id: 'ctr-1',
      runtime: { name: 'berth', options: {} },
      image: 'app:3',
      imageDigest: img.manifest.digest,
      snapshotter: 'overlay',
      snapshotKey: 'ctr-1',
    });
    stores.images(NS).delete('app:3');
    let report = await stores.collectGarbage();
    assert.deepEqual(report.content, [`${NS}/${img.index.digest}`], 'only the untagged index goes');
    assert.deepEqual(report.snapshots, []);
    await stores.content(NS).info(img.config.digest);
    stores.containers(NS).delete('ctr-1');
    await sn.remove('ctr-1');
    report = await stores.collectGarbage();
    assert.equal(report.backendSnapshots.length, 2);
  });

  test('a mounted snapshot is skipped, and collected once it is unmounted', async () => {
    const sn = stores.snapshotter(NS, 'overlay');
    const target = mkdtempSync(join(tmpdir(), 'berth-gc-busy-'));
    mountAll(await sn.prepare('busy'), target);
    try {
      const report = await stores.collectGarbage();
      assert.deepEqual(report.snapshots, [`${NS}/overlay/busy`]);
      assert.equal(report.skipped.length, 1);
      assert.match(report.skipped[0]!, /snapshot is mounted at "/);
      assert.equal(snapshotDirs().length, 1);
    } finally {
      unmountAll(target);
      rmSync(target, { recursive: true });
    }
    const report = await stores.collectGarbage();
    assert.equal(report.backendSnapshots.length, 1);
  });

  test('gc.root and gc.ref labels keep content and snapshots', async () => {
    const content = stores.content(NS);
    const child = Buffer.from('referenced by label');
    const viaSnapshot = Buffer.from('referenced by a snapshot');
    await writeBlob(content, 'child', child, { digest: digestOf(child) });
    await writeBlob(content, 'via-snap', viaSnapshot, { digest: digestOf(viaSnapshot) });
    const rootBlob = Buffer.from('a root');
    await writeBlob(content, 'root', rootBlob, {
      digest: digestOf(rootBlob),
      labels: {
        'containerd.io/gc.root': '2026-01-01',
        'containerd.io/gc.ref.content.l.0': digestOf(child),
        'containerd.io/gc.ref.snapshot.overlay/x': 'kept',
      },
    });
    const sn = stores.snapshotter(NS, 'overlay');
    await sn.prepare('kept', undefined, {
      labels: { 'containerd.io/gc.ref.content': digestOf(viaSnapshot) },
    });
    let report = await stores.collectGarbage();
    assert.deepEqual([report.content, report.snapshots], [[], []]);
    await content.update({ digest: digestOf(rootBlob), labels: {} }, ['labels.containerd.io/gc.root']);
    report = await stores.collectGarbage();
    assert.equal(report.content.length, 3);
    assert.deepEqual(report.snapshots, [`${NS}/overlay/kept`]);
  });

  test('crash leftovers: records without blobs or snapshots, blobs and snapshots without records, half-made dirs', async () => {
    const content = stores.content(NS);
    const lost = Buffer.from('blob deleted behind the record');
    const unrecorded = Buffer.from('record deleted before the blob');
    await writeBlob(content, 'lost', lost, {
      digest: digestOf(lost),
      labels: { 'containerd.io/gc.root': 'x' },
    });
    await writeBlob(content, 'unrecorded', unrecorded, {
      digest: digestOf(unrecorded),
      labels: { 'containerd.io/gc.root': 'x' },
    });
    unlinkSync(stores.blobs.layout.blob(digestOf(lost)));
    stores.db.prepare('DELETE FROM content WHERE digest = ?').run(digestOf(unrecorded));
    const sn = stores.snapshotter(NS, 'overlay');
    await sn.prepare('dangling', undefined, { labels: { 'containerd.io/gc.root': 'x' } });
    const backendKey = (
      stores.db.prepare("SELECT backend_key FROM snapshots WHERE key = 'dangling'").get() as {
        backend_key: string;
      }
    ).backend_key;
    await stores.backendSnapshotter('overlay').remove(backendKey); // as if a commit crashed after the backend step
    await stores.backendSnapshotter('overlay').prepare('no-record-backend'); // as if a prepare crashed before its record
    mkdirSync(join(overlayDir(), '.new-0000000000000000', 'fs'), { recursive: true });
    mkdirSync(join(stores.blobs.layout.ingests, '.new-0000000000000000'), { recursive: true });
    const report = await stores.collectGarbage();
    assert.deepEqual(report.content, [`${NS}/${digestOf(lost)}`]);
    assert.deepEqual(report.blobs, [digestOf(unrecorded)]);
    assert.deepEqual(report.snapshots, [`${NS}/overlay/dangling`]);
    assert.deepEqual(report.backendSnapshots, ['overlay/no-record-backend']);
    assert.equal(report.leftovers, 2);
    assert.ok(!existsSync(join(overlayDir(), '.new-0000000000000000')));
  });

  test('a blob shared by two namespaces stays until neither references it', async () => {
    const a = await putImage(stores, NS, 'shared:1', 1);
    const b = await putImage(stores, CRI_NAMESPACE, 'shared:1', 1);
    assert.notEqual(a.layers[0]!.digest, b.layers[0]!.digest, 'fixture layers are random');
    // k8s.io records moby's layer too (a pull in progress there, under its lease): no second download.
    const lease = stores.leases(CRI_NAMESPACE).create({ id: 'second-pull' });
    await assert.rejects(
      stores.content(CRI_NAMESPACE, { lease: lease.id }).writer({ ref: 'x', expected: a.layers[0]!.digest }),
      {
        code: 'AlreadyExists',
      },
    );
    stores.images(NS).delete('shared:1');
    const report = await stores.collectGarbage();
    assert.ok(!report.blobs.includes(a.layers[0]!.digest), 'still recorded by k8s.io');
    assert.ok(report.content.includes(`${NS}/${a.layers[0]!.digest}`), "moby's record goes");
    assert.ok((await stores.content(CRI_NAMESPACE).readBlob(a.layers[0]!.digest)).length > 0);
    stores.leases(CRI_NAMESPACE).delete(lease.id);
    stores.images(CRI_NAMESPACE).delete('shared:1');
    const last = await stores.collectGarbage();
    assert.ok(last.blobs.includes(a.layers[0]!.digest), 'gone once nothing references it');
    assert.ok(last.blobs.includes(b.layers[0]!.digest));
  });

  test('collections running during writes under a lease lose nothing', async () => {
    const lease = stores.leases(NS).create({ id: 'busy-pull' });
    const content = stores.content(NS, { lease: lease.id });
    const blobs = Array.from({ length: 16 }, () => randomBytes(32 * 1024));
    const writes = blobs.map((data, i) =>
      writeBlob(content, `parallel-${i}`, data, { digest: digestOf(data) }),
    );
    const reports = await Promise.all(
      Array.from({ length: 4 }, () => stores.collectGarbage({ ingestMaxAgeMs: 0 })),
    );
    await Promise.all(writes);
    for (const r of reports) assert.deepEqual(r.blobs, []);
    for (const data of blobs) assert.ok((await content.readBlob(digestOf(data))).equals(data));
  });

  test('a collection waits for a commit whose blob is on disk but not yet recorded', async () => {
    // A plain store whose commits pause after the rename, before the metadata record: the gap the GC
    // lock exists for. Without the lock, the collection would see an unrecorded blob and delete it.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let committed!: () => void;
    const onDisk = new Promise<void>((r) => (committed = r));
    class GatedStore extends LocalContentStore {
      override async writer(opts: WriterOptions): Promise<Writer> {
        const w = await super.writer(opts);
        const commit = w.commit.bind(w);
        return Object.assign(w, {
          commit: async (...args: Parameters<Writer['commit']>) => {
            const info = await commit(...args);
            committed();
            await gate;
            return info;
          },
        });
      }
    }
    const gatedRoot = mkdtempSync(join(tmpdir(), 'berth-gc-gate-'));
    const gated = new Stores(gatedRoot, { content: new GatedStore(gatedRoot) });
    const data = Buffer.from('committed, not yet recorded');
    let write: Promise<unknown> = Promise.resolve();
    try {
      write = writeBlob(gated.content(NS), 'gap', data, {
        digest: digestOf(data),
        labels: { 'containerd.io/gc.root': 'x' },
      });
      await onDisk;
      const collection = gated.collectGarbage();
      let collected = false;
      void collection.then(() => (collected = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(collected, false, 'the collection waits for the commit');
      release();
      await write;
      assert.deepEqual((await collection).blobs, []);
      assert.ok((await gated.content(NS).readBlob(digestOf(data))).equals(data));
    } finally {
      release();
      await write.catch(() => undefined); // let a failed run's write finish before its root is removed
      await gated.close();
      rmSync(gatedRoot, { recursive: true, force: true });
    }
  });

  test('ingests: stale unleased ones are aborted, open and recent ones are kept', async () => {
    const content = stores.content(NS);
    const stale = await content.writer({ ref: 'stale' });
    await stale.write(Buffer.from('x'));
    await stale.close();
    const open = await content.writer({ ref: 'open' });
    await open.write(Buffer.from('y'));
    let report = await stores.collectGarbage(); // default max age: a day
    assert.deepEqual(report.ingests, []);
    report = await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.deepEqual(report.ingests, [`${NS}/stale`], 'the open writer holds its ingest');
    await open.close();
  });
});
