// The statistics `events` reports, in runc's types.Stats shape (runc/types/events.go) and with Go's
// encoding/json rules, because containerd and other callers decode it with those Go types:
//   - fields print in declaration order; `omitempty` numbers are left out when 0, `omitempty` slices and
//     maps when empty; struct fields are never left out (Go's omitempty ignores structs);
//   - uint64 counters can exceed 2^53 (memory.limit_in_bytes is 2^63 − 4096 by default, "max" reads as
//     2^64 − 1), so every counter is a bigint and is printed digit for digit.
// An Event is one JSON line: {"type":"stats"|"oom","id":"<id>","data":{...}} (data omitted for oom).

/** A u64 counter. */
export type U64 = bigint;

/** memory.* usage, max usage, failcnt and limit of one memory kind. */
export interface MemoryEntry {
  limit: U64;
  usage: U64;
  max: U64;
  failcnt: U64;
}

/** One line of a blkio stat file: device, operation and value. */
export interface BlkioEntry {
  major: U64;
  minor: U64;
  op: string;
  value: U64;
}

/** The blkio entry lists, each in runc's JSON name order. */
export interface Blkio {
  ioServiceBytesRecursive: BlkioEntry[];
  ioServicedRecursive: BlkioEntry[];
  ioQueueRecursive: BlkioEntry[];
  ioServiceTimeRecursive: BlkioEntry[];
  ioWaitTimeRecursive: BlkioEntry[];
  ioMergedRecursive: BlkioEntry[];
  ioTimeRecursive: BlkioEntry[];
  sectorsRecursive: BlkioEntry[];
}

/** cpuset state (v1): the cpu and memory node lists and the flag files. */
export interface CpuSet {
  cpus: number[];
  cpu_exclusive: U64;
  mems: number[];
  mem_hardwall: U64;
  mem_exclusive: U64;
  memory_migrate: U64;
  memory_spread_page: U64;
  memory_spread_slab: U64;
  memory_pressure: U64;
  sched_load_balance: U64;
  sched_relax_domain_level: bigint;
}

/** Everything `events --stats` reports for one container. */
export interface Stats {
  cpu: {
    usage: { total: U64; percpu: U64[]; percpu_kernel: U64[]; percpu_user: U64[]; kernel: U64; user: U64 };
    throttling: { periods: U64; throttledPeriods: U64; throttledTime: U64 };
  };
  cpuset: CpuSet;
  memory: {
    cache: U64;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, U64>;
  };
  pids: { current: U64; limit: U64 };
  blkio: Blkio;
  hugetlb: Record<string, { usage: U64; max: U64; failcnt: U64 }>;
}

/** Empty stats: what a controller that is not there contributes. */
export function emptyStats(): Stats {
  const entry = (): MemoryEntry => ({ limit: 0n, usage: 0n, max: 0n, failcnt: 0n });
  return {
    cpu: {
      usage: { total: 0n, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0n, user: 0n },
      throttling: { periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    },
    cpuset: {
      cpus: [],
      cpu_exclusive: 0n,
      mems: [],
      mem_hardwall: 0n,
      mem_exclusive: 0n,
      memory_migrate: 0n,
      memory_spread_page: 0n,
      memory_spread_slab: 0n,
      memory_pressure: 0n,
      sched_load_balance: 0n,
      sched_relax_domain_level: 0n,
    },
    memory: { cache: 0n, usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry(), raw: {} },
    pids: { current: 0n, limit: 0n },
    blkio: {
      ioServiceBytesRecursive: [],
      ioServicedRecursive: [],
      ioQueueRecursive: [],
      ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [],
      ioMergedRecursive: [],
      ioTimeRecursive: [],
      sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

/**
 * Field names that runc's types mark `omitempty` (dropped when 0 or empty). Everything else prints
 * always. Keyed by "<parent>.<field>" where the bare name would be ambiguous.
 */
const OMITEMPTY = new Set([
  'usage.total',
  'usage.percpu',
  'usage.percpu_kernel',
  'usage.percpu_user',
  'throttling.periods',
  'throttling.throttledPeriods',
  'throttling.throttledTime',
  'cpuset.cpus',
  'cpuset.mems',
  'memory.cache',
  'memory.raw',
  'entry.usage',
  'entry.max',
  'pids.current',
  'pids.limit',
  'blkio.*',
  'blkioEntry.*',
  'hugetlb.usage',
  'hugetlb.max',
]);

const isEmpty = (v: unknown): boolean =>
  v === 0n ||
  v === 0 ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/** Encodes `v` as Go's encoding/json would (compact; bigints as digits). `kind` names the Go type. */
function encode(v: unknown, kind: string): string {
  if (typeof v === 'bigint' || typeof v === 'number') return v.toString();
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
  if (Array.isArray(v))
    return `[${v.map((x) => encode(x, kind === 'blkio' ? 'blkioEntry' : kind)).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const parts: string[] = [];
  // Go prints a struct's fields in declaration order but sorts a map's keys.
  const entries = Object.entries(obj);
  if (MAPS.has(kind)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, value] of entries) {
    if (value === undefined) continue;
    const omit = OMITEMPTY.has(`${kind}.${key}`) || OMITEMPTY.has(`${kind}.*`);
    if (omit && isEmpty(value)) continue;
    parts.push(`${JSON.stringify(key)}:${encode(value, childKind(kind, key))}`);
  }
  return `{${parts.join(',')}}`;
}

/** Kinds that are Go maps (map[string]...), whose keys print sorted. */
const MAPS = new Set(['hugetlbMap', 'raw']);

/** The Go type a field's value has, for OMITEMPTY lookups. */
function childKind(kind: string, key: string): string {
  if (kind === 'memory' && key !== 'raw' && key !== 'cache') return 'entry';
  if (kind === 'stats' && key === 'hugetlb') return 'hugetlbMap';
  if (kind === 'hugetlbMap') return 'hugetlb'; // the map's values: Hugetlb structs
  if (kind === 'blkio') return 'blkio';
  return key;
}

/** One `events` line: `{"type":"stats","id":...,"data":{...}}\n` or `{"type":"oom","id":...}\n`. */
export function eventLine(type: 'stats' | 'oom', id: string, stats?: Stats): string {
  const head = `{"type":${JSON.stringify(type)},"id":${JSON.stringify(id)}`;
  if (!stats) return `${head}}\n`;
  const data = encode({ ...stats, intel_rdt: {}, network_interfaces: null }, 'stats');
  return `${head},"data":${data}}\n`;
}
