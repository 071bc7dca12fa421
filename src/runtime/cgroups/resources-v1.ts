// linux.resources → cgroup v1 file writes, in the order and with the quirks runc's fs driver has
// (libcontainer/cgroups/fs/*.go), from the kernel's cgroup-v1 documentation (memory.rst, cpusets.rst,
// blkio-controller.rst, hugetlb.rst, net_cls.rst, net_prio.rst, pids.rst, rdma.rst, devices.rst).
// Pure: what it needs to know about the cgroup as it is comes through `read`.
import { invalid } from '../../base/errors.js';
import type { BlockIO, Resources } from '../../oci/runtime-spec.js';
import {
  emulate,
  matchString,
  stateFromList,
  transition,
  accessString,
  accessBits,
} from './device-emulator.js';

/** One write into a container's cgroup: `file` (relative to the controller's directory) gets `value`. */
export interface CgroupWrite {
  /** v1: the controller whose hierarchy holds the file; v2: the controller the file belongs to. */
  controller: string;
  file: string;
  value: string;
}

/** Reads a file of the container's cgroup in a controller's hierarchy; undefined when it does not exist. */
export type CgroupRead = (controller: string, file: string) => string | undefined;

/** Warnings for settings that are accepted but not applied, worded as runc words them. */
export function resourceWarnings(res: Resources | undefined): string[] {
  const mem = res?.memory;
  if (mem && (mem.kernel !== undefined || mem.kernelTCP !== undefined))
    return ['Kernel memory settings are ignored and will be removed'];
  return [];
}

/** The field name the devices list is known by in messages. */
export const DEVICES_FIELD = 'linux.resources.devices';

/** devices.allow / devices.deny lines that move the cgroup from its devices.list to `res.devices`. */
function deviceWrites(res: Resources, read: CgroupRead): CgroupWrite[] {
  if (!res.devices) return [];
  const target = emulate(res.devices, DEVICES_FIELD);
  const current = stateFromList(read('devices', 'devices.list') ?? 'a *:* rwm');
  return transition(current, target).map((r) => ({
    controller: 'devices',
    file: r.allow ? 'devices.allow' : 'devices.deny',
    value:
      r.type === 'a'
        ? 'a'
        : `${matchString({ type: r.type as 'b' | 'c', major: r.major ?? -1, minor: r.minor ?? -1 })} ${accessString(accessBits(r.access))}`,
  }));
}

/**
 * memory.limit_in_bytes must never exceed memory.memsw.limit_in_bytes: when both change, raising goes
 * swap first and lowering goes memory first (runc's setMemoryAndSwap). A limit of -1 with no swap given
 * lifts swap too, where the kernel accounts swap at all.
 */
function memoryWrites(res: Resources, read: CgroupRead): CgroupWrite[] {
  const mem = res.memory;
  if (!mem) return [];
  const out: CgroupWrite[] = [];
  const put = (file: string, value: number | string): void => {
    out.push({ controller: 'memory', file, value: String(value) });
  };
  const limit = mem.limit ?? 0;
  let swap = mem.swap ?? 0;
  const hasMemsw = read('memory', 'memory.memsw.limit_in_bytes') !== undefined;
  if (limit === -1 && swap === 0 && hasMemsw) swap = -1;
  if (swap !== 0 && !hasMemsw)
    throw invalid('linux.resources.memory.swap', 'this kernel does not account swap (no memory.memsw files)');
  const setLimit = (): void => {
    if (limit !== 0) put('memory.limit_in_bytes', limit);
  };
  const setSwap = (): void => {
    if (swap !== 0) put('memory.memsw.limit_in_bytes', swap);
  };
  const current = BigInt((read('memory', 'memory.limit_in_bytes') ?? '0').trim() || '0');
  if (limit !== 0 && swap !== 0 && (swap === -1 || current < BigInt(swap))) {
    setSwap();
    setLimit();
  } else {
    setLimit();
    setSwap();
  }
  if (mem.reservation !== undefined && mem.reservation !== 0)
    put('memory.soft_limit_in_bytes', mem.reservation);
  if (mem.swappiness !== undefined) put('memory.swappiness', mem.swappiness);
  if (mem.disableOOMKiller !== undefined) put('memory.oom_control', mem.disableOOMKiller ? 1 : 0);
  if (mem.useHierarchy !== undefined) put('memory.use_hierarchy', mem.useHierarchy ? 1 : 0);
  return out;
}

/**
 * cpu: the realtime budget first (a task already under SCHED_RR cannot join a group without one), then
 * shares, CFS period before quota (a period the kernel refuses for the old quota is retried after it:
 * apply.ts), burst and idle.
 */
