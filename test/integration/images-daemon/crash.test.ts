// Crash consistency of a pull (issue 5, "What it must show" 6): berthd is SIGKILLed while a layer is half
// downloaded (a proxy holds that blob after some bytes, so the kill lands mid-blob every time, with no
// timing guess). After the restart the store verifies clean (every blob hashes to its name, no orphan or
// half-made snapshot), a garbage collection keeps what the crashed pull fetched (its lease), and the next
// pull completes with a Range request for the rest of the cut blob, fetching no finished blob again.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { chainIds, openStores } from '../../../src/metadata/index.js';
import { type BuiltImage, randomFile, writeImage } from '../../fixtures/oci-images.js';
import { type TestRegistry, startRegistry } from '../../fixtures/registry.js';
import { skipUnlessRoot } from '../runtime/harness.js';
import { checkRoot, pushLayout, restartableDaemon, type RestartableDaemon } from './fixtures.js';

/** Where the held blob stops, in bytes. */
const HOLD_AT = 1_000_000;

/** A proxy to `upstream` that, while `hold` is set, passes HOLD_AT bytes of that blob's GET and then waits. */
interface HoldingProxy {
  host: string;
  /** The digest to hold (once), or undefined to pass everything. */
  hold: string | undefined;
  /** Resolves when a held GET has passed its HOLD_AT bytes. */
  held: Promise<void>;
  /** Blob GETs seen: digest and Range header. */
  gets: { digest: string; range: string | undefined }[];
  stop(): Promise<void>;
}

async function startHoldingProxy(upstream: string, hold: string): Promise<HoldingProxy> {
  let reached!: () => void;
  const proxy: HoldingProxy = {
    host: '',
    hold,
    held: new Promise((resolve) => (reached = resolve)),
    gets: [],
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const [upHost, upPort] = upstream.split(':');
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const blob = req.method === 'GET' ? /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1] : undefined;
    if (blob !== undefined) proxy.gets.push({ digest: blob, range: req.headers.range });
    const holding = blob !== undefined && blob === proxy.hold;
    if (holding) proxy.hold = undefined;
    const up = http.request(
      {
        host: upHost,
        port: Number(upPort),
        method: req.method,
        path,
        headers: { ...req.headers, host: upstream },
      },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (!holding) return void ur.pipe(res);
        let passed = 0;
        ur.on('data', (chunk: Buffer) => {
          if (passed >= HOLD_AT) return;
          const part = chunk.subarray(0, HOLD_AT - passed);
          passed += part.length;
          res.write(part);
          // Hold the connection open with the rest unsent: the client waits, as for a stalled registry.
          if (passed >= HOLD_AT) {
            ur.pause();
            reached();
          }
        });
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** Bytes in the daemon's ingests (content/ingest/<ref hash>/data). */
function ingestedBytes(root: string): number {
  const dir = join(root, 'content', 'ingest');
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const name of readdirSync(dir)) {
    const data = join(dir, name, 'data');
    if (existsSync(data)) total += statSync(data).size;
  }
  return total;
}

const blobPath = (root: string, digest: string): string =>
  join(root, 'content', 'blobs', 'sha256', digest.slice('sha256:'.length));

/** Polls `check` (every 50 ms, up to a minute: the machine is shared) until it is true. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (check()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a pull through berthd survives a SIGKILL', { skip: skipUnlessRoot }, () => {
  let work: string;
  let reg: TestRegistry;
  let proxy: HoldingProxy;
  let d: RestartableDaemon;
  let image: BuiltImage;
  let ref: string;
  let pulling: Promise<unknown> | undefined;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'berth-imgd-crash-'));
    reg = await startRegistry();
    image = writeImage(join(work, 'layout'), [
      { compression: 'gzip', entries: [randomFile('a/small', 20_000, 11)] },
      { compression: 'gzip', entries: [randomFile('b/big', 3_000_000, 12)] },
      { compression: 'zstd', entries: [randomFile('c/small', 20_000, 13)] },
    ]);
    await pushLayout(`${reg.host}/crash/img:1`, join(work, 'layout'), image.manifest);
    proxy = await startHoldingProxy(reg.host, image.layers[1]!.digest);
    ref = `${proxy.host}/crash/img:1`;
    d = restartableDaemon();
    await d.start();
  });
  after(async () => {
    await d?.remove();
    await pulling?.catch(() => undefined);
    await proxy?.stop();
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('killed mid-blob, the root verifies clean and a collection keeps what the pull fetched', async () => {
    pulling = d.docker(['pull', ref]);
    await proxy.held;
    const small = [image.layers[0]!, image.layers[2]!];
    // The kill must land after the held blob's bytes reached the disk and the other layers were stored.
    await until('the held blob in an ingest and the small layers stored', () => {
      return (
        ingestedBytes(d.root) >= HOLD_AT / 2 && small.every((l) => existsSync(blobPath(d.root, l.digest)))
      );
    });
    await d.kill();
    const cut = await pulling;
    assert.notEqual((cut as { code: number }).code, 0, 'the client saw its daemon go');

    const crashed = await checkRoot(d.root);
    assert.deepEqual(crashed.corrupt, [], 'no blob is visible before it is whole');
    assert.ok(
      crashed.uncommitted.length > 0,
      'the kill left staging snapshots (layers unpacked while fetched)',
    );
    await d.start(); // recover() removes them
    await d.stop();
    const check = await checkRoot(d.root);
    assert.deepEqual(check.corrupt, []);
    assert.deepEqual(check.uncommitted, [], 'no half-made snapshot after the restart');
    assert.deepEqual(check.orphans, []);
    assert.equal(check.leases.length, 1, "the crashed pull's lease stays, protecting what it fetched");

    const opened = await openStores(d.root);
    try {
      // Even an ingest idle for no time at all is kept: the lease holds it.
      await opened.stores.collectGarbage({ ingestMaxAgeMs: 0 });
    } finally {
      await opened.stores.close();
    }
    for (const l of small) assert.ok(existsSync(blobPath(d.root, l.digest)), `${l.digest} kept`);
    assert.ok(ingestedBytes(d.root) >= HOLD_AT / 2, 'the half-downloaded blob kept');
  });

  test('after the restart the pull completes, fetching only the rest of the cut blob', async () => {
    await d.start();
    const seenBefore = proxy.gets.length;
    const r = await d.docker(['pull', ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Status: Downloaded newer image/);
    const again = proxy.gets.slice(seenBefore);
    const big = image.layers[1]!;
    const resumed = again.filter((g) => g.digest === big.digest);
    assert.equal(resumed.length, 1, JSON.stringify(again));
    const from = Number(/^bytes=(\d+)-$/.exec(String(resumed[0]!.range))?.[1]);
    assert.ok(from > 0 && from <= HOLD_AT, `resumed from ${resumed[0]!.range}`);
    for (const l of [image.layers[0]!, image.layers[2]!])
      assert.ok(!again.some((g) => g.digest === l.digest), `${l.digest} was not fetched again`);

    const inspect = await d.docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
    assert.equal(inspect.stdout.trim(), image.config.digest);
    await d.stop();
    const check = await checkRoot(d.root);
    assert.deepEqual(check.corrupt, []);
    assert.deepEqual(check.uncommitted, []);
    assert.deepEqual(check.orphans, []);
    assert.deepEqual(check.leases, [], "the good pull deleted the crashed pull's lease too");
    const ids = chainIds({ rootfs: { diff_ids: image.diffIds } });
    assert.deepEqual([...check.committed].sort(), [...ids].sort());
  });
});
