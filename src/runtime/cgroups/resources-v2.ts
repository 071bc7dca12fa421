// linux.resources → cgroup v2 file writes (Documentation/admin-guide/cgroup-v2.rst), converting v1
// values the way runc's fs2 driver does (libcontainer/cgroups/fs2, cgroups/utils.go). Device rules are
// a BPF program (device-bpf.ts), not a file. Pure: the cgroup's current files come through `read`.
import { BerthError, invalid } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';
import { rdmaLines, type CgroupWrite } from './resources-v1.js';

/** Reads a file of the container's cgroup2 directory; undefined when it does not exist. */
export type V2Read = (file: string) => string | undefined;

/** cpu shares (v1, 2..262144) → cpu.weight (v2, 1..10000): runc 1.1's linear map, integer arithmetic. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio weight (v1, 10..1000) → io.weight (v2, 1..10000), as runc's ConvertBlkIOToIOWeightValue. */
export function blkioToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * v1's memory+swap limit → memory.swap.max, which counts swap alone (runc's
 * ConvertMemorySwapToCgroupV2Value): -1 stays "max"; 0 leaves it; otherwise swap − limit.
 */
export function swapToV2(swap: number, limit: number): number {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === 0 || limit === -1)
    throw invalid('linux.resources.memory.swap', 'cannot limit swap without a memory limit');
  if (swap < limit)
    throw invalid(
      'linux.resources.memory.swap',
      `memory+swap limit ${swap} is below the memory limit ${limit}`,
    );
  return swap - limit;
}

/** -1 → "max" (v1's way of lifting a limit), 0 → nothing to write, else the number. */
const limitValue = (n: number | undefined): string | undefined =>
  n === undefined || n === 0 ? undefined : n === -1 ? 'max' : String(n);

/** The controller a cgroup2 file belongs to: its name up to the first dot (`memory.max` → memory). */
export function controllerOf(file: string): string {
  return file.slice(0, file.indexOf('.'));
}

function memoryWrites(res: Resources, read: V2Read, put: (file: string, value: string) => void): void {
  const mem = res.memory;
  if (!mem) return;
  const limit = mem.limit ?? 0;
  const swap = mem.swap ?? 0;
  // config-linux.md "Memory", checkBeforeUpdate: v2 would OOM-kill instead of refusing, as v1 does.
  if (mem.checkBeforeUpdate && (limit > 0 || swap > 0)) {
    const usage = Number(read('memory.current') ?? '0');
    if (limit > 0 && usage >= limit)
      throw new BerthError('FailedPrecondition', `rejecting memory limit ${limit} below usage ${usage}`);
    const swapUsage = read('memory.swap.current');
    if (swap > 0 && swapUsage !== undefined && usage + Number(swapUsage) >= swap)
      throw new BerthError(
        'FailedPrecondition',
        `rejecting memory+swap limit ${swap} below usage ${usage + Number(swapUsage)}`,
      );
  }
  const v2swap = swapToV2(swap, limit);
  // Equal memory and memory+swap means "no swap": write 0, never an empty string.
  const swapValue = v2swap === 0 && swap > 0 ? '0' : limitValue(v2swap);
  if (swapValue !== undefined) put('memory.swap.max', swapValue);
  const max = limitValue(limit);
  if (max !== undefined) put('memory.max', max);
  const low = limitValue(mem.reservation);
  if (low !== undefined) put('memory.low', low);
  // swappiness, disableOOMKiller, kernel and kernelTCP have no cgroup2 file; runc ignores them there too.
}

function cpuWrites(res: Resources, put: (file: string, value: string) => void): void {
  const cpu = res.cpu;
  if (!cpu) return;
  if (cpu.realtimePeriod || cpu.realtimeRuntime)
    throw invalid('linux.resources.cpu', 'realtime settings need cgroup v1 (cgroup2 has no cpu.rt_* files)');
  if (cpu.idle !== undefined) put('cpu.idle', String(cpu.idle));
  if (cpu.shares) put('cpu.weight', String(sharesToWeight(cpu.shares)));
  if (cpu.burst !== undefined) put('cpu.max.burst', String(cpu.burst));
  if (cpu.quota || cpu.period) {
    // "$MAX $PERIOD"; without a period the kernel keeps the one it has.
    const quota = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : 'max';
    put('cpu.max', cpu.period ? `${quota} ${cpu.period}` : quota);
  }
  if (cpu.cpus) put('cpuset.cpus', cpu.cpus);
  if (cpu.mems) put('cpuset.mems', cpu.mems);
}

/** io: BFQ's io.bfq.weight (1..1000, the blkio scale) where it exists, else io.weight converted. */
function ioWrites(res: Resources, read: V2Read, put: (file: string, value: string) => void): void {
  const b = res.blockIO;
  if (!b) return;
  const bfq = read('io.bfq.weight') !== undefined;
  if (b.weight) put(bfq ? 'io.bfq.weight' : 'io.weight', String(bfq ? b.weight : blkioToIoWeight(b.weight)));
  for (const d of b.weightDevice ?? []) {
    if (!d.weight) continue;
    if (!bfq)
      throw invalid(
        'linux.resources.blockIO.weightDevice',
        'per-device weights need the BFQ scheduler on cgroup v2',
      );
    put('io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`);
  }
  const throttles = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ] as const;
  for (const [key, name] of throttles)
    for (const d of b[key] ?? []) put('io.max', `${d.major}:${d.minor} ${name}=${d.rate}`);
}

/** The cgroup2 writes for `res` in runc's order (pids, memory, io, cpu, cpuset, hugetlb, rdma), then `unified`. */
export function v2Writes(res: Resources | undefined, read: V2Read): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (!res) return out;
  const put = (file: string, value: string): void => {
    out.push({ controller: controllerOf(file), file, value });
  };
  if (res.pids) put('pids.max', res.pids.limit < 0 ? 'max' : String(res.pids.limit));
  memoryWrites(res, read, put);
  ioWrites(res, read, put);
  const cpu: CgroupWrite[] = [];
  cpuWrites(res, (file, value) => cpu.push({ controller: controllerOf(file), file, value }));
  out.push(...cpu.filter((w) => w.controller === 'cpu'), ...cpu.filter((w) => w.controller === 'cpuset'));
  (res.hugepageLimits ?? []).forEach((h) => {
    put(`hugetlb.${h.pageSize}.max`, String(h.limit));
    if (read(`hugetlb.${h.pageSize}.rsvd.max`) !== undefined)
      put(`hugetlb.${h.pageSize}.rsvd.max`, String(h.limit));
  });
  for (const line of rdmaLines(res)) put('rdma.max', line);
  if (res.network?.classID !== undefined || res.network?.priorities?.length)
    throw invalid(
      'linux.resources.network',
      'net_cls and net_prio are cgroup v1 controllers, not mounted here',
    );
  // config-linux.md "Unified": written as given, after the rest, so they have the last word.
  for (const [file, value] of Object.entries(res.unified ?? {})) put(file, value);
  return out;
}
