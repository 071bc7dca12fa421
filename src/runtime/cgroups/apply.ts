// Writes linux.resources into a container's existing cgroups, on v1, v2 and hybrid hosts: each setting
// goes to the v1 hierarchy that carries its controller, else to the cgroup2 directory when the
// controller is enabled there, else it is an error naming the controller. Device rules go to devices.allow
// and devices.deny on v1, or become a BPF program on cgroup2.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, invalid, messageOf } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';
import { emulate } from './device-emulator.js';
import { attachDeviceProgram } from './device-program.js';
import type { Layout } from './layout.js';
import type { CgroupPaths } from './paths.js';
import { DEVICES_FIELD, v1Writes, type CgroupWrite } from './resources-v1.js';
import { controllerOf, v2Writes } from './resources-v2.js';

/** Reads a cgroup file, or undefined when it does not exist. */
export function readCgroupFile(dir: string | undefined, file: string): string | undefined {
  if (dir === undefined) return undefined;
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The hierarchy key of `paths` whose v1 hierarchy carries `controller`. */
export function v1Key(paths: CgroupPaths, controller: string): string | undefined {
  return Object.keys(paths).find((k) => k !== '' && k.split(',').includes(controller));
}

/** Controllers enabled for the cgroup2 directory (its cgroup.controllers), plus the core `cgroup` files. */
function v2Controllers(dir: string | undefined): Set<string> {
  const list = readCgroupFile(dir, 'cgroup.controllers') ?? '';
  return new Set(['cgroup', ...list.split(/\s+/).filter(Boolean)]);
}

/** The part of `res` that a v1 controller handles, to hand it to cgroup2 when v1 lacks the controller. */
function subsetFor(controller: string, res: Resources): Resources {
  const { cpus, mems, ...cpuRest } = res.cpu ?? {};
  switch (controller) {
    case 'memory':
      return { memory: res.memory };
    case 'cpu':
      return { cpu: cpuRest };
    case 'cpuset':
      return { cpu: { cpus, mems } };
    case 'pids':
      return { pids: res.pids };
    case 'blkio':
      return { blockIO: res.blockIO };
    case 'hugetlb':
      return { hugepageLimits: res.hugepageLimits };
    case 'rdma':
      return { rdma: res.rdma };
    default:
      return { network: res.network };
  }
}

/** A write that the kernel may refuse until a later one is done: a CFS period or burst that the old quota forbids. */
const RETRIED_AFTER_QUOTA = new Set(['cpu.cfs_period_us', 'cpu.cfs_burst_us', 'cpu.max.burst']);

/**
 * `cgroup: write "<value>" to "<path>": <the kernel's words>` — the errno text without Node's code and
 * syscall decoration ("EINVAL: invalid argument, write" → "invalid argument").
 */
export function cgroupWriteError(path: string, value: string, err: unknown): BerthError {
  const text = messageOf(err);
  const words = /^E[A-Z0-9]+: (.*?)(, \w+( '.*')?)?$/.exec(text)?.[1] ?? text;
  return new BerthError('InvalidArgument', `cgroup: write "${value}" to "${path}": ${words}`);
}

function writeFailure(dir: string, w: CgroupWrite, err: unknown): BerthError {
  const code = (err as NodeJS.ErrnoException).code;
  if (w.file === 'memory.limit_in_bytes' && code === 'EBUSY') {
    // The kernel cannot reclaim below the current usage (memory.rst "Memory limit").
    const usage = (readCgroupFile(dir, 'memory.usage_in_bytes') ?? '?').trim();
    const peak = (readCgroupFile(dir, 'memory.max_usage_in_bytes') ?? '?').trim();
    return new BerthError(
      'FailedPrecondition',
      `cgroup: unable to set memory limit to ${w.value} (current usage: ${usage}, peak usage: ${peak})`,
    );
  }
  return cgroupWriteError(join(dir, w.file), w.value, err);
}

/**
 * Performs writes in order; see RETRIED_AFTER_QUOTA. `dirOf` maps a write to its directory. Writes in a
 * row to one file share one open file: the kernel takes each write(2) of a cgroup file on its own (one
 * devices.allow rule each), and a container's device rules are a dozen writes to the same file.
 */
function perform(writes: CgroupWrite[], dirOf: (w: CgroupWrite) => string): void {
  const retry: CgroupWrite[] = [];
  const file = new OpenCgroupFile();
  try {
    for (const w of writes) {
      const dir = dirOf(w);
      try {
        file.write(join(dir, w.file), w.value);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EINVAL' && RETRIED_AFTER_QUOTA.has(w.file)) {
          retry.push(w);
          continue;
        }
        throw writeFailure(dir, w, err);
      }
      if (w.file === 'cpu.shares') checkShares(dir, w.value);
    }
    for (const w of retry) {
      try {
        file.write(join(dirOf(w), w.file), w.value);
      } catch (err) {
        throw writeFailure(dirOf(w), w, err);
      }
    }
  } finally {
    file.close();
  }
}

