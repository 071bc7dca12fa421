// Reads a container's statistics from cgroup v1 files, as runc's fs driver does (fs/cpuacct.go, cpu.go,
// cpuset.go, memory.go, pids.go, blkio.go, hugetlb.go), into the types.Stats shape (stats-types.ts).
import { readdirSync } from 'node:fs';
import { readCgroupFile } from './apply.js';
import type { BlkioEntry, CpuSet, MemoryEntry, Stats } from './stats-types.js';

const U64_MAX = 0xffffffffffffffffn;
const NS_PER_SEC = 1_000_000_000n;
/** USER_HZ: the unit of cpuacct.stat (proc(5) "clock ticks"); 100 on every Linux ABI Berth targets. */
const CLOCK_TICKS = 100n;

/** A counter file: "max" is 2^64−1 and a negative value reads as 0 (runc's fscommon.ParseUint). */
export function parseU64(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === 'max') return U64_MAX;
  if (/^-\d+$/.test(s)) return 0n;
  return /^\d+$/.test(s) ? BigInt(s) : undefined;
}

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat) → map. */
export function parseKeyValues(text: string | undefined): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    const n = parseU64(value);
    if (key && n !== undefined) out[key] = n;
  }
  return out;
}

/** A cpuset list (`0-2,5`) → [0, 1, 2, 5]. */
export function parseCpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.push(i);
  }
  return out;
}

const u64 = (dir: string | undefined, file: string): bigint => parseU64(readCgroupFile(dir, file)) ?? 0n;

function cpuStats(stats: Stats, cpuacct: string | undefined, cpu: string | undefined): void {
  const usage = stats.cpu.usage;
  usage.total = u64(cpuacct, 'cpuacct.usage');
  usage.percpu = (readCgroupFile(cpuacct, 'cpuacct.usage_percpu') ?? '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(BigInt);
  // cpuacct.usage_all: a header, then "<cpu> <user ns> <system ns>" per cpu.
  for (const line of (readCgroupFile(cpuacct, 'cpuacct.usage_all') ?? '').split('\n').slice(1)) {
    const [, user, system] = line.trim().split(/\s+/);
    if (user === undefined || system === undefined) continue;
    usage.percpu_user.push(BigInt(user));
    usage.percpu_kernel.push(BigInt(system));
  }
  const ticks = parseKeyValues(readCgroupFile(cpuacct, 'cpuacct.stat'));
  usage.user = ((ticks.user ?? 0n) * NS_PER_SEC) / CLOCK_TICKS;
  usage.kernel = ((ticks.system ?? 0n) * NS_PER_SEC) / CLOCK_TICKS;
  const throttle = parseKeyValues(readCgroupFile(cpu, 'cpu.stat'));
  stats.cpu.throttling = {
    periods: throttle.nr_periods ?? 0n,
    throttledPeriods: throttle.nr_throttled ?? 0n,
    throttledTime: throttle.throttled_time ?? 0n,
  };
}

function cpusetStats(dir: string | undefined): CpuSet {
  const n = (file: string): bigint => u64(dir, `cpuset.${file}`);
  const level = (readCgroupFile(dir, 'cpuset.sched_relax_domain_level') ?? '0').trim();
  return {
    cpus: parseCpuList(readCgroupFile(dir, 'cpuset.cpus')),
    cpu_exclusive: n('cpu_exclusive'),
    mems: parseCpuList(readCgroupFile(dir, 'cpuset.mems')),
    mem_hardwall: n('mem_hardwall'),
    mem_exclusive: n('mem_exclusive'),
    memory_migrate: n('memory_migrate'),
    memory_spread_page: n('memory_spread_page'),
    memory_spread_slab: n('memory_spread_slab'),
    memory_pressure: n('memory_pressure'),
    sched_load_balance: n('sched_load_balance'),
    sched_relax_domain_level: /^-?\d+$/.test(level) ? BigInt(level) : 0n,
  };
}

/** memory.<kind>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}; kind '' is memory itself. */
function memoryEntry(dir: string | undefined, kind: string): MemoryEntry {
  const p = kind ? `memory.${kind}.` : 'memory.';
  return {
    limit: u64(dir, `${p}limit_in_bytes`),
    usage: u64(dir, `${p}usage_in_bytes`),
    max: u64(dir, `${p}max_usage_in_bytes`),
    failcnt: u64(dir, `${p}failcnt`),
  };
}

/** "major:minor Op value" lines; the "Total" line carries no device and is skipped, as runc skips it. */
export function parseBlkio(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!dev) continue;
    // throttle files: "maj:min Op value"; bfq io_service_bytes too; some carry no op ("maj:min value").
    const [op, value] = f.length >= 3 ? [f[1]!, f[2]!] : ['', f[1] ?? '0'];
    out.push({ major: BigInt(dev[1]!), minor: BigInt(dev[2]!), op, value: parseU64(value) ?? 0n });
  }
  return out;
}

