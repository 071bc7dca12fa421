// Translates linux.resources into cgroup files and values, for v1 and for v2 (pure: returns writes).
import type { DeviceRule, Resources } from '../../oci/runtime-spec.js';

/** One write into a cgroup directory: `file` (relative) gets `value`. */
export interface CgroupWrite {
  /** Controller (v1 hierarchy) the file belongs to, or '' on v2. */
  controller: string;
  file: string;
  value: string;
}

function deviceRule(r: DeviceRule): string {
  const type = r.type && r.type !== '' ? r.type : 'a';
  if (type === 'a') return 'a';
  const num = (n: number | null | undefined): string =>
    n === undefined || n === null || n < 0 ? '*' : String(n);
  return `${type} ${num(r.major)}:${num(r.minor)} ${r.access || 'rwm'}`;
}

/** The v1 writes for `resources`, in an order the kernel accepts. */
export function v1Writes(res: Resources | undefined): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (!res) return w;
  const put = (controller: string, file: string, value: string | number | bigint): void => {
    w.push({ controller, file, value: String(value) });
  };
  for (const rule of res.devices ?? [])
    put('devices', rule.allow ? 'devices.allow' : 'devices.deny', deviceRule(rule));
  const mem = res.memory;
  if (mem) {
    if (mem.limit !== undefined) put('memory', 'memory.limit_in_bytes', mem.limit);
    if (mem.swap !== undefined) put('memory', 'memory.memsw.limit_in_bytes', mem.swap);
    if (mem.reservation !== undefined) put('memory', 'memory.soft_limit_in_bytes', mem.reservation);
    if (mem.swappiness !== undefined && mem.swappiness <= 100)
      put('memory', 'memory.swappiness', mem.swappiness);
    if (mem.disableOOMKiller) put('memory', 'memory.oom_control', 1);
  }
  const cpu = res.cpu;
  if (cpu) {
    if (cpu.shares) put('cpu', 'cpu.shares', cpu.shares);
    if (cpu.period) put('cpu', 'cpu.cfs_period_us', cpu.period);
    if (cpu.quota) put('cpu', 'cpu.cfs_quota_us', cpu.quota);
    if (cpu.cpus) put('cpuset', 'cpuset.cpus', cpu.cpus);
    if (cpu.mems) put('cpuset', 'cpuset.mems', cpu.mems);
  }
  if (res.pids && res.pids.limit !== 0) put('pids', 'pids.max', res.pids.limit > 0 ? res.pids.limit : 'max');
  for (const h of res.hugepageLimits ?? []) put('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit);
  return w;
}

/** cpu shares (v1, 2..262144) → cpu.weight (v2, 1..10000), the formula runc and crun use. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.round(1 + ((shares - 2) * 9999) / 262142);
}

/** The v2 writes for `resources` (device rules need a BPF program and are handled apart). */
export function v2Writes(res: Resources | undefined): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (!res) return w;
  const put = (file: string, value: string | number): void => {
    w.push({ controller: '', file, value: String(value) });
  };
  const mem = res.memory;
  if (mem) {
    if (mem.limit !== undefined) put('memory.max', mem.limit < 0 ? 'max' : mem.limit);
    if (mem.reservation !== undefined) put('memory.low', mem.reservation < 0 ? 'max' : mem.reservation);
    if (mem.swap !== undefined && mem.limit !== undefined)
      put('memory.swap.max', mem.swap < 0 ? 'max' : Math.max(0, mem.swap - mem.limit));
  }
  const cpu = res.cpu;
  if (cpu) {
    if (cpu.shares) put('cpu.weight', sharesToWeight(cpu.shares));
    if (cpu.quota || cpu.period)
      put('cpu.max', `${cpu.quota && cpu.quota > 0 ? cpu.quota : 'max'} ${cpu.period ?? 100000}`);
    if (cpu.cpus) put('cpuset.cpus', cpu.cpus);
    if (cpu.mems) put('cpuset.mems', cpu.mems);
  }
  if (res.pids && res.pids.limit !== 0) put('pids.max', res.pids.limit > 0 ? res.pids.limit : 'max');
  for (const h of res.hugepageLimits ?? []) put(`hugetlb.${h.pageSize}.max`, h.limit);
  for (const [file, value] of Object.entries(res.unified ?? {})) put(file, value);
  return w;
}
