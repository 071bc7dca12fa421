// Multi-platform images and mirrors against real registries: an OCI index and a Docker manifest list with
// two platforms pushed by berth (children first), pulled per platform; zstd and gzip layers unpacked and
// checked against the config's diff IDs; a second registry as a mirror for another registry's host.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LayoutStore,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  hostPlatform,
  parsePlatform,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { unpackLayer } from '../../../src/images/unpack/index.js';
import { type BuiltImage, type Desc, writeImage, writeIndex } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';

const skip = process.getuid?.() === 0 ? false : 'needs root (unpacks with owners)';
let work: string;
let reg: TestRegistry;
let mirror: TestRegistry;
let amd64: BuiltImage;
let arm64: BuiltImage;
let index: Desc;
let list: Desc;
let source: LayoutStore;

function client(hosts = {}): RegistryClient {
  return new RegistryClient({ credentials: new StaticCredentials(), hosts, retry: { baseDelayMs: 5 } });
}
let n = 0;
const sink = (): Promise<LayoutStore> => LayoutStore.open(join(work, `sink-${n++}`));

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-index-'));
  const dir = join(work, 'img');
  const base = { type: 'file' as const, path: 'etc/os-release', data: Buffer.from('ID=berth\n') };
  amd64 = writeImage(dir, [
    { entries: [{ type: 'dir', path: 'etc' }, base], compression: 'gzip' },
    { entries: [{ type: 'file', path: 'arch', data: Buffer.from('amd64\n') }], compression: 'zstd' },
  ]);
  arm64 = writeImage(
    dir,
    [
      { entries: [{ type: 'dir', path: 'etc' }, base], compression: 'zstd' },
      {
        entries: [
          { type: 'file', path: 'arch', data: Buffer.from('arm64\n') },
          { type: 'file', path: 'etc/.wh.os-release', data: Buffer.alloc(0) },
        ],
        compression: 'gzip',
      },
    ],
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
  );
  index = writeIndex(dir, [amd64.manifest, arm64.manifest]);
  const docker = writeImage(dir, [{ entries: [base] }], { os: 'linux', architecture: 'amd64' }, true);
  list = writeIndex(dir, [docker.manifest, arm64.manifest], true);
  source = await LayoutStore.open(dir);
  [reg, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  await push(client(), `${reg.host}/multi/img:1`, index, { source });
  await push(client(), `${reg.host}/multi/list:1`, list, { source });
});
after(async () => {
  closeConnections();
  await reg?.stop();
  await mirror?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('multi-platform images', { skip }, () => {
  it('selects the host platform by default and another on request', async () => {
    assert.deepEqual(hostPlatform().os, 'linux');
    const host = await pull(client(), `${reg.host}/multi/img:1`, {
      sink: await sink(),
      platform: parsePlatform('linux/amd64'),
    });
    assert.equal(host.target.digest, index.digest);
    assert.equal(host.manifestDescriptor.digest, amd64.manifest.digest);
    const arm = await pull(client(), `${reg.host}/multi/img:1`, {
      sink: await sink(),
      platform: parsePlatform('linux/arm64'),
    });
    assert.equal(
      arm.manifestDescriptor.digest,
      arm64.manifest.digest,
      'linux/arm64 matches the linux/arm64/v8 entry',
    );
    assert.deepEqual(
      arm.layers.map((l) => l.diffId),
      arm64.diffIds,
    );
    const list1 = await pull(client(), `${reg.host}/multi/list:1`, {
      sink: await sink(),
      platform: parsePlatform('linux/arm64/v8'),
    });
    assert.equal(list1.index?.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    assert.equal(list1.manifestDescriptor.digest, arm64.manifest.digest);
  });

  it('names the platforms an index offers when none matches', async () => {
    await assert.rejects(
      pull(client(), `${reg.host}/multi/img:1`, {
        sink: await sink(),
        platform: parsePlatform('linux/s390x'),
      }),
      {
        code: 'NotFound',
        message: `pull "${reg.host}/multi/img:1": index "${index.digest}": no manifest for platform "linux/s390x" (index has "linux/amd64", "linux/arm64/v8")`,
      },
    );
    assert.throws(() => parsePlatform('linux'), {
      message: 'platform "linux": expected "os/arch" or "os/arch/variant"',
    });
  });

  it('unpacks gzip and zstd layers in order, whiteouts applied, diff IDs checked', async () => {
    const s = await sink();
    const r = await pull(client(), `${reg.host}/multi/img@${index.digest}`, {
      sink: s,
      platform: parsePlatform('linux/arm64'),
    });
    const rootfs = join(work, 'rootfs-arm64');
    mkdirSync(rootfs);
    for (const l of r.layers) {
      await unpackLayer(await s.open(l.descriptor), rootfs, {
        mediaType: l.descriptor.mediaType,
        whiteouts: 'apply',
        digest: l.descriptor.digest,
        diffId: l.diffId,
      });
    }
    assert.equal(readFileSync(join(rootfs, 'arch'), 'utf8'), 'arm64\n');
    assert.throws(() => readFileSync(join(rootfs, 'etc/os-release')), { code: 'ENOENT' });
  });
});

describe('mirrors', () => {
  it('serves another registry host from a local mirror (registry.k8s.io)', async () => {
    await push(client(), `${mirror.host}/pause:3.9`, amd64.manifest, { source });
    const hosts = { hosts: { 'registry.k8s.io': { mirrors: [`http://${mirror.host}`] } } };
    const r = await pull(client(hosts), 'registry.k8s.io/pause:3.9', { sink: await sink() });
    assert.equal(r.manifestDescriptor.digest, amd64.manifest.digest);
    assert.equal(r.reference.domain, 'registry.k8s.io');
  });

  it('passes over a mirror that lacks the image or is down, to the registry itself', async () => {
    const hosts = { hosts: { [reg.host]: { mirrors: ['http://127.0.0.1:1', `http://${mirror.host}`] } } };
    const r = await pull(client(hosts), `${reg.host}/multi/img:1`, {
      sink: await sink(),
      platform: parsePlatform('linux/amd64'),
    });
    assert.equal(r.manifestDescriptor.digest, amd64.manifest.digest);
  });

  it('never pushes to a mirror', async () => {
    const hosts = { hosts: { [reg.host]: { mirrors: [`http://${mirror.host}`] } } };
    await push(client(hosts), `${reg.host}/pushed/not-mirrored:1`, amd64.manifest, { source });
    await assert.rejects(pull(client(), `${mirror.host}/pushed/not-mirrored:1`, { sink: await sink() }), {
      code: 'NotFound',
    });
  });
});
