// A pull killed with SIGKILL half-way through its second layer: after reopening, a collection keeps what
// its lease holds (the committed layer and the partial ingest), the store verifies clean, and the pull
// resumes the ingest at its offset instead of downloading it again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { digestOf } from '../../../src/content/index.js';
import { Stores } from '../../../src/metadata/index.js';

const CHILD = fileURLToPath(new URL('./pull-child.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'berth-pull-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a pull killed mid-layer resumes from its offset after restart, with nothing lost or corrupt', async () => {
  const layer1 = randomBytes(300_000);
  const layer2 = randomBytes(500_001);
  const [f1, f2] = [join(root, 'l1'), join(root, 'l2')];
  writeFileSync(f1, layer1);
  writeFileSync(f2, layer2);
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [CHILD, join(root, 'berth'), f1, f2], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => resolve(d.trim()));
    child.on('exit', () => reject(new Error(`pull exited early: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;
  assert.equal(line, `partial ${layer2.length >> 1}`);

  const stores = new Stores(join(root, 'berth'));
  try {
    const report = await stores.collectGarbage({ ingestMaxAgeMs: 0 });
    assert.deepEqual(
      [report.content, report.blobs, report.ingests],
      [[], [], []],
      'the live lease keeps the pull',
    );
    assert.deepEqual(await stores.blobs.verifyAll(), { checked: 1, corrupt: [] });
    const content = stores.content('moby', { lease: 'pull-1' });
    await assert.rejects(content.writer({ ref: 'layer-1', expected: digestOf(layer1) }), {
      code: 'AlreadyExists',
    });
    const st = await content.status('layer-2');
    assert.equal(st.offset, layer2.length >> 1);
    const w = await content.writer({ ref: 'layer-2', expected: digestOf(layer2), total: layer2.length });
    assert.equal(w.offset, layer2.length >> 1, 'resumes where the killed pull stopped');
    await w.write(layer2.subarray(w.offset));
    await w.commit(layer2.length, digestOf(layer2));
    assert.ok((await content.readBlob(digestOf(layer2))).equals(layer2));
    stores.leases('moby').delete('pull-1');
    const done = await stores.collectGarbage();
    assert.equal(done.blobs.length, 2, 'with the lease gone and no image, both layers are collected');
  } finally {
    await stores.close();
  }
});
