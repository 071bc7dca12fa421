// berth-runtime vs runc vs crun on the same busybox bundle running /bin/true:
//   run            `<rt> run --bundle B id` (create + start + wait + delete in one command)
//   create/start/delete  the three commands an engine issues, back to back
// Prints each runtime's median wall time and its ratio to runc, and an empty Node start for reference.
// Node processes are started without NODE_EXTRA_CA_CERTS (this machine sets it; users don't, and it adds
// ~75 ms to every Node start). The runtimes take turns within each iteration.
//
//   node build/bench/runtime.js [iterations=40]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/base/package-root.js';
import { defaultSpec } from '../src/oci/default-spec.js';
import { makeBusyboxRootfs } from '../test/fixtures/busybox.js';
import { mountMissingV1Hierarchies } from '../test/fixtures/crun.js';

const iterations = Number(process.argv[2] ?? 40);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

interface Runtime {
  name: string;
  bin: string;
  root: string;
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function timed(bin: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  // No pipes: a created container inherits stdio and would hold a pipe open until it exits.
  const r = spawnSync(bin, args, { env, stdio: 'ignore' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${r.status}`);
  return ms;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  try {
    const bundle = join(work, 'bundle');
    await makeBusyboxRootfs(join(bundle, 'rootfs'));
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.process!.args = ['/bin/true'];
    // Debian's crun 1.8 refuses ociVersion 1.2.0 ("unknown version specified"); 1.0.2 is what runc 1.1 writes.
    spec.ociVersion = '1.0.2';
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    mountMissingV1Hierarchies();

    const runtimes: Runtime[] = [
      {
        name: 'berth-runtime',
        bin: join(packageRoot(), 'dist', 'berth-runtime'),
        root: join(work, 'berth'),
      },
    ];
    for (const name of ['runc', 'crun']) {
      const bin = which(name);
      if (bin) runtimes.push({ name, bin, root: join(work, name) });
      else console.log(`${name}: not installed, skipped`);
    }

    // Round-robin: each iteration times every runtime once, so drift in the machine's load hits all alike.
    const samples = new Map(runtimes.map((rt) => [rt.name, { run: [] as number[], cycle: [] as number[] }]));
    // The floor under any Node command: an empty Node start, timed in the same rounds.
    const nodeStart: number[] = [];
    for (let i = 0; i < iterations + 3; i++) {
      const empty = timed(process.execPath, ['-e', '0']);
      if (i >= 3) nodeStart.push(empty);
      for (const rt of runtimes) {
        const g = ['--root', rt.root];
        const id = `bench-${rt.name}-${i}`;
        const run = timed(rt.bin, [...g, 'run', '--bundle', bundle, id]);
        const started =
          timed(rt.bin, [...g, 'create', '--bundle', bundle, `${id}-c`]) +
          timed(rt.bin, [...g, 'start', `${id}-c`]);
        // /bin/true exits at once; delete waits for nothing but the state to read "stopped".
        for (let t = 0; t < 100 && !stopped(rt, g, `${id}-c`); t++)
          await new Promise((r) => setTimeout(r, 2));
        const cycle = started + timed(rt.bin, [...g, 'delete', `${id}-c`]);
        if (i < 3) continue; // warm-up
        samples.get(rt.name)!.run.push(run);
        samples.get(rt.name)!.cycle.push(cycle);
      }
    }
    const results: Record<string, { run: number; cycle: number }> = {};
    for (const [name, s] of samples) results[name] = { run: median(s.run), cycle: median(s.cycle) };

    const base = results.runc;
    console.log(`\nmedians of ${iterations} iterations (ms), busybox bundle running /bin/true`);
    console.log('runtime          run      ratio    create+start+delete   ratio');
    for (const [name, r] of Object.entries(results)) {
      const ratio = (x: number, y: number | undefined): string => (y ? (x / y).toFixed(2) + 'x' : '-');
      console.log(
        `${name.padEnd(15)} ${r.run.toFixed(1).padStart(6)}   ${ratio(r.run, base?.run).padStart(6)}    ${r.cycle.toFixed(1).padStart(10)}          ${ratio(r.cycle, base?.cycle).padStart(6)}`,
      );
    }
    console.log(
      `(an empty Node start, node -e 0: ${median(nodeStart).toFixed(1)} ms, paid once per berth-runtime command)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function stopped(rt: Runtime, g: string[], id: string): boolean {
  try {
    const out = execFileSync(rt.bin, [...g, 'state', id], { env, encoding: 'utf8' });
    return (JSON.parse(out) as { status: string }).status === 'stopped';
  } catch {
    return true;
  }
}

await main();
