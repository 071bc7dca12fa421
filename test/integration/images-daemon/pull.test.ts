// Pulls through berthd from Debian's docker-registry on 127.0.0.1, driven by the real docker CLI and the
// berth CLI: dockerd's progress lines and JSON messages, a gzip and a zstd layer unpacked into committed
// snapshots by chain ID (a whiteout applied), a re-pull that fetches no blob, clear errors for unknown
// manifests and bad references with nothing left behind, and a store that verifies clean afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chainIds } from '../../../src/metadata/index.js';
import { startFaultyProxy, type SeenRequest, type TestServer } from '../../fixtures/faulty-servers.js';
import { type BuiltImage, writeImage } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import {
  checkRoot,
  jsonLines,
  pushLayout,
  readLayerFiles,
  restartableDaemon,
  type RestartableDaemon,
} from './fixtures.js';

const text = (s: string): Buffer => Buffer.from(s);

describe('pull through berthd', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let proxy: TestServer & { seen: SeenRequest[] };
  let d: RestartableDaemon;
  let image: BuiltImage;
  let ref: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-imgd-pull-'));
    reg = await startRegistry();
    proxy = await startFaultyProxy(reg.host, {});
    image = writeImage(join(work, 'img'), [
      {
        compression: 'gzip',
        entries: [
          { type: 'dir', path: 'etc' },
          { type: 'file', path: 'etc/hello', data: text('one\n') },
          { type: 'file', path: 'etc/gone', data: text('bye\n') },
          { type: 'dir', path: 'bin' },
          { type: 'file', path: 'bin/tool', mode: 0o755, data: text('#!/bin/sh\necho tool\n') },
        ],
      },
      {
        compression: 'zstd',
        entries: [
          { type: 'dir', path: 'etc' },
          { type: 'file', path: 'etc/hello', data: text('two\n') },
          { type: 'file', path: 'etc/.wh.gone', data: Buffer.alloc(0) },
          { type: 'dir', path: 'usr' },
          { type: 'file', path: 'usr/x', data: text('x\n') },
        ],
      },
    ]);
    ref = `${proxy.host}/team/app:1`;
    await pushLayout(`${reg.host}/team/app:1`, join(work, 'img'), image.manifest);
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    await d?.remove();
    await proxy?.stop();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("docker pull prints dockerd's lines, layer by layer, and the reference last", async () => {
    const r = await d.docker(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `1: Pulling from team/app`.replace('team/app', `${proxy.host}/team/app`));
    assert.deepEqual(lines.slice(-3), [
      `Digest: ${image.manifest.digest}`,
      `Status: Downloaded newer image for ${ref}`,
      ref,
    ]);
    for (const layer of image.layers) {
      const id = layer.digest.slice(7, 19);
      const statuses = lines.filter((l) => l.startsWith(`${id}: `)).map((l) => l.slice(id.length + 2));
      assert.deepEqual(statuses, [
        'Pulling fs layer',
        'Verifying Checksum',
        'Download complete',
        'Pull complete',
      ]);
    }
  });

  test('the image lists, inspects and has its history, with the config digest as its ID', async () => {
    const ls = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stdout, `${proxy.host}/team/app:1 ${image.config.digest.slice(7, 19)}\n`);
    const inspect = await d.docker(['image', 'inspect', ref]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const [info] = JSON.parse(inspect.stdout) as Record<string, unknown>[];
    assert.equal(info!.Id, image.config.digest);
    assert.deepEqual(info!.RepoTags, [ref]);
    assert.deepEqual(info!.RepoDigests, [`${proxy.host}/team/app@${image.manifest.digest}`]);
    assert.deepEqual(info!.RootFS, { Type: 'layers', Layers: image.diffIds });
    assert.equal(info!.Architecture, 'amd64');
    assert.deepEqual((info!.Config as { Cmd: string[] }).Cmd, ['sh']);
    const history = await d.berth(['history', '--format', '{{.ID}} {{.CreatedBy}}', ref]);
    assert.equal(history.code, 0, history.stderr);
    assert.equal(history.stdout, `${image.config.digest.slice(7, 19)} berth test\n<missing> berth test\n`);
  });

  test('a re-pull is up to date and fetches no blob', async () => {
    const blobGets = (): number =>
      proxy.seen.filter((s) => s.method === 'GET' && s.path.includes('/blobs/')).length;
    const before = blobGets();
    const r = await d.docker(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Status: Image is up to date for ${ref.replace(/\./g, '\\.')}\n`));
    assert.equal(blobGets(), before);
  });

  test("the API streams JSON messages shaped as dockerd's", async () => {
    const r = await d.api('DELETE', `/images/${ref}`);
    assert.equal(r.status, 200, r.text);
    const pulled = await d.api(
      'POST',
      `/images/create?fromImage=${encodeURIComponent(`${proxy.host}/team/app`)}&tag=1`,
    );
    assert.equal(pulled.status, 200);
    const messages = jsonLines(pulled.text);
    assert.deepEqual(messages[0], { status: `Pulling from ${proxy.host}/team/app`, id: '1' });
    for (const m of messages.slice(1, -2)) {
      assert.match(String(m.id), /^[0-9a-f]{12}$/);
      assert.equal(typeof m.progressDetail, 'object');
      if (m.status === 'Downloading' || m.status === 'Extracting') {
        const detail = m.progressDetail as { current: number; total: number };
        assert.ok(detail.current > 0 && detail.total > 0);
        assert.match(String(m.progress), /^\[=*>\s*\] +\S+\/\S+$/);
      }
    }
    assert.deepEqual(messages.slice(-2), [
      { status: `Digest: ${image.manifest.digest}` },
      { status: `Status: Downloaded newer image for ${ref}` },
    ]);
  });

  test('an unknown tag is a 404 naming the manifest; a bad reference a 400; neither leaves a lease', async () => {
    const missing = await d.docker(['pull', `${proxy.host}/team/app:nope`]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^Error response from daemon: manifest for 127\.0\.0\.1:\d+\/team\/app:nope not found: manifest unknown/,
    );
    const bad = await d.api('POST', '/images/create?fromImage=UPPER&tag=1');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: 'reference "UPPER:1": repository name must be lowercase' });
    const all = await d.api('POST', '/images/create?fromImage=busybox');
    assert.equal(all.status, 400);
    assert.deepEqual(all.body, { message: 'pulling every tag of "busybox" is not supported: name a tag' });
  });

  test('the layers are committed snapshots by chain ID, the whiteout applied, and the store verifies clean', async () => {
    await d.stop();
    const check = await checkRoot(d.root);
    assert.deepEqual(check.corrupt, []);
    assert.equal(check.blobs, 4, 'config, manifest and two layers');
    assert.deepEqual(check.uncommitted, []);
    assert.deepEqual(check.orphans, []);
    assert.deepEqual(check.leases, [], 'the pull deleted its lease');
    const ids = chainIds({ rootfs: { diff_ids: image.diffIds } });
    assert.deepEqual([...check.committed].sort(), [...ids].sort());
    const files = await readLayerFiles(d.root, ids[1]!, ['etc/hello', 'etc/gone', 'usr/x', 'bin/tool']);
    assert.deepEqual(Object.fromEntries(files), {
      'etc/hello': 'two\n',
      'etc/gone': undefined,
      'usr/x': 'x\n',
      'bin/tool': '#!/bin/sh\necho tool\n',
    });
    await d.start();
  });
});
