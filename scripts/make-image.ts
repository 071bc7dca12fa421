// Builds the busybox image from Debian's busybox-static as a `docker save` tarball, for the demo (there
// is no registry to pull from on a machine without internet): make-image <dir> → <dir>/busybox-docker.tar.
import { buildBusyboxImage } from '../test/fixtures/image.js';

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: make-image <dir>\n');
  process.exit(2);
}
const image = await buildBusyboxImage(dir);
process.stdout.write(`${image.dockerArchive}\n`);
