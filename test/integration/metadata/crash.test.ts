// The metadata database after its writer is killed with SIGKILL mid-stream: it opens, passes SQLite's
// integrity check, and holds whole transactions only (WAL recovery), with every row readable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { Stores } from '../../../src/metadata/index.js';

const CHILD = fileURLToPath(new URL('./txn-child.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'berth-md-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a writer killed mid-transaction leaves whole transactions and a sound database', async () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const child = spawn(process.execPath, [CHILD, root], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let output = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if ((output.match(/committed/g) ?? []).length >= 3) resolve();
    });
    child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await exited;

  const stores = new Stores(root);
  try {
    assert.equal(stores.db.pragma('integrity_check', { simple: true }), 'ok');
    const images = stores.images('moby').list();
    assert.ok(images.length >= 410, `at least the reported transactions are there (${images.length} rows)`);
    assert.equal(images.length % 10, 0, 'no transaction is there in part');
    const batches = new Set(images.map((i) => i.name.split('-')[1]));
    assert.equal(batches.size * 10, images.length);
    // The database takes new writes after recovery.
    stores.images('moby').delete(images[0]!.name);
  } finally {
    await stores.close();
  }
});
