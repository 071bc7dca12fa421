// Faults between the client and a registry: a proxy in front of a real docker-registry that answers 503s,
// cuts blob bodies mid-way or ignores Range; a hostile registry that sends wrong bytes, truncated or
// oversized bodies, 500s, or drips and stalls. Each gives a clear error or a retry that helps, never a
// corrupt blob in the store, and a later pull succeeds.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LayoutStore,
  type ProgressEvent,
  RegistryClient,
  StaticCredentials,
  closeConnections,
  pull,
  push,
} from '../../../src/images/registry/index.js';
import { type BlobFault, startFaultyProxy, startHostileRegistry } from '../../fixtures/faulty-servers.js';
import { type BuiltImage, randomFile, writeBlob, writeImage } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';

const BIG = 3 << 20;
let work: string;
let image: BuiltImage;
let reg: TestRegistry;

function client(retry: Record<string, number> = {}): RegistryClient {
  return new RegistryClient({
    credentials: new StaticCredentials(),
    retry: { baseDelayMs: 5, maxDelayMs: 50, ...retry },
  });
}

let n = 0;
async function sink(): Promise<LayoutStore> {
  return LayoutStore.open(join(work, `sink-${n++}`));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-reg-faults-'));
  image = writeImage(join(work, 'img'), [
    { entries: [randomFile('big', BIG, 7)], compression: 'none' },
    { entries: [{ type: 'file', path: 'small', data: Buffer.from('s') }] },
  ]);
  reg = await startRegistry();
  await push(client(), `${reg.host}/faults/img:1`, image.manifest, {
    source: await LayoutStore.open(join(work, 'img')),
  });
});
after(async () => {
  closeConnections();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

const bigLayer = (): string => image.layers[0]!.digest;

describe('through a misbehaving proxy', () => {
  it('retries 503s with backoff and reports it', async () => {
    const proxy = await startFaultyProxy(reg.host, { status503: 3 });
    try {
      const events: ProgressEvent[] = [];
      const r = await pull(client(), `${proxy.host}/faults/img:1`, {
        sink: await sink(),
        onProgress: (e) => events.push(e),
      });
      assert.equal(r.target.digest, image.manifest.digest);
      assert.equal(proxy.seen.filter((s) => s.status === 503).length, 3);
    } finally {
      await proxy.stop();
    }
  });

  it('resumes a cut blob with Range from where it stopped, downloading no byte twice', async () => {
    const proxy = await startFaultyProxy(reg.host, { cutBlobs: 2, cutAfter: 1 << 20, cutDigest: bigLayer() });
    try {
      const events: ProgressEvent[] = [];
      const s = await sink();
      await pull(client(), `${proxy.host}/faults/img:1`, { sink: s, onProgress: (e) => events.push(e) });
      assert.ok(await s.has(bigLayer()));
      const gets = proxy.seen.filter((x) => x.path.endsWith(`/blobs/${bigLayer()}`) && x.method === 'GET');
      assert.equal(gets.length, 3, 'two cuts, two resumes');
      assert.equal(gets[0]?.range, undefined);
      // Each retry asks for the rest: from the bytes that arrived (at most what the proxy sent before cutting).
      const starts = gets.map((g) => Number(/^bytes=(\d+)-$/.exec(g.range ?? 'bytes=0-')?.[1]));
      assert.ok(starts[1]! > 0 && starts[1]! <= 1 << 20, `first resume from ${starts[1]}`);
      assert.ok(starts[2]! > starts[1]!, `second resume from ${starts[2]}`);
      assert.equal(
        gets[2]?.bytes,
        image.layers[0]!.size - starts[2]!,
        'the last request fetched only the rest',
      );
      assert.ok(events.some((e) => e.digest === bigLayer() && e.state === 'retrying'));
    } finally {
      await proxy.stop();
    }
  });

  it('keeps a partial ingest when it gives up, and a later pull resumes it', async () => {
    // One cut mid-blob, then the proxy answers only 503s: the pull gives up.
    const proxy = await startFaultyProxy(reg.host, {
      cutBlobs: 1,
      cutAfter: 1 << 20,
      cutDigest: bigLayer(),
      unavailableAfterCut: true,
    });
    const s = await sink();
    try {
      await assert.rejects(
        pull(client({ attempts: 2 }), `${proxy.host}/faults/img:1`, { sink: s, layerConcurrency: 1 }),
        {
          code: 'Unavailable',
          message: `pull "${proxy.host}/faults/img:1": blob "${bigLayer()}" of "${proxy.host}/faults/img": try later`,
        },
      );
      const kept = await s.ingestSize(`layer-${bigLayer()}`);
      assert.ok(kept > 0 && kept <= 1 << 20, `partial ingest of ${kept} bytes kept`);
      assert.equal(await s.has(bigLayer()), false, 'nothing partial is committed');
      // A later pull through a healthy path resumes from the ingest.
      const good = await startFaultyProxy(reg.host, {});
      try {
        await pull(client(), `${good.host}/faults/img:1`, { sink: s });
        const get = good.seen.find((x) => x.path.endsWith(`/blobs/${bigLayer()}`));
        assert.equal(get?.range, `bytes=${kept}-`);
        assert.ok(await s.has(bigLayer()));
      } finally {
        await good.stop();
      }
    } finally {
      await proxy.stop();
    }
  });

  it('fetches a manifest again when its body is cut', async () => {
    const proxy = await startFaultyProxy(reg.host, { cutManifests: 1, cutAfter: 10 });
    try {
      const r = await pull(client(), `${proxy.host}/faults/img:1`, { sink: await sink() });
      assert.equal(r.target.digest, image.manifest.digest);
      assert.equal(proxy.seen.filter((s) => s.path.includes('/manifests/')).length, 2);
    } finally {
      await proxy.stop();
    }
  });

  it('starts over when the server ignores Range', async () => {
    const proxy = await startFaultyProxy(reg.host, {
      cutBlobs: 1,
      cutAfter: 1 << 20,
      cutDigest: bigLayer(),
      ignoreRange: true,
    });
    try {
      const s = await sink();
      await pull(client(), `${proxy.host}/faults/img:1`, { sink: s });
      assert.ok(await s.has(bigLayer()));
      const gets = proxy.seen.filter((x) => x.path.endsWith(`/blobs/${bigLayer()}`));
      assert.deepEqual(
        gets.map((g) => g.status),
        [200, 200],
      );
    } finally {
      await proxy.stop();
    }
  });
});

describe('pushing through a misbehaving proxy', () => {
  for (const chunkSize of [0, 1 << 20]) {
    it(`survives a dropped upload (${chunkSize === 0 ? 'monolithic' : 'chunked'})`, async () => {
      const proxy = await startFaultyProxy(reg.host, { cutUploads: 1, cutUploadAfter: 512 << 10 });
      try {
        const source = await LayoutStore.open(join(work, 'img'));
        const repo = `faults/pushed-${chunkSize}`;
        await push(client(), `${proxy.host}/${repo}:1`, image.manifest, { source, chunkSize });
        assert.equal(proxy.seen.filter((s) => s.cut === true).length, 1, 'one upload was cut');
        // What the registry stores is whole: pull it back directly and compare digests.
        const s = await sink();
        const r = await pull(client(), `${reg.host}/${repo}:1`, { sink: s });
        assert.equal(r.target.digest, image.manifest.digest);
        assert.ok(await s.has(bigLayer()));
        if (chunkSize > 0) {
          const status = proxy.seen.filter((x) => x.method === 'GET' && x.path.includes('/blobs/uploads/'));
          assert.ok(status.length >= 1, 'the chunked upload asked the registry where it stood');
        }
      } finally {
        await proxy.stop();
      }
    });
  }
});

describe('a hostile registry', () => {
  const tag = (): Record<string, { digest: string; mediaType: string }> => ({
    '1': { digest: image.manifest.digest, mediaType: image.manifest.mediaType },
  });
  const cases: [string, BlobFault, RegExp | undefined][] = [
    [
      'wrong bytes',
      { kind: 'wrong-bytes' },
      /blob "sha256:[0-9a-f]+" of "[^"]+": digest mismatch: got "sha256:/,
    ],
    [
      'an oversized body',
      { kind: 'oversize', extra: 10 },
      /registry sent more than the \d+ bytes the descriptor gives/,
    ],
    [
      'persistent 500s',
      { kind: 'status', status: 500 },
      /blob "sha256:[0-9a-f]+" of "[^"]+": internal trouble$/,
    ],
    ['a few 500s', { kind: 'status', status: 500, times: 2 }, undefined],
    ['a truncated body (resumed each time)', { kind: 'truncate', keep: 1 << 20 }, undefined],
    [
      'a slow drip with a stall longer than the idle timeout',
      { kind: 'drip', chunk: 256 << 10, delayMs: 1, stallAtByte: 1 << 20, stallMs: 1500 },
      undefined,
    ],
  ];
  for (const [label, fault, error] of cases) {
    it(`${error ? 'refuses' : 'survives'} ${label}`, async () => {
      const faults = new Map([[bigLayer(), fault]]);
      const hostile = await startHostileRegistry(join(work, 'img'), tag(), faults);
      const s = await sink();
      try {
        const c = client({ idleTimeoutMs: 500 });
        const p = pull(c, `${hostile.host}/x/img:1`, { sink: s });
        if (error) {
          await assert.rejects(p, (err: Error) => {
            assert.equal(err.name, 'BerthError');
            assert.match(err.message, new RegExp(`^pull "${hostile.host}/x/img:1": `));
            assert.match(err.message, error);
            return true;
          });
          assert.equal(await s.has(bigLayer()), false, 'no corrupt blob is committed');
          assert.ok(!existsSync(join(s.dir, 'blobs/sha256', bigLayer().slice(7))));
        } else {
          await p;
          assert.ok(await s.has(bigLayer()));
        }
        // Whatever happened, a later pull from a good registry completes into the same store.
        faults.clear();
        await pull(client(), `${hostile.host}/x/img:1`, { sink: s });
        assert.ok(await s.has(bigLayer()));
        assert.equal(readdirSync(join(s.dir, 'blobs/sha256')).length, 4, 'manifest, config, two layers');
      } finally {
        await hostile.stop();
      }
    });
  }
});

