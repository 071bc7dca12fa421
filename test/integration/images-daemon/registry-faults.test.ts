// What goes wrong on the way, through berthd: a multi-arch index (the host's platform by default, another
// by --platform), a connection cut in the middle of a blob (resumed with a Range request in the same pull,
// and across pulls when the first one gives up), and a hostile registry (wrong bytes, oversized and
// truncated bodies, 500s): clear errors, retries where they help, nothing corrupt in the store, and a later
// pull from a good registry succeeds.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type BlobFault,
  type ProxyFaults,
  type SeenRequest,
  startFaultyProxy,
  startHostileRegistry,
} from '../../fixtures/faulty-servers.js';
import { type BuiltImage, randomFile, writeImage, writeIndex } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { checkRoot, pushLayout, restartableDaemon, type RestartableDaemon } from './fixtures.js';

describe('registry faults, through berthd', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let d: RestartableDaemon;
  let amd64: BuiltImage;
  let arm64: BuiltImage;
  let big: BuiltImage;
  let indexDesc: { mediaType: string; digest: string; size: number };
  const layout = (): string => join(work, 'layout');

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-imgd-faults-'));
    reg = await startRegistry();
    amd64 = writeImage(layout(), [
      { compression: 'gzip', entries: [randomFile('a/one', 20_000, 1)] },
      { compression: 'zstd', entries: [randomFile('a/two', 20_000, 2)] },
    ]);
    arm64 = writeImage(layout(), [{ compression: 'gzip', entries: [randomFile('b/one', 20_000, 3)] }], {
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    const index = writeIndex(layout(), [amd64.manifest, arm64.manifest]);
    indexDesc = { mediaType: index.mediaType, digest: index.digest, size: index.size };
    await pushLayout(`${reg.host}/multi/img:1`, layout(), index);
    big = writeImage(layout(), [
      { compression: 'gzip', entries: [randomFile('c/big', 3_000_000, 4)] },
      { compression: 'gzip', entries: [randomFile('c/small', 10_000, 5)] },
    ]);
    await pushLayout(`${reg.host}/big/img:1`, layout(), big.manifest);
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    await d?.remove();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("an index gives the host's platform; --platform another; each under its own name", async () => {
    const host = await d.docker(['pull', `${reg.host}/multi/img:1`]);
    assert.equal(host.code, 0, host.stderr);
    const arch = async (ref: string): Promise<string> => {
      const r = await d.docker(['image', 'inspect', ref]);
      assert.equal(r.code, 0, r.stderr);
      const [i] = JSON.parse(r.stdout) as { Id: string; Architecture: string; Variant?: string }[];
      return `${i!.Id} ${i!.Architecture}${i!.Variant === undefined ? '' : `/${i!.Variant}`}`;
    };
    assert.equal(await arch(`${reg.host}/multi/img:1`), `${amd64.config.digest} amd64`);
    assert.equal((await d.docker(['tag', `${reg.host}/multi/img:1`, 'keep:amd64'])).code, 0);
    const other = await d.docker(['pull', '--platform', 'linux/arm64', `${reg.host}/multi/img:1`]);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /Status: Downloaded newer image/);
    assert.equal(await arch(`${reg.host}/multi/img:1`), `${arm64.config.digest} arm64/v8`);
    assert.equal(
      await arch('keep:amd64'),
      `${amd64.config.digest} amd64`,
      'the other platform keeps its own name',
    );
    const unknown = await d.docker(['pull', '--platform', 'linux/s390x', `${reg.host}/multi/img:1`]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /no manifest for platform "linux\/s390x" \(index has "linux\/amd64", "linux\/arm64\/v8"\)/,
    );
  });

  test("GET /distribution/{name}/json: the index and its platforms, a manifest and its config's; nothing stored", async () => {
    const before = (await d.docker(['images', '-q', '--no-trunc'])).stdout;
    const multi = await d.api('GET', `/distribution/${reg.host}/multi/img:1/json`);
    assert.equal(multi.status, 200, multi.text);
    assert.deepEqual(multi.body, {
      Descriptor: indexDesc,
      Platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    const one = await d.api('GET', `/distribution/${reg.host}/big/img:1/json`);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body, {
      Descriptor: { mediaType: big.manifest.mediaType, digest: big.manifest.digest, size: big.manifest.size },
      Platforms: [{ os: 'linux', architecture: 'amd64' }],
    });
    const missing = await d.api('GET', `/distribution/${reg.host}/multi/img:nope/json`);
    assert.equal(missing.status, 404, missing.text);
    assert.match(String((missing.body as { message: string }).message), /manifest.*img:nope/);
    const bad = await d.api('GET', '/distribution/BusyBox/json');
    assert.equal(bad.status, 400, bad.text);
    assert.match(String((bad.body as { message: string }).message), /BusyBox.*lowercase|lowercase.*BusyBox/);
    assert.equal((await d.docker(['images', '-q', '--no-trunc'])).stdout, before, 'nothing was stored');
  });

  test('a blob cut mid-way is resumed with a Range request within the same pull', async () => {
    const faults: ProxyFaults = { cutBlobs: 1, cutAfter: 700_000, cutDigest: big.layers[0]!.digest };
    const proxy = await startFaultyProxy(reg.host, faults);
    try {
      const r = await d.docker(['pull', `${proxy.host}/big/img:1`]);
      assert.equal(r.code, 0, r.stderr);
      const gets = proxy.seen.filter((s) => s.method === 'GET' && s.path.endsWith(big.layers[0]!.digest));
      assert.equal(gets.length, 2, JSON.stringify(gets));
      assert.equal(gets[0]!.range, undefined);
      assert.match(String(gets[1]!.range), /^bytes=[1-9]\d*-$/);
      assert.ok(gets[1]!.bytes < big.layers[0]!.size, 'the second request fetched only the rest');
    } finally {
      await proxy.stop();
      await d.docker(['rmi', `${proxy.host}/big/img:1`]);
    }
  });

  test('a pull that gives up keeps its bytes: the next pull resumes where it stopped', async () => {
    const faults: ProxyFaults = {
      cutBlobs: 1,
      cutAfter: 1_000_000,
      cutDigest: big.layers[0]!.digest,
      unavailableAfterCut: true,
    };
    const proxy = await startFaultyProxy(reg.host, faults);
    try {
      const failed = await d.docker(['pull', `${proxy.host}/big/img:1`]);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /try later|503/);
      faults.status503 = 0;
      faults.unavailableAfterCut = false;
      const seenBefore = proxy.seen.length;
      const r = await d.docker(['pull', `${proxy.host}/big/img:1`]);
      assert.equal(r.code, 0, r.stderr);
      const resumed = proxy.seen
        .slice(seenBefore)
        .filter((s: SeenRequest) => s.method === 'GET' && s.path.endsWith(big.layers[0]!.digest));
      assert.equal(resumed.length, 1);
      const from = Number(/^bytes=(\d+)-$/.exec(String(resumed[0]!.range))?.[1]);
      assert.ok(from > 0 && from <= 1_000_000, `resumed from ${resumed[0]!.range}`);
      assert.equal(resumed[0]!.bytes, big.layers[0]!.size - from);
    } finally {
      await proxy.stop();
      await d.docker(['rmi', `${proxy.host}/big/img:1`]);
    }
  });

  test('a hostile registry: clear errors, retries where they help, and nothing corrupt is kept', async () => {
    const faults = new Map<string, BlobFault>();
    const tags = { '1': { digest: big.manifest.digest, mediaType: big.manifest.mediaType } };
    const hostile = await startHostileRegistry(layout(), tags, faults);
    const ref = `${hostile.host}/big/img:1`;
    try {
      const layer = big.layers[1]!.digest;
      faults.set(layer, { kind: 'wrong-bytes' });
      const wrong = await d.docker(['pull', ref]);
      assert.equal(wrong.code, 1);
      assert.match(
        wrong.stderr,
        new RegExp(`blob "${layer}" of "127\\.0\\.0\\.1:\\d+/big/img": digest mismatch`),
      );
      faults.set(layer, { kind: 'oversize', extra: 100 });
      const oversize = await d.docker(['pull', ref]);
      assert.equal(oversize.code, 1);
      assert.match(oversize.stderr, /registry sent more than the \d+ bytes the descriptor gives/);
      faults.set(layer, { kind: 'status', status: 500, times: 2 });
      const flaky = await d.docker(['pull', ref]);
      assert.equal(flaky.code, 0, `500s are retried: ${flaky.stderr}`);
      assert.equal((await d.docker(['rmi', ref])).code, 0);
      faults.set(layer, { kind: 'truncate', keep: 4000 });
      const truncated = await d.docker(['pull', ref]);
      assert.equal(truncated.code, 0, `truncated bodies are resumed: ${truncated.stderr}`);
      assert.ok((hostile.gets.get(layer) ?? 0) > 3);
    } finally {
      await hostile.stop();
    }
    const good = await d.docker(['pull', `${reg.host}/big/img:1`]);
    assert.equal(good.code, 0, good.stderr);
    await d.stop();
    const check = await checkRoot(d.root);
    assert.deepEqual(check.corrupt, []);
    assert.deepEqual(check.uncommitted, []);
    assert.deepEqual(check.orphans, []);
    assert.deepEqual(check.leases, [], "failed pulls' leases went with the next good pull of their name");
    await d.start();
  });
});
