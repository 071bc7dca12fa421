// A process that prepares a native snapshot (a long copy) for the crash test to kill mid-way.
// Usage: node prepare-child.js SNAPSHOTTER_DIR KEY PARENT
import { NativeSnapshotter } from '../../../src/snapshots/index.js';

const [dir, key, parent] = process.argv.slice(2);
if (!dir || !key || !parent) {
  process.stderr.write('usage: prepare-child SNAPSHOTTER_DIR KEY PARENT\n');
  process.exit(2);
}
const sn = new NativeSnapshotter(dir);
process.stdout.write('preparing\n');
await sn.prepare(key, parent);
process.stdout.write('prepared\n');
await sn.close();
