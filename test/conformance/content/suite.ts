// The content store conformance suite (containerd's content/testsuite is the model): every ContentStore
// implementation runs it through its own *.test.ts, which supplies a factory for a fresh, empty store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BerthError } from '../../../src/base/errors.js';
import { digestOf, openWriter, writeBlob, type ContentStore } from '../../../src/content/index.js';

/** A store under test and how to dispose of it. */
export interface ContentFixture {
  /** The store, empty. */
  store: ContentStore;
  /** Whether the store keeps labels (the plain store refuses them; the metadata store keeps them). */
  labels: boolean;
  /** Removes everything the fixture made. */
  cleanup(): Promise<void>;
}

/** Rejects with a BerthError of `code` whose message matches `message` (exact string or pattern). */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: BerthError['code'],
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BerthError, `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Registers the content suite for one implementation. */
export function contentSuite(name: string, makeFixture: () => Promise<ContentFixture>): void {
  describe(`content conformance: ${name}`, () => {
    let fx: ContentFixture;
    let store: ContentStore;
    before(async () => {
      fx = await makeFixture();
      store = fx.store;
    });
    after(async () => fx.cleanup());

    test('write, commit, info, read, list and delete a blob', async () => {
      const data = randomBytes(300_000);
      const digest = digestOf(data);
      const w = await store.writer({ ref: 'basic', expected: digest, total: data.length });
      assert.equal(w.offset, 0);
      await w.write(data.subarray(0, 1000));
      await w.write(data.subarray(1000));
      assert.equal(w.digest(), digest);
      const info = await w.commit(data.length, digest);
      assert.equal(info.digest, digest);
      assert.equal(info.size, data.length);
      assert.deepEqual((await store.info(digest)).size, data.length);
      assert.ok((await readAll(await store.reader(digest))).equals(data));
      assert.ok(
        (await readAll(await store.reader(digest, { offset: 299_000 }))).equals(data.subarray(299_000)),
      );
      assert.ok((await store.readBlob(digest)).equals(data));
      assert.ok((await store.list()).some((i) => i.digest === digest));
      await rejectsWith(store.status('basic'), 'NotFound', 'ingest "basic": not found');
      await store.delete(digest);
      await rejectsWith(store.info(digest), 'NotFound', `content "${digest}": not found`);
      await rejectsWith(store.delete(digest), 'NotFound', `content "${digest}": not found`);
    });

    test('an empty blob commits', async () => {
      const digest = digestOf('');
      const w = await store.writer({ ref: 'empty' });
      const info = await w.commit(0, digest);
      assert.equal(info.size, 0);
      assert.equal((await store.readBlob(digest)).length, 0);
      await store.delete(digest);
    });

    test('an ingest resumes at its offset after the writer is closed', async () => {
      const data = randomBytes(64 * 1024);
      const digest = digestOf(data);
      const w1 = await store.writer({ ref: 'resume', expected: digest, total: data.length });
      await w1.write(data.subarray(0, 10_000));
      await w1.close();
      const st = await store.status('resume');
      assert.equal(st.offset, 10_000);
      assert.equal(st.total, data.length);
      assert.equal(st.expected, digest);
      assert.ok((await store.listStatuses('res')).some((s) => s.ref === 'resume'));
      assert.equal((await store.listStatuses('other')).length, 0);
      const w2 = await store.writer({ ref: 'resume' });
      assert.equal(w2.offset, 10_000);
      await w2.write(data.subarray(10_000));
      await w2.commit(data.length, digest);
      assert.ok((await store.readBlob(digest)).equals(data));
      await store.delete(digest);
    });

    test('a second writer of a held ref is refused with Unavailable until the first lets go', async () => {
      const w1 = await store.writer({ ref: 'locked' });
      await rejectsWith(
        store.writer({ ref: 'locked' }),
        'Unavailable',
        'ingest "locked": locked by another writer',
      );
      await rejectsWith(store.abort('locked'), 'Unavailable');
      await w1.write(Buffer.from('abc'));
      await w1.close();
      const w2 = await store.writer({ ref: 'locked' });
      assert.equal(w2.offset, 3);
      await w2.close();
      await store.abort('locked');
      await rejectsWith(store.abort('locked'), 'NotFound', 'ingest "locked": not found');
    });

    test('a digest mismatch names both digests, keeps the ingest, and truncate starts over', async () => {
      const good = Buffer.from('the right bytes');
      const want = digestOf(good);
      const w = await store.writer({ ref: 'mismatch', expected: want });
      await w.write(Buffer.from('the wrong bytes'));
      const got = w.digest();
      await rejectsWith(
        w.commit(0),
        'FailedPrecondition',
        `commit "mismatch": unexpected digest "${got}", expected "${want}"`,
      );
      await w.truncate();
      assert.equal(w.offset, 0);
      await w.write(good);
      await w.commit(good.length, want);
      await store.delete(want);
    });

    test('sizes are checked while writing and on commit', async () => {
      const w = await store.writer({ ref: 'size', total: 4 });
      await rejectsWith(
        w.write(Buffer.from('12345')),
        'FailedPrecondition',
        'ingest "size": write of 5 bytes at offset 0 passes the expected size 4',
      );
      await w.write(Buffer.from('123'));
      await rejectsWith(w.commit(4), 'FailedPrecondition', 'commit "size": unexpected size 3, expected 4');
      await rejectsWith(w.commit(0), 'FailedPrecondition', 'commit "size": unexpected size 3, expected 4');
      await w.close();
      await store.abort('size');
      assert.equal((await store.listStatuses('size')).length, 0);
    });

    test('writing a blob that is already there: AlreadyExists from writer and from commit', async () => {
      const data = Buffer.from('present');
      const digest = digestOf(data);
      await writeBlob(store, 'present-1', data, { digest });
      await rejectsWith(
        store.writer({ ref: 'present-2', expected: digest }),
        'AlreadyExists',
        `content "${digest}": already exists`,
      );
      const w = await store.writer({ ref: 'present-3' }); // no expected digest: found only at commit
      await w.write(data);
      await rejectsWith(
        w.commit(data.length, digest),
        'AlreadyExists',
        `content "${digest}": already exists`,
      );
      await rejectsWith(store.status('present-3'), 'NotFound');
      await store.delete(digest);
    });

    test('concurrent ingests of one digest: one writes, the others wait and find it committed', async () => {
      const data = randomBytes(256 * 1024);
      const digest = digestOf(data);
      let writes = 0;
      const ingest = async (ref: string): Promise<string> => {
        try {
          const w = await openWriter(store, { ref, expected: digest, total: data.length });
          writes++;
          for (let i = 0; i < data.length; i += 16 * 1024) await w.write(data.subarray(i, i + 16 * 1024));
          await w.commit(data.length, digest);
          return 'committed';
        } catch (err) {
          if (err instanceof BerthError && err.code === 'AlreadyExists') return 'exists';
          throw err;
        }
      };
      const outcomes = await Promise.all([
        ingest('same'),
        ingest('same'),
        ingest('other-ref'),
        ingest('same'),
      ]);
      assert.deepEqual(
        outcomes.filter((o) => o === 'committed'),
        ['committed'],
      );
      assert.equal(writes, 1);
      assert.ok((await store.readBlob(digest)).equals(data));
      assert.equal((await store.listStatuses()).length, 0);
      await store.delete(digest);
    });

    test('bad input is refused with the field named', async () => {
      await rejectsWith(
        store.info('sha256:xyz'),
        'InvalidArgument',
        'digest "sha256:xyz": want 64 lowercase hex digits',
      );
      await rejectsWith(
        store.writer({ ref: 'bad', expected: 'md5:abc' }),
        'InvalidArgument',
        'expected digest "md5:abc": unsupported algorithm (want "sha256:" or "sha512:")',
      );
      await rejectsWith(store.writer({ ref: '' }), 'InvalidArgument', 'ingest ref: must not be empty');
      await rejectsWith(
        store.writer({ ref: 'neg', total: -1 }),
        'InvalidArgument',
        'ingest total "-1": want a size in bytes (0 = unknown)',
      );
      await rejectsWith(
        store.readBlob(digestOf('absent')),
        'NotFound',
        `content "${digestOf('absent')}": not found`,
      );
      assert.equal((await store.listStatuses()).length, 0);
    });

    test('sha512 blobs', async () => {
      const data = Buffer.from('five twelve');
      const digest = digestOf(data, 'sha512');
      const w = await store.writer({ ref: 'sha512', expected: digest });
      await w.write(data);
      const info = await w.commit(data.length, digest);
      assert.equal(info.digest, digest);
      await store.delete(digest);
    });

    test('labels: set on commit, updated by field path, or refused by a store without labels', async () => {
      const data = Buffer.from('labelled');
      const digest = digestOf(data);
      if (!fx.labels) {
        await writeBlob(store, 'labels', data, { digest });
        await rejectsWith(store.update({ digest, labels: { a: '1' } }, ['labels.a']), 'FailedPrecondition');
        await store.delete(digest);
        return;
      }
      await writeBlob(store, 'labels', data, { digest, labels: { a: '1', b: '2' } });
      assert.deepEqual((await store.info(digest)).labels, { a: '1', b: '2' });
      await store.update({ digest, labels: { a: 'x', c: '3' } }, ['labels.a']);
      assert.deepEqual((await store.info(digest)).labels, { a: 'x', b: '2' });
      await store.update({ digest, labels: { c: '3' } }, ['labels']);
      assert.deepEqual((await store.info(digest)).labels, { c: '3' });
      await store.update({ digest, labels: {} }, ['labels.c']);
      assert.deepEqual((await store.info(digest)).labels, {});
      await store.delete(digest);
    });
  });
}
