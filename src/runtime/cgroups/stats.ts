// A container's statistics from whichever hierarchy holds each controller (v1, cgroup2, or both on a
// hybrid host), in runc's types.Stats shape.
import { readCgroupFile, v1Key } from './apply.js';
import type { Layout } from './layout.js';
import type { CgroupPaths } from './paths.js';
import { emptyStats, type Stats } from './stats-types.js';
import { v1Stats } from './stats-v1.js';
import { v2Stats } from './stats-v2.js';

/** v1 controller (or group) → the cgroup2 controller that reports the same. */
const V2_NAME: Record<string, string> = {
  cpu: 'cpu',
  memory: 'memory',
  pids: 'pids',
  blkio: 'io',
  hugetlb: 'hugetlb',
};

/** Reads the container's statistics now. */
export function containerStats(paths: CgroupPaths, layout: Layout): Stats {
  const stats = emptyStats();
  const v2dir = paths[''];
  if (layout.unifiedOnly) {
    if (v2dir) v2Stats(stats, v2dir, new Set(Object.values(V2_NAME)));
    return stats;
  }
  const dir = (controller: string): string | undefined => {
    const key = v1Key(paths, controller);
    return key === undefined ? undefined : paths[key];
  };
  v1Stats(stats, dir);
  if (!v2dir) return stats;
  // What v1 does not carry may be enabled in cgroup2 (cpu.stat and cgroup.procs always are).
  const enabled = new Set((readCgroupFile(v2dir, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean));
  const missing = new Set<string>();
  for (const [group, v2name] of Object.entries(V2_NAME)) {
    const inV1 = group === 'cpu' ? (dir('cpu') ?? dir('cpuacct')) : dir(group);
    if (!inV1 && (enabled.has(v2name) || v2name === 'cpu' || v2name === 'pids')) missing.add(v2name);
  }
  v2Stats(stats, v2dir, missing);
  return stats;
}
