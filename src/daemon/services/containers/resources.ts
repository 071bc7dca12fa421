// HostConfig's resource settings as OCI linux.resources and process.rlimits, the way moby's
// daemon/oci_linux.go (WithResources, WithRlimits, WithDevices) translates them.
import { statSync } from 'node:fs';
import type { HostConfig } from '../../../../api/docker/container.js';
import { BerthError } from '../../../base/errors.js';
import type { Device, DeviceRule, Resources, Rlimit } from '../../../oci/runtime-spec.js';

/** The CFS period docker uses for --cpus. */
const NANO_CPU_PERIOD = 100_000;

function positive(v: number | undefined | null): number | undefined {
  return v !== undefined && v !== null && v > 0 ? v : undefined;
}

/** The resources of a container, checked with dockerd's messages. */
export function containerResources(h: HostConfig): Resources {
  if (h.NanoCpus && (h.CpuPeriod || h.CpuQuota))
    throw new BerthError(
      'InvalidArgument',
      'Conflicting options: Nano CPUs and CPU Period cannot both be set',
    );
  if (h.Memory && h.Memory > 0 && h.Memory < 6 * 1024 * 1024)
    throw new BerthError('InvalidArgument', 'Minimum memory limit allowed is 6MB');
  if (h.MemorySwap && h.MemorySwap > 0 && h.Memory && h.MemorySwap < h.Memory)
    throw new BerthError(
      'InvalidArgument',
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    );
  if (h.MemorySwap && h.MemorySwap > 0 && !h.Memory)
    throw new BerthError(
      'InvalidArgument',
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    );
  if (
    h.MemorySwappiness !== undefined &&
    h.MemorySwappiness !== null &&
    (h.MemorySwappiness < -1 || h.MemorySwappiness > 100)
  )
    throw new BerthError(
      'InvalidArgument',
      `Invalid value: ${h.MemorySwappiness}, valid memory swappiness range is 0-100`,
    );
  if (h.BlkioWeight && (h.BlkioWeight < 10 || h.BlkioWeight > 1000))
    throw new BerthError('InvalidArgument', 'Range of blkio weight is from 10 to 1000');

  const r: Resources = {};
  const memory: NonNullable<Resources['memory']> = {};
  if (positive(h.Memory)) memory.limit = h.Memory!;
  if (positive(h.MemoryReservation)) memory.reservation = h.MemoryReservation!;
  // MemorySwap -1 is unlimited swap; unset with a limit means swap = 2 x memory, as docker does.
  if (h.MemorySwap === -1) memory.swap = -1;
  else if (positive(h.MemorySwap)) memory.swap = h.MemorySwap!;
  else if (memory.limit) memory.swap = memory.limit * 2;
  if (h.MemorySwappiness !== undefined && h.MemorySwappiness !== null && h.MemorySwappiness >= 0)
    memory.swappiness = h.MemorySwappiness;
  if (h.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) r.memory = memory;

  const cpu: NonNullable<Resources['cpu']> = {};
  if (positive(h.CpuShares)) cpu.shares = h.CpuShares!;
  if (positive(h.NanoCpus)) {
    cpu.period = NANO_CPU_PERIOD;
    cpu.quota = Math.round((h.NanoCpus! * NANO_CPU_PERIOD) / 1e9);
  }
  if (positive(h.CpuPeriod)) cpu.period = h.CpuPeriod!;
  if (positive(h.CpuQuota)) cpu.quota = h.CpuQuota!;
  if (h.CpusetCpus) cpu.cpus = h.CpusetCpus;
  if (h.CpusetMems) cpu.mems = h.CpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;

  // PidsLimit 0 or -1 means unlimited, as with docker.
  if (h.PidsLimit !== undefined && h.PidsLimit !== null && h.PidsLimit > 0) r.pids = { limit: h.PidsLimit };

  const blockIO: NonNullable<Resources['blockIO']> = {};
  if (positive(h.BlkioWeight)) blockIO.weight = h.BlkioWeight!;
  const throttle = (list: { Path: string; Rate: number }[] | null | undefined) =>
    (list ?? []).map((t) => ({ ...deviceNumbers(t.Path), rate: t.Rate }));
  const wd = (h.BlkioWeightDevice ?? []).map((w) => ({ ...deviceNumbers(w.Path), weight: w.Weight }));
  if (wd.length) blockIO.weightDevice = wd;
  const rb = throttle(h.BlkioDeviceReadBps);
  if (rb.length) blockIO.throttleReadBpsDevice = rb;
  const wb = throttle(h.BlkioDeviceWriteBps);
  if (wb.length) blockIO.throttleWriteBpsDevice = wb;
  const ri = throttle(h.BlkioDeviceReadIOps);
  if (ri.length) blockIO.throttleReadIOPSDevice = ri;
  const wi = throttle(h.BlkioDeviceWriteIOps);
  if (wi.length) blockIO.throttleWriteIOPSDevice = wi;
  if (Object.keys(blockIO).length) r.blockIO = blockIO;
  return r;
}

/** A block device's major and minor numbers. */
function deviceNumbers(path: string): { major: number; minor: number } {
  let rdev: number;
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) throw new BerthError('InvalidArgument', `"${path}" is not a block device`);
    rdev = st.rdev;
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw new BerthError('InvalidArgument', `"${path}": no such device`);
  }
  return { major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00) };
}

/** Ulimits (`--ulimit nofile=1024:2048`) as OCI rlimits. */
export function containerRlimits(h: HostConfig): Rlimit[] {
  return (h.Ulimits ?? []).map((u) => {
    if (!/^[a-z]+$/.test(u.Name)) throw new BerthError('InvalidArgument', `invalid ulimit type: ${u.Name}`);
    if (u.Soft > u.Hard)
      throw new BerthError(
        'InvalidArgument',
        `ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`,
      );
    return { type: `RLIMIT_${u.Name.toUpperCase()}`, soft: u.Soft, hard: u.Hard };
  });
}

/** `--device` mappings as OCI devices and the cgroup rules that allow them. */
export function containerDevices(h: HostConfig): { devices: Device[]; rules: DeviceRule[] } {
  const devices: Device[] = [];
  const rules: DeviceRule[] = [];
  for (const d of h.Devices ?? []) {
    let st;
    try {
      st = statSync(d.PathOnHost);
    } catch {
      throw new BerthError(
        'InvalidArgument',
        `error gathering device information while adding custom device "${d.PathOnHost}": no such file or directory`,
      );
    }
    if (!st.isCharacterDevice() && !st.isBlockDevice())
      throw new BerthError(
        'InvalidArgument',
        `error gathering device information while adding custom device "${d.PathOnHost}": not a device node`,
      );
    const type = st.isBlockDevice() ? 'b' : 'c';
    const major = Math.floor(st.rdev / 256) & 0xfff;
    const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
    const access = d.CgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access))
      throw new BerthError('InvalidArgument', `invalid device mode: ${access}`);
    devices.push({
      type,
      path: d.PathInContainer || d.PathOnHost,
      major,
      minor,
      fileMode: st.mode & 0o7777,
      uid: 0,
      gid: 0,
    });
    rules.push({ allow: true, type, major, minor, access });
  }
  for (const rule of h.DeviceCgroupRules ?? []) {
    const m = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule);
    if (!m) throw new BerthError('InvalidArgument', `invalid device cgroup format '${rule}'`);
    const num = (s: string): number | null => (s === '*' ? null : Number(s));
    rules.push({ allow: true, type: m[1]!, major: num(m[2]!), minor: num(m[3]!), access: m[4]! });
  }
  return { devices, rules };
}
