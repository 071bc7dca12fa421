// Exec latency: `<rt> exec <id> /bin/true` into a running busybox container (sleeping), attached, so each
// sample covers joining the namespaces and cgroups, running the program and collecting its status; and
// `exec -d` (returns once the process is started, as containerd and podman call it). berth-runtime vs
// runc vs crun, each into its own container; prints medians and the ratio to runc. The runtimes take turns
// within each iteration, so drift in the machine's load hits all alike.
//
//   node build/bench/exec.js [iterations=40]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSpec } from '../src/oci/default-spec.js';
import { makeBusyboxRootfs } from '../test/fixtures/busybox.js';
import {
  median,
  mountMissingV1Hierarchies,
  ratio,
  runtimes as allRuntimes,
  timed,
  type Runtime,
} from './peers.js';

const iterations = Number(process.argv[2] ?? 40);
const WARMUP = 3;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-exec-'));
  const runtimes = allRuntimes(work);
  const started: Runtime[] = [];
  const id = (rt: Runtime): string => `bench-exec-${rt.name}-${process.pid}`;
  try {
    const bundle = join(work, 'bundle');
    await makeBusyboxRootfs(join(bundle, 'rootfs'));
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.process!.args = ['/bin/sleep', '3600'];
    // Debian's crun 1.8 refuses ociVersion 1.2.0 ("unknown version specified"); 1.0.2 is what runc 1.1 writes.
    spec.ociVersion = '1.0.2';
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    mountMissingV1Hierarchies();

    for (const rt of runtimes) {
      timed(rt.bin, ['--root', rt.root, 'run', '-d', '--bundle', bundle, id(rt)]);
      started.push(rt);
    }
    const samples = new Map(
      runtimes.map((rt) => [rt.name, { attached: [] as number[], detached: [] as number[] }]),
    );
    for (let i = 0; i < iterations + WARMUP; i++) {
      for (const rt of runtimes) {
        const g = ['--root', rt.root, 'exec'];
        const attached = timed(rt.bin, [...g, id(rt), '/bin/true']);
        const detached = timed(rt.bin, [...g, '-d', id(rt), '/bin/true']);
        if (i < WARMUP) continue;
        samples.get(rt.name)!.attached.push(attached);
        samples.get(rt.name)!.detached.push(detached);
      }
    }

    const results = new Map(
      [...samples].map(([n, s]) => [n, { attached: median(s.attached), detached: median(s.detached) }]),
    );
    const base = results.get('runc');
    console.log(
      `\nmedians of ${iterations} iterations (ms): exec /bin/true into a running busybox container`,
    );
    console.log('runtime          exec     ratio    exec -d   ratio');
    for (const [name, r] of results)
      console.log(
        `${name.padEnd(15)} ${r.attached.toFixed(1).padStart(6)}   ${ratio(r.attached, base?.attached).padStart(6)}   ${r.detached.toFixed(1).padStart(6)}   ${ratio(r.detached, base?.detached).padStart(6)}`,
      );
    console.log('(berth-runtime pays one Node start per command: see bench/runtime.ts for that floor)');
  } finally {
    for (const rt of started) {
      try {
        timed(rt.bin, ['--root', rt.root, 'delete', '--force', id(rt)]);
      } catch (err) {
        console.log(`${rt.name}: delete ${id(rt)}: ${(err as Error).message}`);
      }
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
