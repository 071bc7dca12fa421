// CRI statistics from the cgroups (runtime/cgroups containerStats): CPU time and its rate (usage_nano_cores,
// from the previous sample of the same cgroup, as cAdvisor and containerd compute it), memory usage and
// working set (usage less inactive file pages: what kubelet's eviction looks at), the writable layer's
// usage from the snapshotter, and for pods the sum over their containers with the holder's cgroup.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerStats, hostLayout, resolveCgroupPaths, type Stats } from '../../runtime/index.js';
import { nanosNow } from './record.js';

/** The previous CPU sample of each cgroup set, keyed by container or pod id. */
const previous = new Map<string, { ns: bigint; total: bigint }>();

const u64 = (v: bigint | number): { value: string } => ({ value: String(v) });

/** The cgroups of a container or holder from its shim record, else from its bundle's cgroupsPath. */
export function cgroupPathsFor(
  id: string,
  bundle: string,
  recorded?: Record<string, string>,
): Record<string, string> {
  if (recorded) return recorded;
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as {
    linux?: { cgroupsPath?: string };
  };
  return resolveCgroupPaths(spec.linux?.cgroupsPath, id, hostLayout());
}

/** Reads the cgroups' statistics; undefined when they are gone (an exited container). */
export function readStats(paths: Record<string, string>): Stats | undefined {
  try {
    return containerStats(paths, hostLayout());
  } catch {
    return undefined;
  }
}

/** CpuUsage and MemoryUsage of one sample; `key` names whose previous sample gives the rate. */
export function usageOf(
  key: string,
  stats: Stats,
): { cpu: Record<string, unknown>; memory: Record<string, unknown> } {
  const ts = nanosNow();
  const ns = BigInt(ts);
  const total = stats.cpu.usage.total;
  const prev = previous.get(key);
  previous.set(key, { ns, total });
  const rate =
    prev && ns > prev.ns && total >= prev.total
      ? ((total - prev.total) * 1_000_000_000n) / (ns - prev.ns)
      : undefined;
  const raw = stats.memory.raw;
  // v1 memory.stat has total_inactive_file (hierarchical) and inactive_file; v2 has inactive_file.
  const inactive = raw.total_inactive_file ?? raw.inactive_file ?? 0n;
  const usage = stats.memory.usage.usage;
  const workingSet = usage > inactive ? usage - inactive : 0n;
  const limit = stats.memory.usage.limit;
  return {
    cpu: {
      timestamp: ts,
      usage_core_nano_seconds: u64(total),
      usage_nano_cores: rate === undefined ? null : u64(rate),
    },
    memory: {
      timestamp: ts,
      working_set_bytes: u64(workingSet),
      // An unlimited cgroup's limit is a page-rounded max int: no available figure then.
      available_bytes:
        limit > 0n && limit < 1n << 62n ? u64(limit > workingSet ? limit - workingSet : 0n) : null,
      usage_bytes: u64(usage),
      rss_bytes: u64(raw.total_rss ?? raw.rss ?? raw.anon ?? 0n),
      page_faults: u64(raw.total_pgfault ?? raw.pgfault ?? 0n),
      major_page_faults: u64(raw.total_pgmajfault ?? raw.pgmajfault ?? 0n),
    },
  };
}

/** Forgets a removed container's or pod's previous sample. */
export function forgetSample(key: string): void {
  previous.delete(key);
}
