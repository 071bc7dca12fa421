// Reads a container's statistics from cgroup v2 files, as runc's fs2 driver does (fs2/cpu.go, memory.go,
// pids.go, io.go, hugetlb.go), converting to the v1-shaped types.Stats that callers decode.
import { readCgroupFile } from './apply.js';
import type { BlkioEntry, MemoryEntry, Stats } from './stats-types.js';
import { hugePageSizes, parseKeyValues, parseU64 } from './stats-v1.js';

const U64_MAX = 0xffffffffffffffffn;

const u64 = (dir: string, file: string): bigint => parseU64(readCgroupFile(dir, file)) ?? 0n;

function cpuStats(stats: Stats, dir: string): void {
  // cpu.stat is there even without the cpu controller (core accounting); µs → ns.
  const s = parseKeyValues(readCgroupFile(dir, 'cpu.stat'));
  stats.cpu.usage.total = (s.usage_usec ?? 0n) * 1000n;
  stats.cpu.usage.user = (s.user_usec ?? 0n) * 1000n;
  stats.cpu.usage.kernel = (s.system_usec ?? 0n) * 1000n;
  stats.cpu.throttling = {
    periods: s.nr_periods ?? 0n,
    throttledPeriods: s.nr_throttled ?? 0n,
    throttledTime: (s.throttled_usec ?? 0n) * 1000n,
  };
}

/** memory[.swap].{current,max,peak}; v2 has no failcnt file (memory.events counts "max" instead). */
function memoryEntry(dir: string, kind: string): MemoryEntry {
  const p = kind ? `memory.${kind}.` : 'memory.';
  return {
    limit: u64(dir, `${p}max`),
    usage: u64(dir, `${p}current`),
    max: u64(dir, `${p}peak`),
    failcnt: 0n,
  };
}

function memoryStats(stats: Stats, dir: string): void {
  stats.memory.raw = parseKeyValues(readCgroupFile(dir, 'memory.stat'));
  stats.memory.cache = stats.memory.raw.file ?? 0n;
  const usage = memoryEntry(dir, '');
  usage.failcnt = parseKeyValues(readCgroupFile(dir, 'memory.events')).max ?? 0n;
  stats.memory.usage = usage;
  if (readCgroupFile(dir, 'memory.swap.current') === undefined) return;
  // v1 reports swap as memory+swap: add memory in, for callers written against v1 (runc does the same).
  const swap = memoryEntry(dir, 'swap');
  swap.usage += usage.usage;
  if (swap.limit !== U64_MAX && usage.limit !== U64_MAX) swap.limit += usage.limit;
  else swap.limit = U64_MAX;
  stats.memory.swap = swap;
}

/** io.stat: "maj:min rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.." per device. */
function ioStats(stats: Stats, dir: string): void {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  const ops: Record<string, [BlkioEntry[], string]> = {
    rbytes: [bytes, 'Read'],
    wbytes: [bytes, 'Write'],
    dbytes: [bytes, 'Discard'],
    rios: [ios, 'Read'],
    wios: [ios, 'Write'],
    dios: [ios, 'Discard'],
  };
  for (const line of (readCgroupFile(dir, 'io.stat') ?? '').split('\n')) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    for (const kv of kvs) {
      const [key, value] = kv.split('=');
      const target = ops[key ?? ''];
      if (target)
        target[0].push({
          major: BigInt(m[1]!),
          minor: BigInt(m[2]!),
          op: target[1],
          value: parseU64(value) ?? 0n,
        });
    }
  }
  stats.blkio.ioServiceBytesRecursive = bytes;
  stats.blkio.ioServicedRecursive = ios;
}

function pidsStats(stats: Stats, dir: string): void {
  if (readCgroupFile(dir, 'pids.current') === undefined) {
    // Without the pids controller, count the cgroup's processes (runc's statPidsFromCgroupProcs).
    const procs = (readCgroupFile(dir, 'cgroup.procs') ?? '').split('\n').filter(Boolean);
    stats.pids = { current: BigInt(procs.length), limit: 0n };
    return;
  }
  const max = (readCgroupFile(dir, 'pids.max') ?? '').trim();
  stats.pids = { current: u64(dir, 'pids.current'), limit: max === 'max' ? 0n : (parseU64(max) ?? 0n) };
}

/** Fills the parts of `stats` named in `which` (cpu, memory, io, pids, hugetlb) from the cgroup2 directory. */
export function v2Stats(stats: Stats, dir: string, which: ReadonlySet<string>): void {
  if (which.has('cpu')) cpuStats(stats, dir);
  if (which.has('memory') && readCgroupFile(dir, 'memory.current') !== undefined) memoryStats(stats, dir);
  if (which.has('io')) ioStats(stats, dir);
  if (which.has('pids')) pidsStats(stats, dir);
  if (which.has('hugetlb'))
    for (const size of hugePageSizes()) {
      if (readCgroupFile(dir, `hugetlb.${size}.current`) === undefined) continue;
      stats.hugetlb[size] = {
        usage: u64(dir, `hugetlb.${size}.current`),
        max: 0n,
        failcnt: parseKeyValues(readCgroupFile(dir, `hugetlb.${size}.events`)).max ?? 0n,
      };
    }
}