/**
 * blkio: the first source that has data, in runc's order — BFQ (Linux 5.0+ without CFQ), then CFQ's
 * recursive files, then the throttling layer's recursive and plain counters (which count every I/O).
 */
function blkioStats(stats: Stats, dir: string | undefined): void {
  const sources: [string, string][] = [
    ['blkio.bfq.io_serviced_recursive', 'blkio.bfq.io_service_bytes_recursive'],
    ['blkio.io_serviced_recursive', 'blkio.io_service_bytes_recursive'],
    ['blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_service_bytes_recursive'],
    ['blkio.throttle.io_serviced', 'blkio.throttle.io_service_bytes'],
  ];
  for (const [serviced, bytes] of sources) {
    const ios = parseBlkio(readCgroupFile(dir, serviced));
    if (ios.length === 0) continue;
    stats.blkio.ioServicedRecursive = ios;
    stats.blkio.ioServiceBytesRecursive = parseBlkio(readCgroupFile(dir, bytes));
    return;
  }
}

/** Huge page sizes of this host as cgroup files name them: hugepages-2048kB → "2MB". */
export function hugePageSizes(): string[] {
  let names: string[];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  return names
    .map((n) => /^hugepages-(\d+)kB$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const kb = Number(m[1]);
      if (kb % (1024 * 1024) === 0) return `${kb / 1024 / 1024}GB`;
      if (kb % 1024 === 0) return `${kb / 1024}MB`;
      return `${kb}KB`;
    });
}

/** Fills `stats` from the v1 hierarchies present; `dir(controller)` is the container's directory there. */
export function v1Stats(stats: Stats, dir: (controller: string) => string | undefined): void {
  if (dir('cpuacct') || dir('cpu')) cpuStats(stats, dir('cpuacct'), dir('cpu'));
  if (dir('cpuset')) stats.cpuset = cpusetStats(dir('cpuset'));
  const mem = dir('memory');
  if (mem) {
    stats.memory.raw = parseKeyValues(readCgroupFile(mem, 'memory.stat'));
    stats.memory.cache = stats.memory.raw.cache ?? 0n;
    stats.memory.usage = memoryEntry(mem, '');
    stats.memory.swap = memoryEntry(mem, 'memsw');
    stats.memory.kernel = memoryEntry(mem, 'kmem');
    stats.memory.kernelTCP = memoryEntry(mem, 'kmem.tcp');
  }
  const pids = dir('pids');
  if (pids) {
    const max = (readCgroupFile(pids, 'pids.max') ?? '').trim();
    stats.pids = { current: u64(pids, 'pids.current'), limit: max === 'max' ? 0n : (parseU64(max) ?? 0n) };
  }
  if (dir('blkio')) blkioStats(stats, dir('blkio'));
  const huge = dir('hugetlb');
  if (huge)
    for (const size of hugePageSizes())
      stats.hugetlb[size] = {
        usage: u64(huge, `hugetlb.${size}.usage_in_bytes`),
        max: u64(huge, `hugetlb.${size}.max_usage_in_bytes`),
        failcnt: u64(huge, `hugetlb.${size}.failcnt`),
      };
}
