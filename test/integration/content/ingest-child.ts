// A separate writer process for the crash and concurrency tests: opens an ingest in the store at
// argv[2], writes the first argv[6] bytes of the file argv[5], prints "wrote <offset>" and then either
// hangs (argv[7] = "hang", to be killed by the test) or commits (argv[7] = "commit").
// Usage: node ingest-child.js ROOT REF DIGEST DATAFILE BYTES hang|commit
import { readFileSync } from 'node:fs';
import { LocalContentStore } from '../../../src/content/index.js';

const [root, ref, digest, dataFile, bytesText, mode] = process.argv.slice(2);
if (!root || !ref || !digest || !dataFile || !bytesText || (mode !== 'hang' && mode !== 'commit')) {
  process.stderr.write('usage: ingest-child ROOT REF DIGEST DATAFILE BYTES hang|commit\n');
  process.exit(2);
}
const data = readFileSync(dataFile);
const store = new LocalContentStore(root);
const writer = await store.writer({ ref, expected: digest, total: data.length });
const end = Math.min(Number(bytesText), data.length);
for (let at = writer.offset; at < end; at += 8192)
  await writer.write(data.subarray(at, Math.min(at + 8192, end)));
process.stdout.write(`wrote ${writer.offset}\n`);
if (mode === 'hang') {
  setInterval(() => undefined, 1000); // keep the lock until killed
} else {
  // Wait for the parent's go (a line on stdin), so it can first see this writer holding the lock.
  process.stdin.once('data', () => {
    void writer.commit(data.length, digest).then(() => {
      process.stdout.write('committed\n');
      process.exit(0);
    });
  });
}