describe('a hostile manifest', () => {
  it('refuses a config too large to read, before fetching it', async () => {
    const dir = join(work, 'hostile-manifest');
    const config = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 1 << 30,
    };
    const manifest = writeBlob(
      dir,
      'application/vnd.oci.image.manifest.v1+json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config,
          layers: [],
        }),
      ),
    );
    const hostile = await startHostileRegistry(dir, { '1': manifest }, new Map());
    try {
      await assert.rejects(pull(client(), `${hostile.host}/x/huge:1`, { sink: await sink() }), {
        code: 'InvalidArgument',
        message: `pull "${hostile.host}/x/huge:1": config "${config.digest}": 1073741824 bytes is more than the 16777216 allowed`,
      });
      assert.equal(hostile.gets.size, 0, 'no blob was requested');
    } finally {
      await hostile.stop();
    }
  });
});

describe('parallel layers', () => {
  it('fetches several layers at once, never more than the bound', async () => {
    const dir = join(work, 'many');
    const many = writeImage(
      dir,
      Array.from({ length: 6 }, (_, i) => ({
        entries: [randomFile(`f${i}`, 256 << 10, i + 1)],
        compression: 'none' as const,
      })),
    );
    const tags = { '1': { digest: many.manifest.digest, mediaType: many.manifest.mediaType } };
    // Every blob drips slowly, so that layer downloads overlap whenever the client lets them.
    const drip = new Map([['*', { kind: 'drip', chunk: 64 << 10, delayMs: 20 } as BlobFault]]);
    const hostile = await startHostileRegistry(dir, tags, drip);
    try {
      await pull(client(), `${hostile.host}/x/many:1`, { sink: await sink(), layerConcurrency: 2 });
      assert.equal(hostile.inFlight.max, 2);
      hostile.inFlight.max = 0;
      await pull(client(), `${hostile.host}/x/many:1`, { sink: await sink() });
      assert.equal(hostile.inFlight.max, 3, "docker's default of 3");
    } finally {
      await hostile.stop();
    }
  });

  it('shares one download between concurrent pulls of the same blob into one store', async () => {
    const tags = { '1': { digest: image.manifest.digest, mediaType: image.manifest.mediaType } };
    const drip = new Map([['*', { kind: 'drip', chunk: 256 << 10, delayMs: 10 } as BlobFault]]);
    const hostile = await startHostileRegistry(join(work, 'img'), tags, drip);
    try {
      const s = await sink();
      const events: ProgressEvent[] = [];
      const onProgress = (e: ProgressEvent): number => events.push(e);
      await Promise.all(
        [1, 2, 3].map(() => pull(client(), `${hostile.host}/x/img:1`, { sink: s, onProgress })),
      );
      assert.equal(hostile.gets.get(bigLayer()), 1, 'the big layer was fetched once');
      assert.ok(await s.has(bigLayer()));
      assert.ok(events.some((e) => e.message === 'downloaded by another pull'));
    } finally {
      await hostile.stop();
    }
  });
});
