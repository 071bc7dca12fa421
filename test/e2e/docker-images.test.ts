// The real docker CLI (28, at /usr/local/bin/docker) against berthd: pull from Debian's docker-registry,
// images, tag, inspect, history, save, load (berth's own archives, docker-archive and OCI tarballs), push,
// rmi (untag versus delete, dockerd's conflict messages for images in several repositories and for images
// containers use), image prune and system df — checking what docker prints.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Containers, type Stores, openStores } from '../../src/metadata/index.js';
import { type BusyboxImage, buildBusyboxImage } from '../fixtures/image.js';
import { type TestRegistry, startRegistry } from '../fixtures/registry.js';
import {
  pushLayout,
  restartableDaemon,
  type RestartableDaemon,
} from '../integration/images-daemon/fixtures.js';
import { skipUnlessRoot } from '../integration/runtime/harness.js';

describe('docker CLI image commands against berthd', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let d: RestartableDaemon;
  let bb: BusyboxImage;
  let ref: string;
  const short = (id: string): string => id.slice(7, 19);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-e2e-images-'));
    reg = await startRegistry();
    bb = await buildBusyboxImage(join(work, 'bb'));
    const size = readFileSync(join(bb.layoutDir, 'blobs/sha256', bb.manifestDigest.slice(7))).length;
    ref = `${reg.host}/library/busybox:1.36`;
    await pushLayout(ref, bb.layoutDir, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: bb.manifestDigest,
      size,
    });
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    await d?.remove();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs docker and insists on success. */
  const docker = async (...args: string[]): Promise<string> => {
    const r = await d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** Writes container records while the daemon is stopped (the container service is not in this branch). */
  const withContainers = async (fn: (c: Containers, stores: Stores) => void): Promise<void> => {
    await d.stop();
    const opened = await openStores(d.root);
    try {
      fn(opened.stores.containers('moby'), opened.stores);
    } finally {
      await opened.stores.close();
    }
    await d.start();
  };

  test('pull, images, tag, inspect, history', async () => {
    const out = await docker('pull', ref);
    assert.match(out, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/library\/busybox:1\.36\n/);
    await docker('tag', ref, 'local/bb:mine');
    const ls = await docker('images', '--format', '{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}');
    assert.equal(
      ls,
      [
        `${reg.host}/library/busybox 1.36 ${short(bb.configDigest)} 2.02MB`,
        `local/bb mine ${short(bb.configDigest)} 2.02MB`,
        '',
      ].join('\n'),
    );
    const tags = await docker(
      'image',
      'inspect',
      '--format',
      '{{json .RepoTags}} {{.Os}}/{{.Architecture}}',
      'local/bb:mine',
    );
    assert.equal(tags, `["${ref}","local/bb:mine"] linux/amd64\n`);
    const lastTag = await docker(
      'image',
      'inspect',
      '--format',
      '{{.Metadata.LastTagTime}}',
      'local/bb:mine',
    );
    assert.notEqual(lastTag.trim(), '0001-01-01T00:00:00Z');
    const history = await docker('history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}', ref);
    assert.equal(history, `${bb.configDigest}|berth test fixture: busybox-static\n`);
    const byShortId = await docker('image', 'inspect', '--format', '{{.Id}}', short(bb.configDigest));
    assert.equal(byShortId, `${bb.configDigest}\n`);
  });

  test('rmi by ID refuses an image of two repositories; untag, then delete with its layer', async () => {
    const refused = await d.docker(['rmi', short(bb.configDigest)]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `Error response from daemon: conflict: unable to delete ${short(bb.configDigest)} (must be forced) - image is referenced in multiple repositories\n`,
    );
    assert.equal(await docker('rmi', 'local/bb:mine'), 'Untagged: local/bb:mine\n');
    const gone = await docker('rmi', ref);
    assert.equal(
      gone,
      [
        `Untagged: ${ref}`,
        `Untagged: ${reg.host}/library/busybox@${bb.manifestDigest}`,
        `Deleted: ${bb.configDigest}`,
        `Deleted: ${bb.diffId}`,
        '',
      ].join('\n'),
    );
    assert.equal(await docker('images', '-q'), '');
  });

  test("save and load: berth's own archives, docker-archive and OCI tarballs", async () => {
    await docker('pull', ref);
    await docker('tag', ref, 'local/bb:mine');
    const archive = join(work, 'saved.tar');
    assert.equal(await docker('save', '-o', archive, ref, 'local/bb:mine'), '');
    await docker('rmi', '-f', bb.configDigest);
    assert.equal(await docker('images', '-q'), '');
    assert.equal(await docker('load', '-i', archive), `Loaded image: ${ref}\nLoaded image: local/bb:mine\n`);
    assert.equal(
      await docker('image', 'inspect', '--format', '{{.Id}}', 'local/bb:mine'),
      `${bb.configDigest}\n`,
    );
    await docker('rmi', '-f', bb.configDigest);
    assert.equal(await docker('load', '-i', bb.dockerArchive), 'Loaded image: busybox:latest\n');
    assert.equal(await docker('image', 'inspect', '--format', '{{.Id}}', 'busybox'), `${bb.configDigest}\n`);
    assert.equal(await docker('load', '-i', bb.ociArchive), 'Loaded image: busybox:latest\n');
    const bad = await d.docker(['load', '-i', join(bb.layoutDir, 'oci-layout')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /load: /);
  });

  test('push to the registry and pull it back', async () => {
    const target = `${reg.host}/mirror/bb:${randomBytes(3).toString('hex')}`;
    await docker('tag', 'busybox', target);
    const pushed = await docker('push', target);
    assert.match(
      pushed,
      new RegExp(`^The push refers to repository \\[${reg.host.replace(/\./g, '\\.')}/mirror/bb\\]\n`),
    );
    assert.match(pushed, new RegExp(`${short(bb.diffId)}: (Pushed|Layer already exists)\n`));
    assert.match(pushed, /: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    await docker('rmi', target);
    assert.match(await docker('pull', target), /Downloaded newer image|Image is up to date/);
    assert.equal(await docker('image', 'inspect', '--format', '{{.Id}}', target), `${bb.configDigest}\n`);
    await docker('rmi', target);
  });

  test("an image a container uses: docker's conflicts, -f keeps it dangling, prune spares it", async () => {
    const id = randomBytes(32).toString('hex');
    const tags = JSON.parse(
      await docker('image', 'inspect', '--format', '{{json .RepoTags}}', 'busybox'),
    ) as string[];
    assert.deepEqual(tags, ['busybox:latest']);
    // A container records its image's target digest (see the image service's types.ts).
    await withContainers((c, stores) => {
      const imageDigest = stores.images('moby').get('docker.io/library/busybox:latest').target.digest;
      c.create({
        id,
        runtime: { name: 'berth', options: {} },
        image: 'busybox',
        imageDigest,
        state: 'exited',
      });
    });
    const untag = await d.docker(['rmi', 'busybox']);
    assert.equal(untag.code, 1);
    assert.equal(
      untag.stderr,
      `Error response from daemon: conflict: unable to remove repository reference "busybox" (must force) - container ${id.slice(0, 12)} is using its referenced image ${short(bb.configDigest)}\n`,
    );
    const stopped = await d.docker(['rmi', bb.configDigest]);
    assert.equal(
      stopped.stderr,
      `Error response from daemon: conflict: unable to delete ${short(bb.configDigest)} (must be forced) - image is being used by stopped container ${id.slice(0, 12)}\n`,
    );
    await withContainers((c) => void c.update(id, { state: 'running', pid: process.pid }));
    const running = await d.docker(['rmi', '-f', bb.configDigest]);
    assert.equal(
      running.stderr,
      `Error response from daemon: conflict: unable to delete ${short(bb.configDigest)} (cannot be forced) - image is being used by running container ${id.slice(0, 12)}\n`,
    );
    assert.equal(await docker('rmi', '-f', 'busybox'), 'Untagged: busybox:latest\n');
    assert.equal(
      await docker('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'),
      `<none>:<none> ${short(bb.configDigest)}\n`,
    );
    assert.match(await docker('image', 'prune', '-f'), /^Total reclaimed space: 0B\n$/);
    const df = await docker('system', 'df', '--format', '{{.Type}} {{.TotalCount}} {{.Active}}');
    assert.match(df, /^Images 1 1\n/);
    await withContainers((c) => c.delete(id));
    const pruned = await docker('image', 'prune', '-f');
    assert.match(
      pruned,
      new RegExp(
        `^Deleted Images:\ndeleted: ${bb.configDigest}\ndeleted: ${bb.diffId}\n\nTotal reclaimed space: \\d`,
      ),
    );
    assert.equal(await docker('images', '-a', '-q'), '');
  });
});