/** The cgroup file last written, kept open for the next write to it. */
class OpenCgroupFile {
  private path = '';
  private fd = -1;

  write(path: string, value: string): void {
    if (path !== this.path) {
      this.close();
      this.fd = openSync(path, 'w');
      this.path = path;
    }
    writeSync(this.fd, value);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.path = '';
  }
}

/** The kernel clamps cpu.shares into 2..262144 silently; say so instead (runc does). */
function checkShares(dir: string, wanted: string): void {
  const got = (readCgroupFile(dir, 'cpu.shares') ?? '').trim();
  if (got === '' || got === wanted) return;
  const bound = BigInt(wanted) > BigInt(got) ? 'maximum' : 'minimum';
  throw invalid('linux.resources.cpu.shares', `the ${bound} allowed cpu-shares is ${got}`);
}

/** What to apply besides the plain resources. */
export interface ApplyOptions {
  /** Apply `res.devices` (create does; runc's update leaves devices alone unless given). */
  devices: boolean;
}

/** Writes `res` into the container's cgroups (`paths`), for create and for `update`. */
export function applyResources(
  paths: CgroupPaths,
  res: Resources | undefined,
  layout: Layout,
  opts: ApplyOptions = { devices: true },
): void {
  if (!res) return;
  const v2dir = paths[''];
  const wanted: Resources = opts.devices ? res : { ...res, devices: undefined };
  const v2Read = (file: string): string | undefined => readCgroupFile(v2dir, file);
  if (layout.unifiedOnly) {
    perform(v2Writes(wanted, v2Read), () => v2dir!);
    if (wanted.devices) attachDeviceProgram(v2dir!, emulate(wanted.devices, DEVICES_FIELD));
    return;
  }
  const read = (controller: string, file: string): string | undefined =>
    readCgroupFile(paths[v1Key(paths, controller) ?? '\0'], file);
  const hasDevices = v1Key(paths, 'devices') !== undefined;
  const writes = v1Writes(
    { ...wanted, unified: undefined, devices: hasDevices ? wanted.devices : undefined },
    read,
  );
  const missing = new Set(writes.map((w) => w.controller).filter((c) => v1Key(paths, c) === undefined));
  const onV1 = writes.filter((w) => !missing.has(w.controller));
  const onV2: CgroupWrite[] = [];
  const enabled = v2Controllers(v2dir);
  for (const controller of missing) {
    const v2name = controller === 'blkio' ? 'io' : controller;
    if (v2dir === undefined || !enabled.has(v2name))
      throw invalid(
        'linux.resources',
        `cannot set ${controller} limits: the ${controller} cgroup controller is not available on this host`,
      );
    onV2.push(...v2Writes(subsetFor(controller, wanted), v2Read));
  }
  for (const [key, value] of Object.entries(wanted.unified ?? {})) {
    const field = `linux.resources.unified["${key}"]`;
    if (v2dir === undefined)
      throw invalid(field, 'cannot be used on cgroup v1 (the host has no cgroup2 hierarchy)');
    const controller = controllerOf(key);
    if (!enabled.has(controller))
      throw invalid(field, `the ${controller} controller is not enabled in this host's cgroup2 hierarchy`);
    onV2.push({ controller, file: key, value });
  }
  perform(onV1, (w) => paths[v1Key(paths, w.controller)!]!);
  perform(onV2, () => v2dir!);
  if (wanted.devices && !hasDevices) {
    if (v2dir === undefined)
      throw invalid(DEVICES_FIELD, 'no devices cgroup controller and no cgroup2 on this host');
    attachDeviceProgram(v2dir, emulate(wanted.devices, DEVICES_FIELD));
  }
}
