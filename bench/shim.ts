// berth-shim vs containerd-shim-runc-v2 (Debian containerd 1.6) vs conmon (Debian podman 4.3):
//   memory  VmRSS and PSS per monitor process with N idle containers (`sleep 1000`) alive at once
//   start   one container running /bin/true from nothing to deleted: berth's fast path (the shim
//           manager in this process, built-in berth-init, no Node process per container) vs `ctr run --rm`
// Peers run privately (test/e2e/engines.ts) with runc. Goals (issue 4): at most 1/5 of
// containerd-shim-runc-v2's PSS, and the fast path faster than `ctr run`. The fast path starts no Node
// process; the shims still get an environment without NODE_EXTRA_CA_CERTS (this machine sets it, users
// don't). PSS is from /proc/<pid>/smaps_rollup: shared pages are divided among the processes mapping them.
//
//   node build/bench/shim.js [containers=50] [iterations=20]
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShimManager } from '../src/daemon/shim-client/index.js';
import { defaultSpec } from '../src/oci/default-spec.js';
import { makeBusyboxRootfs } from '../test/fixtures/busybox.js';
import {
  engineSkipReason,
  importBusybox,
  pidsMatching,
  startContainerd,
  startPodman,
  which,
} from '../test/e2e/engines.js';
import { median, timeAsync as timed } from './peers.js';

const containers = Number(process.argv[2] ?? 50);
const iterations = Number(process.argv[3] ?? 20);
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

interface Memory {
  name: string;
  rss: number[];
  pss: number[];
}

function kb(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
}

function measure(name: string, pids: number[]): Memory {
  const m: Memory = { name, rss: [], pss: [] };
  for (const pid of pids) {
    try {
      m.rss.push(kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS'));
      m.pss.push(kb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss'));
    } catch {
      // exited meanwhile
    }
  }
  return m;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Bundles sharing one busybox rootfs, for the shim manager. */
async function berthBundles(work: string): Promise<(id: string, args: string[]) => string> {
  const rootfs = join(work, 'rootfs');
  await makeBusyboxRootfs(rootfs);
  return (id, args) => {
    const dir = join(work, 'bundles', id);
    mkdirSync(dir, { recursive: true });
    const spec = defaultSpec();
    spec.process!.terminal = false;
    spec.process!.args = args;
    spec.root = { path: rootfs, readonly: true };
    spec.linux!.cgroupsPath = `/berth-bench/${id}`;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
    return dir;
  };
}

async function berth(work: string): Promise<{ memory: Memory; start: number[] }> {
  const bundle = await berthBundles(work);
  const m = new ShimManager({ root: join(work, 'shims'), env });
  const ids: string[] = [];
  try {
    for (let i = 0; i < containers; i++) {
      const id = `idle-${i}`;
      await m.create({ id, bundle: bundle(id, ['/bin/sleep', '1000']), runtime: { kind: 'builtin' } });
      await m.start(id);
      ids.push(id);
    }
    await new Promise((r) => setTimeout(r, 500));
    const pids = await Promise.all(ids.map(async (id) => (await m.state(id)).record.shimPid));
    const memory = measure('berth-shim', pids);
    const start: number[] = [];
    for (let i = 0; i < iterations + 2; i++) {
      const id = `true-${i}`;
      const b = bundle(id, ['/bin/true']);
      const ms = await timed(async () => {
        await m.create({ id, bundle: b, runtime: { kind: 'builtin' } });
        await m.start(id);
        await m.wait(id);
        await m.delete(id);
      });
      if (i >= 2) start.push(ms);
    }
    return { memory, start };
  } finally {
    for (const id of m.list()) await m.delete(id, { force: true }).catch(() => undefined);
  }
}

async function containerd(): Promise<{ memory: Memory; start: number[] } | string> {
  const skip = engineSkipReason('containerd');
  if (skip) return skip;
  const ctd = await startContainerd({ runtime: which('runc') ?? '/usr/sbin/runc' });
  try {
    const ref = await importBusybox(ctd);
    for (let i = 0; i < containers; i++) {
      const r = await ctd.ctr(['run', '-d', ...ctd.runtimeArgs, ref, `idle-${i}`, 'sleep', '1000']);
      if (r.code !== 0) throw new Error(`ctr run -d: ${r.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    const shims = pidsMatching(`-address ${ctd.socket} `).filter((p) =>
      comm(p).startsWith('containerd-shim'),
    );
    const memory = measure('containerd-shim-runc-v2', shims);
    const start: number[] = [];
    for (let i = 0; i < iterations + 2; i++) {
      const ms = await timed(() => ctd.ctr(['run', '--rm', ...ctd.runtimeArgs, ref, `true-${i}`, 'true']));
      if (i >= 2) start.push(ms);
    }
    return { memory, start };
  } finally {
    await ctd.stop();
  }
}

async function podman(): Promise<Memory | string> {
  const skip = engineSkipReason('podman');
  if (skip) return skip;
  const p = await startPodman({ runtime: which('runc') ?? '/usr/sbin/runc' });
  try {
    const ref = await importBusybox(p);
    for (let i = 0; i < containers; i++) {
      const r = await p.podman(['run', '-d', '--name', `idle-${i}`, ref, 'sleep', '1000']);
      if (r.code !== 0) throw new Error(`podman run -d: ${r.stderr}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    return measure(
      'conmon',
      pidsMatching(p.dir).filter((pid) => comm(pid) === 'conmon'),
    );
  } finally {
    await p.cleanup();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bshim-bench-'));
  try {
    const ours = await berth(work);
    const ctd = await containerd();
    const conmon = await podman();
    const mems = [
      ours.memory,
      typeof ctd === 'string' ? undefined : ctd.memory,
      typeof conmon === 'string' ? undefined : conmon,
    ];
    if (typeof ctd === 'string') console.log(`containerd skipped: ${ctd}`);
    if (typeof conmon === 'string') console.log(`podman skipped: ${conmon}`);
    const base = typeof ctd === 'string' ? undefined : median(ctd.memory.pss);
    console.log(`\nmemory per monitor, ${containers} idle containers (median kB)`);
    console.log('monitor                    processes   VmRSS      PSS   PSS ratio to containerd-shim');
    for (const m of mems) {
      if (!m) continue;
      const pss = median(m.pss);
      console.log(
        `${m.name.padEnd(26)} ${String(m.pss.length).padStart(9)} ${median(m.rss).toFixed(0).padStart(7)} ${pss.toFixed(0).padStart(8)}   ${base ? (pss / base).toFixed(2) + 'x' : '-'}`,
      );
    }
    console.log(`\nstart to finish of /bin/true (median of ${iterations}, ms)`);
    const fast = median(ours.start);
    console.log(`berth fast path (create, start, wait, delete)   ${fast.toFixed(1).padStart(7)}`);
    if (typeof ctd !== 'string') {
      const c = median(ctd.start);
      console.log(
        `ctr run --rm (containerd, runc)                 ${c.toFixed(1).padStart(7)}   ratio ${(fast / c).toFixed(2)}x`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    for (const h of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(join('/sys/fs/cgroup', h, 'berth-bench'));
      } catch {
        // absent, or not ours to remove
      }
    }
  }
}

await main();
