// Berth's stores vs containerd's, side by side on the same machine:
//   ingest     write one blob of --size MiB with its expected digest and commit it
//                berth:      Stores.content("moby") writer in this process (what berthd does)
//                containerd: `ctr content ingest --expected-digest` into a private containerd
//   snapshot   prepare an active snapshot on a committed parent, then commit it
//                berth:      the overlay snapshotter through Stores, in this process
//                containerd: `ctr snapshots prepare` + `ctr snapshots commit` (overlayfs snapshotter)
// ctr pays a process start and a gRPC round trip per command: that is what a containerd client pays, and
// berthd pays neither. Prints medians and berth/containerd ratios. Needs root (overlay, containerd).
//
//   node build/bench/stores.js [iterations=10] [sizeMiB=16]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf, writeBlob } from '../src/content/index.js';
import { DOCKER_NAMESPACE, Stores } from '../src/metadata/index.js';
import { OverlaySnapshotter } from '../src/snapshots/index.js';
import { engineSkipReason, startContainerd, type Containerd } from '../test/e2e/engines.js';
import { median, timeAsync as time } from './peers.js';

const iterations = Number(process.argv[2] ?? 10);
const sizeMiB = Number(process.argv[3] ?? 16);

function ctrSync(ctd: Containerd, args: string[], input?: string): void {
  const r = spawnSync(
    'ctr',
    ['--address', ctd.socket, '-n', ctd.namespace, ...args],
    input === undefined ? {} : { input: Buffer.from(input, 'binary') },
  );
  if (r.status !== 0) throw new Error(`ctr ${args.join(' ')}: exit ${r.status}: ${r.stderr?.toString()}`);
}

function ctrIngest(ctd: Containerd, ref: string, file: string, digest: string, size: number): void {
  // A shell redirect, so ctr reads the file as its stdin the way `ctr content ingest < layer.tar` does.
  const cmd = `ctr --address '${ctd.socket}' -n '${ctd.namespace}' content ingest --expected-digest ${digest} --expected-size ${size} '${ref}' < '${file}'`;
  const r = spawnSync('sh', ['-c', cmd]);
  if (r.status !== 0) throw new Error(`ctr content ingest: exit ${r.status}: ${r.stderr.toString()}`);
}

function row(name: string, berth: number, containerd: number, unit = 'ms'): string {
  return `| ${name} | ${berth.toFixed(1)} ${unit} | ${containerd.toFixed(1)} ${unit} | ${(berth / containerd).toFixed(2)}x |`;
}

async function main(): Promise<void> {
  const skip = engineSkipReason('containerd');
  if (skip) throw new Error(`bench/stores: ${skip}`);
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-stores-'));
  const ctd = await startContainerd({ runtime: 'runc' });
  const stores = new Stores(join(work, 'berth'), {
    snapshotters: { overlay: await OverlaySnapshotter.open(join(work, 'berth', 'snapshots', 'overlay')) },
  });
  try {
    const ingest = { berth: [] as number[], containerd: [] as number[] };
    const snapshot = { berth: [] as number[], containerd: [] as number[] };
    const content = stores.content(DOCKER_NAMESPACE);
    const sn = stores.snapshotter(DOCKER_NAMESPACE, 'overlay');
    await sn.prepare('base-key');
    await sn.commit('base', 'base-key');
    ctrSync(ctd, ['snapshots', 'prepare', 'base-key']);
    ctrSync(ctd, ['snapshots', 'commit', 'base', 'base-key']);
    for (let i = 0; i < iterations; i++) {
      const data = randomBytes(sizeMiB * 1024 * 1024);
      const digest = digestOf(data);
      const file = join(work, `blob-${i}`);
      writeFileSync(file, data);
      // Take turns, so that a noisy neighbour slows both alike.
      ingest.berth.push(
        await time(() => writeBlob(content, `bench-${i}`, data, { digest, size: data.length })),
      );
      ingest.containerd.push(await time(() => ctrIngest(ctd, `bench-${i}`, file, digest, data.length)));
      rmSync(file);
      snapshot.berth.push(
        await time(async () => {
          await sn.prepare(`k${i}`, 'base');
          await sn.commit(`c${i}`, `k${i}`);
        }),
      );
      snapshot.containerd.push(
        await time(() => {
          ctrSync(ctd, ['snapshots', 'prepare', `k${i}`, 'base']);
          ctrSync(ctd, ['snapshots', 'commit', `c${i}`, `k${i}`]);
        }),
      );
    }
    const mbps = (ms: number): number => (sizeMiB / ms) * 1000;
    console.log(`stores bench: ${iterations} iterations, ${sizeMiB} MiB blobs (medians)\n`);
    console.log('| operation | berth | containerd (ctr) | ratio |\n|---|---|---|---|');
    console.log(row(`ingest + commit ${sizeMiB} MiB`, median(ingest.berth), median(ingest.containerd)));
    console.log(
      row('ingest throughput', mbps(median(ingest.berth)), mbps(median(ingest.containerd)), 'MiB/s'),
    );
    console.log(row('snapshot prepare + commit', median(snapshot.berth), median(snapshot.containerd)));
  } finally {
    await stores.close();
    await ctd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
