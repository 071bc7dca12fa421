// Makes an OCI bundle (busybox rootfs + config.json) for the demo: make-bundle <dir> [args...].
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from '../src/oci/default-spec.js';
import { makeBusyboxRootfs } from '../test/fixtures/busybox.js';

const [dir, ...args] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: make-bundle <dir> [args...]\n');
  process.exit(2);
}
await makeBusyboxRootfs(join(dir, 'rootfs'));
const spec = defaultSpec();
spec.process!.terminal = false;
if (args.length) spec.process!.args = args;
writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
