// dockerode (npm), a client other people wrote, against berthd: pull with followProgress, listImages,
// inspect, tag, history, get (save) and loadImage, push with an authconfig, remove, pruneImages and df,
// and a 404 for an unknown image.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { type BusyboxImage, buildBusyboxImage } from '../fixtures/image.js';
import { type TestRegistry, startRegistry } from '../fixtures/registry.js';
import {
  pushLayout,
  restartableDaemon,
  type RestartableDaemon,
} from '../integration/images-daemon/fixtures.js';
import { skipUnlessRoot } from '../integration/runtime/harness.js';

describe('dockerode image calls against berthd', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let d: RestartableDaemon;
  let bb: BusyboxImage;
  let docker: Docker;
  let ref: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-e2e-dockerode-'));
    reg = await startRegistry({ kind: 'htpasswd', users: { carol: 'pw' } });
    bb = await buildBusyboxImage(join(work, 'bb'));
    const size = readFileSync(join(bb.layoutDir, 'blobs/sha256', bb.manifestDigest.slice(7))).length;
    ref = `${reg.host}/library/busybox:1`;
    const top = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: bb.manifestDigest, size };
    await pushLayout(ref, bb.layoutDir, top, { username: 'carol', password: 'pw' });
    d = restartableDaemon();
    await d.start();
    docker = new Docker({ socketPath: d.socket });
  });
  after(async () => {
    await d?.remove();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const auth = { username: 'carol', password: 'pw', serveraddress: '' };
  const follow = (stream: NodeJS.ReadableStream): Promise<{ status?: string; id?: string }[]> =>
    new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, out: { status?: string; id?: string }[]) =>
        err ? reject(err) : resolve(out),
      ),
    );

  test('pull with credentials, followed to the end', async () => {
    const events = await follow(await docker.pull(ref, { authconfig: { ...auth, serveraddress: reg.host } }));
    assert.deepEqual(events[0], { status: `Pulling from ${reg.host}/library/busybox`, id: '1' });
    assert.ok(events.some((e) => e.status === 'Pull complete' && e.id === bb.layerDigest.slice(7, 19)));
    assert.deepEqual(
      events.slice(-2).map((e) => e.status),
      [`Digest: ${bb.manifestDigest}`, `Status: Downloaded newer image for ${ref}`],
    );
    await assert.rejects(
      docker.pull(`${reg.host}/library/busybox:nope`, { authconfig: auth }),
      (err: Error & { statusCode?: number }) => {
        assert.equal(err.statusCode, 404);
        assert.match(err.message, /manifest for 127\.0\.0\.1:\d+\/library\/busybox:nope not found/);
        return true;
      },
    );
  });

  test('listImages, inspect, tag, history', async () => {
    const list = await docker.listImages();
    assert.deepEqual(
      list.map((i) => [i.Id, i.RepoTags]),
      [[bb.configDigest, [ref]]],
    );
    const image = docker.getImage(ref);
    await image.tag({ repo: 'dockerode/bb', tag: 'tagged' });
    const info = await docker.getImage('dockerode/bb:tagged').inspect();
    assert.equal(info.Id, bb.configDigest);
    assert.deepEqual(info.RepoTags, [ref, 'dockerode/bb:tagged']);
    assert.deepEqual(info.RootFS.Layers, [bb.diffId]);
    const history = (await image.history()) as { Id: string; CreatedBy: string }[];
    assert.deepEqual(
      history.map((h) => [h.Id, h.CreatedBy]),
      [[bb.configDigest, 'berth test fixture: busybox-static']],
    );
    await assert.rejects(
      docker.getImage('nosuch').inspect(),
      (err: Error & { statusCode?: number; json?: { message: string } }) => {
        assert.equal(err.statusCode, 404);
        assert.deepEqual(err.json, { message: 'No such image: nosuch:latest' });
        return true;
      },
    );
  });

  test('get (save), remove, loadImage', async () => {
    const archive = join(work, 'dockerode.tar');
    await pipeline(await docker.getImage('dockerode/bb:tagged').get(), createWriteStream(archive));
    const removed = (await docker.getImage(bb.configDigest).remove({ force: true })) as Record<
      string,
      string
    >[];
    assert.deepEqual(removed, [
      { Untagged: ref },
      { Untagged: `${reg.host}/library/busybox@${bb.manifestDigest}` },
      { Untagged: 'dockerode/bb:tagged' },
      { Deleted: bb.configDigest },
      { Deleted: bb.diffId },
    ]);
    const out = await docker.loadImage(createReadStream(archive));
    const lines = await follow(out as unknown as NodeJS.ReadableStream);
    assert.deepEqual(lines, [{ stream: 'Loaded image: dockerode/bb:tagged\n' }]);
    assert.deepEqual(
      (await docker.listImages()).map((i) => i.RepoTags),
      [['dockerode/bb:tagged']],
    );
  });

  test('push with an authconfig, df, prune', async () => {
    const target = `${reg.host}/dockerode/pushed`;
    const tag = randomBytes(3).toString('hex');
    await docker.getImage('dockerode/bb:tagged').tag({ repo: target, tag });
    const events = await follow(await docker.getImage(`${target}:${tag}`).push({ tag, authconfig: auth }));
    assert.equal(events[0]?.status, `The push refers to repository [${target}]`);
    assert.ok(
      events.some((e) => /^[0-9a-f]{6}: digest: sha256:[0-9a-f]{64} size: \d+$/.test(e.status ?? '')),
    );
    assert.deepEqual(Object.keys((events.at(-1) as { aux?: object }).aux ?? {}), ['Tag', 'Digest', 'Size']);
    // The current API answers per-type usage; an older client (1.41) gets the legacy lists.
    const df = (await docker.df()) as {
      ImageUsage: { TotalCount: number; ActiveCount: number; TotalSize: number };
    };
    assert.equal(df.ImageUsage.TotalCount, 1);
    assert.equal(df.ImageUsage.ActiveCount, 0);
    assert.ok(df.ImageUsage.TotalSize > 1_000_000);
    const old = new Docker({ socketPath: d.socket, version: 'v1.41' });
    const legacy = (await old.df()) as { LayersSize: number; Images: { Id: string; Containers: number }[] };
    assert.deepEqual(
      legacy.Images.map((i) => i.Id),
      [bb.configDigest],
    );
    assert.equal(legacy.LayersSize, df.ImageUsage.TotalSize);
    const pruned = await docker.pruneImages({ filters: { dangling: ['false'] } });
    assert.equal(pruned.ImagesDeleted?.filter((i) => i.Deleted === bb.configDigest).length, 1);
    assert.ok(pruned.SpaceReclaimed > 1_000_000);
    assert.deepEqual(await docker.listImages(), []);
  });
});
