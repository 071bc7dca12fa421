// A process that writes image records to a metadata database in transactions of ten, forever, printing
// "committed <n>" as it goes, for the crash test to kill. Usage: node txn-child.js ROOT
import { Stores } from '../../../src/metadata/index.js';
import { digestOf } from '../../../src/content/index.js';

const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: txn-child ROOT\n');
  process.exit(2);
}
const stores = new Stores(root);
const images = stores.images('moby');
const batch = stores.db.transaction((n: number) => {
  for (let i = 0; i < 10; i++)
    images.create({
      name: `img-${n}-${i}`,
      target: {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        digest: digestOf(`${n}/${i}`),
        size: 1,
      },
    });
});
for (let n = 0; ; n++) {
  batch.immediate(n);
  if (n % 20 === 0) process.stdout.write(`committed ${n}\n`);
  if (n % 5 === 0) await new Promise((r) => setImmediate(r));
}
