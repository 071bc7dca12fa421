// Crash safety and cross-process concurrency of the plain content store, with real writer processes:
// a writer SIGKILLed mid-ingest leaves a resumable ingest (its lock is recognised as stale); a second
// process ingesting the same digest waits for the first and finds the blob committed; leftovers of a
// crash during ingest creation or after a commit's rename are recovered.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BerthError } from '../../../src/base/errors.js';
import { digestOf, LocalContentStore, openWriter } from '../../../src/content/index.js';

const CHILD = fileURLToPath(new URL('./ingest-child.js', import.meta.url));

/** A started writer process, and a promise of its next stdout line. */
interface Child {
  proc: ChildProcessWithoutNullStreams;
  line(): Promise<string>;
  exited: Promise<number | null>;
}

function startChild(args: string[]): Child {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const proc = spawn(process.execPath, [CHILD, ...args], { env, stdio: 'pipe' });
  let buffered = '';
  const waiters: ((l: string) => void)[] = [];
  const lines: string[] = [];
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const l = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    line: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([
            new Promise<string>((r) => waiters.push(r)),
            exited.then((code) => {
              throw new Error(`writer exited ${code}: ${stderr}`);
            }),
          ]),
  };
}

describe('content store: crashes and concurrent processes', () => {
  let root: string;
  let store: LocalContentStore;
  const data = randomBytes(1024 * 1024 + 123);
  const digest = digestOf(data);
  let dataFile: string;
  const children: Child[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'berth-content-crash-'));
    store = new LocalContentStore(root);
    dataFile = join(root, 'source.bin');
    writeFileSync(dataFile, data);
  });
  after(async () => {
    for (const c of children)
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await rm(root, { recursive: true, force: true });
  });

  test('a writer killed mid-ingest leaves an ingest that resumes at its offset', async () => {
    const child = startChild([root, 'layer-crash', digest, dataFile, '400000', 'hang']);
    children.push(child);
    assert.equal(await child.line(), 'wrote 400000');
    // While it lives, its lock holds.
    await assert.rejects(store.writer({ ref: 'layer-crash' }), (e: BerthError) => e.code === 'Unavailable');
    child.proc.kill('SIGKILL');
    await child.exited;
    const st = await store.status('layer-crash');
    assert.equal(st.offset, 400000);
    assert.equal(st.expected, digest);
    const w = await store.writer({ ref: 'layer-crash', expected: digest, total: data.length });
    assert.equal(w.offset, 400000, 'resumes where the killed writer stopped');
    await w.write(data.subarray(w.offset));
    await w.commit(data.length, digest);
    await store.verify(digest);
    assert.equal(readdirSync(store.layout.ingests).length, 0);
    assert.equal(readdirSync(store.layout.locks).length, 0);
    await store.delete(digest);
  });

  test('two processes ingesting one digest: the second waits and finds it committed', async () => {
    const child = startChild([root, 'layer-race', digest, dataFile, String(data.length), 'commit']);
    children.push(child);
    assert.equal(await child.line(), `wrote ${data.length}`);
    const waiting = openWriter(
      store,
      { ref: 'layer-race', expected: digest, total: data.length },
      { timeoutMs: 30_000 },
    );
    let settled = false;
    void waiting.catch(() => undefined).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(settled, false, 'waits while the other process holds the ingest');
    child.proc.stdin.write('go\n');
    assert.equal(await child.line(), 'committed');
    await assert.rejects(waiting, (e: BerthError) => e.code === 'AlreadyExists');
    await store.verify(digest);
    await store.delete(digest);
  });

  test('a commit that crashed after its rename: the next writer finds the blob and the ingest is cleared', async () => {
    const w = await store.writer({ ref: 'after-rename', expected: digest, total: data.length });
    await w.write(data);
    await w.commit(data.length, digest);
    // Recreate what a crash between rename(data → blob) and the ingest's removal leaves: ref + meta, no data.
    const dir = store.layout.ingest('after-rename');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ref'), 'after-rename');
    writeFileSync(
      join(dir, 'meta.json'),
      JSON.stringify({ expected: digest, total: data.length, startedAt: new Date().toISOString() }),
    );
    assert.equal((await store.listStatuses()).length, 0, 'an ingest without data is not listed');
    await assert.rejects(
      store.writer({ ref: 'after-rename', expected: digest }),
      (e: BerthError) => e.code === 'AlreadyExists',
    );
    assert.equal(existsSync(dir), false);
    await store.delete(digest);
  });

  test('a crash while creating an ingest leaves only a .new-* directory, which is swept', async () => {
    const tmp = join(store.layout.ingests, '.new-0123456789abcdef');
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'ref'), 'half');
    assert.equal((await store.listStatuses()).length, 0);
    assert.equal(await store.removeIncompleteIngests(), 1);
    assert.equal(existsSync(tmp), false);
  });

  test('a blob corrupted on disk is reported by verify with both digests', async () => {
    const w = await store.writer({ ref: 'corrupt', expected: digest });
    await w.write(data);
    await w.commit(data.length, digest);
    const path = store.layout.blob(digest);
    await unlink(path);
    writeFileSync(path, Buffer.from('not the bytes'));
    await assert.rejects(store.verify(digest), {
      message: `content "${digest}": corrupt, its bytes hash to "${digestOf('not the bytes')}"`,
    });
    const good = Buffer.from('intact');
    const w2 = await store.writer({ ref: 'intact' });
    await w2.write(good);
    await w2.commit(good.length, digestOf(good));
    assert.deepEqual(await store.verifyAll(), { checked: 2, corrupt: [digest] });
    assert.deepEqual(await store.verifyAll({ remove: true }), { checked: 2, corrupt: [digest] });
    assert.deepEqual(await store.verifyAll(), { checked: 1, corrupt: [] });
    await store.delete(digestOf(good));
  });
});