function cpuWrites(res: Resources): CgroupWrite[] {
  const cpu = res.cpu;
  if (!cpu) return [];
  const out: CgroupWrite[] = [];
  const put = (controller: string, file: string, value: number | string): void => {
    out.push({ controller, file, value: String(value) });
  };
  if (cpu.realtimePeriod) put('cpu', 'cpu.rt_period_us', cpu.realtimePeriod);
  if (cpu.realtimeRuntime) put('cpu', 'cpu.rt_runtime_us', cpu.realtimeRuntime);
  if (cpu.shares) put('cpu', 'cpu.shares', cpu.shares);
  if (cpu.period) put('cpu', 'cpu.cfs_period_us', cpu.period);
  if (cpu.quota) put('cpu', 'cpu.cfs_quota_us', cpu.quota);
  if (cpu.burst !== undefined) put('cpu', 'cpu.cfs_burst_us', cpu.burst);
  if (cpu.idle !== undefined) put('cpu', 'cpu.idle', cpu.idle);
  if (cpu.cpus) put('cpuset', 'cpuset.cpus', cpu.cpus);
  if (cpu.mems) put('cpuset', 'cpuset.mems', cpu.mems);
  return out;
}

/** `major:minor value`, the per-device line of the blkio files. */
const deviceLine = (d: { major: number; minor: number }, value: number): string =>
  `${d.major}:${d.minor} ${value}`;

/** blkio: CFQ's blkio.weight where it exists, else BFQ's blkio.bfq.weight (what Linux 5.0+ has). */
function blkioWrites(b: BlockIO | undefined, read: CgroupRead): CgroupWrite[] {
  if (!b) return [];
  const out: CgroupWrite[] = [];
  const put = (file: string, value: string | number): void => {
    out.push({ controller: 'blkio', file, value: String(value) });
  };
  const cfq = read('blkio', 'blkio.weight') !== undefined;
  const weight = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDevice = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  if (b.weight) put(weight, b.weight);
  if (b.leafWeight) put('blkio.leaf_weight', b.leafWeight);
  for (const d of b.weightDevice ?? []) {
    if (d.weight) put(weightDevice, deviceLine(d, d.weight));
    if (d.leafWeight) put('blkio.leaf_weight_device', deviceLine(d, d.leafWeight));
  }
  const throttles = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
  ] as const;
  for (const [key, file] of throttles) for (const d of b[key] ?? []) put(file, deviceLine(d, d.rate));
  return out;
}

/** hugetlb: the fault limit, and the reservation limit where the kernel has one (config-linux.md). */
function hugetlbWrites(res: Resources, read: CgroupRead): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  (res.hugepageLimits ?? []).forEach((h, i) => {
    const file = `hugetlb.${h.pageSize}.limit_in_bytes`;
    if (read('hugetlb', file) === undefined)
      throw invalid(
        `linux.resources.hugepageLimits[${i}].pageSize`,
        `huge page size "${h.pageSize}" is not supported by this host`,
      );
    out.push({ controller: 'hugetlb', file, value: String(h.limit) });
    const rsvd = `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`;
    if (read('hugetlb', rsvd) !== undefined)
      out.push({ controller: 'hugetlb', file: rsvd, value: String(h.limit) });
  });
  return out;
}

/** rdma.max lines: `<device> hca_handle=<n|max> hca_object=<n|max>` (both v1 and v2, rdma.rst). */
export function rdmaLines(res: Resources): string[] {
  return Object.entries(res.rdma ?? {}).map(
    ([dev, l]) => `${dev} hca_handle=${l.hcaHandles ?? 'max'} hca_object=${l.hcaObjects ?? 'max'}`,
  );
}

/** The v1 writes for `res` (`unified` aside: it is cgroup2's), in runc's order: cpuset, devices, memory, cpu, ... */
export function v1Writes(res: Resources | undefined, read: CgroupRead): CgroupWrite[] {
  if (!res) return [];
  const cpu = cpuWrites(res);
  const out: CgroupWrite[] = [
    ...cpu.filter((w) => w.controller === 'cpuset'),
    ...deviceWrites(res, read),
    ...memoryWrites(res, read),
    ...cpu.filter((w) => w.controller === 'cpu'),
  ];
  const put = (controller: string, file: string, value: string | number): void => {
    out.push({ controller, file, value: String(value) });
  };
  if (res.pids) put('pids', 'pids.max', res.pids.limit < 0 ? 'max' : res.pids.limit);
  out.push(...blkioWrites(res.blockIO, read));
  out.push(...hugetlbWrites(res, read));
  if (res.network?.classID !== undefined) put('net_cls', 'net_cls.classid', res.network.classID);
  for (const p of res.network?.priorities ?? [])
    put('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
  for (const line of rdmaLines(res)) put('rdma', 'rdma.max', line);
  return out;
}
