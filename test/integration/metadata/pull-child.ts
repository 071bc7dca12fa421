// Plays a pull that is killed half-way, for pull-crash.test.ts: under lease "pull-1" in namespace "moby",
// commits the first file as a blob, writes the first half of the second, prints "partial <offset>" and
// waits to be killed. Usage: node pull-child.js ROOT FILE1 FILE2
import { readFileSync } from 'node:fs';
import { digestOf } from '../../../src/content/index.js';
import { Stores } from '../../../src/metadata/index.js';

const [root, file1, file2] = process.argv.slice(2);
if (!root || !file1 || !file2) {
  process.stderr.write('usage: pull-child ROOT FILE1 FILE2\n');
  process.exit(2);
}
const stores = new Stores(root);
stores.leases('moby').create({ id: 'pull-1', ttlMs: 3_600_000 });
const content = stores.content('moby', { lease: 'pull-1' });
const first = readFileSync(file1);
const w1 = await content.writer({ ref: 'layer-1', expected: digestOf(first), total: first.length });
await w1.write(first);
await w1.commit(first.length, digestOf(first));
const second = readFileSync(file2);
const w2 = await content.writer({ ref: 'layer-2', expected: digestOf(second), total: second.length });
await w2.write(second.subarray(0, second.length >> 1));
process.stdout.write(`partial ${w2.offset}\n`);
setInterval(() => undefined, 1000);
