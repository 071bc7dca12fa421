// The image and container services together, through the real docker CLI: an image pulled from Debian's
// docker-registry runs (by name and by short ID), `rmi` refuses it while a container uses it, and a removed
// container frees it; nothing stays mounted afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BusyboxImage, buildBusyboxImage } from '../fixtures/image.js';
import { type TestRegistry, startRegistry } from '../fixtures/registry.js';
import { mountsUnder } from '../integration/containers/harness.js';
import {
  pushLayout,
  restartableDaemon,
  type RestartableDaemon,
} from '../integration/images-daemon/fixtures.js';
import { skipUnlessRoot } from '../integration/runtime/harness.js';

describe('docker CLI: pull, then run what was pulled', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let d: RestartableDaemon;
  let bb: BusyboxImage;
  let ref: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-e2e-pullrun-'));
    reg = await startRegistry();
    bb = await buildBusyboxImage(join(work, 'bb'));
    const size = readFileSync(join(bb.layoutDir, 'blobs/sha256', bb.manifestDigest.slice(7))).length;
    ref = `${reg.host}/library/busybox:pulled`;
    await pushLayout(ref, bb.layoutDir, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: bb.manifestDigest,
      size,
    });
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    if (d) {
      const ids = (await d.docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await d.docker(['rm', '-f', ...ids]);
      await d.remove();
    }
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const docker = async (...args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  test('a pulled image runs by name and by short ID', async () => {
    await docker('pull', '-q', ref);
    assert.equal(await docker('run', '--rm', ref, 'echo', 'from the registry'), 'from the registry\n');
    const short = bb.configDigest.slice(7, 19);
    assert.equal(await docker('run', '--rm', short, 'cat', '/etc/hostname').then((s) => s.length > 0), true);
  });

  test('rmi refuses an image a container uses, and succeeds once it is removed', async () => {
    const id = (await docker('create', '--name', 'holder', ref, 'true')).trim();
    const refused = await d.docker(['rmi', ref]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`container ${id.slice(0, 12)} is using its referenced image`));
    await docker('rm', 'holder');
    await docker('rmi', ref);
    assert.equal((await docker('images', '-q')).trim(), '');
    assert.deepEqual(mountsUnder(d.root), []);
  });
});
