// Checks a `linux.resources` object (config-linux.md "Control groups") before any cgroup file is written,
// naming the field at fault: `linux.resources.memory.limit: must be an integer, got "1g"`. The same check
// serves create (field prefix `linux.resources`) and `update -r` (prefix `--resources`).
import { invalid } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const UINT32_MAX = 0xffffffff;
const UINT16_MAX = 0xffff;

function obj(v: unknown, field: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw invalid(field, 'must be an object');
  return v;
}

function array(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(field, 'must be an array');
  return v;
}

/** An integer in [min, max]; `required` makes absence an error. */
function int(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER, required = false): void {
  if (v === undefined || v === null) {
    if (required) throw invalid(field, 'required');
    return;
  }
  if (!Number.isInteger(v)) throw invalid(field, `must be an integer, got ${JSON.stringify(v)}`);
  const n = v as number;
  if (n < min || n > max) throw invalid(field, `must be between ${min} and ${max}, got ${n}`);
}

function bool(v: unknown, field: string): void {
  if (v !== undefined && v !== null && typeof v !== 'boolean') throw invalid(field, 'must be a boolean');
}

function str(v: unknown, field: string, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(field, 'required');
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(field, 'must be a string');
  return v;
}

/** cpuset lists (cpuset(7) "List format"): `0-3,7`; empty means "leave as is". */
const CPU_LIST = /^\s*(\d+(-\d+)?(\s*,\s*\d+(-\d+)?)*)?\s*$/;

/** Whether `s` is a cpuset list (cpuset(7) "List format"). */
export function isCpuList(s: string): boolean {
  return CPU_LIST.test(s);
}

function checkDevices(v: unknown, field: string): void {
  array(v, field).forEach((d, i) => {
    const f = `${field}[${i}]`;
    const o = obj(d, f);
    if (!o) throw invalid(f, 'must be an object');
    if (typeof o.allow !== 'boolean') throw invalid(`${f}.allow`, 'required, a boolean');
    const type = str(o.type, `${f}.type`);
    if (type !== undefined && !['', 'a', 'b', 'c'].includes(type))
      throw invalid(`${f}.type`, `unknown device type "${type}" (want a, b or c)`);
    // -1 is how runc (and Docker) write "any" besides leaving the field out.
    int(o.major, `${f}.major`, -1, UINT32_MAX);
    int(o.minor, `${f}.minor`, -1, UINT32_MAX);
    const access = str(o.access, `${f}.access`);
    if (access !== undefined && !/^[rwm]*$/.test(access))
      throw invalid(`${f}.access`, `unknown access "${access}" (a combination of r, w and m)`);
  });
}

function checkMemory(m: Obj, field: string): void {
  for (const key of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP'])
    int(m[key], `${field}.${key}`, -1, Number.MAX_SAFE_INTEGER);
  // runc: "valid memory swappiness range is 0-100"; vm.swappiness in proc(5) has the same range.
  int(m.swappiness, `${field}.swappiness`, 0, 100);
  for (const key of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate'])
    bool(m[key], `${field}.${key}`);
}

function checkCpu(c: Obj, field: string): void {
  int(c.shares, `${field}.shares`, 0);
  int(c.quota, `${field}.quota`, -1);
  int(c.burst, `${field}.burst`, 0);
  int(c.period, `${field}.period`, 0);
  int(c.realtimeRuntime, `${field}.realtimeRuntime`, -1);
  int(c.realtimePeriod, `${field}.realtimePeriod`, 0);
  int(c.idle, `${field}.idle`, 0, 1);
  for (const key of ['cpus', 'mems']) {
    const list = str(c[key], `${field}.${key}`);
    if (list !== undefined && !CPU_LIST.test(list))
      throw invalid(`${field}.${key}`, `invalid list "${list}" (want e.g. "0-3,7")`);
  }
  const quota = c.quota as number | undefined;
  const burst = c.burst as number | undefined;
  if (burst !== undefined && quota !== undefined && quota > 0 && burst > quota)
    throw invalid(`${field}.burst`, `must not be larger than quota (${quota}), got ${burst}`);
}

function checkDeviceNumbers(o: Obj, f: string): void {
  int(o.major, `${f}.major`, 0, UINT32_MAX, true);
  int(o.minor, `${f}.minor`, 0, UINT32_MAX, true);
}

const THROTTLES = [
  'throttleReadBpsDevice',
  'throttleWriteBpsDevice',
  'throttleReadIOPSDevice',
  'throttleWriteIOPSDevice',
] as const;

function checkBlockIO(b: Obj, field: string): void {
  int(b.weight, `${field}.weight`, 0, UINT16_MAX);
  int(b.leafWeight, `${field}.leafWeight`, 0, UINT16_MAX);
  array(b.weightDevice, `${field}.weightDevice`).forEach((d, i) => {
    const f = `${field}.weightDevice[${i}]`;
    const o = obj(d, f) ?? {};
    checkDeviceNumbers(o, f);
    int(o.weight, `${f}.weight`, 0, UINT16_MAX);
    int(o.leafWeight, `${f}.leafWeight`, 0, UINT16_MAX);
    if (o.weight === undefined && o.leafWeight === undefined)
      throw invalid(f, 'needs weight or leafWeight (config-linux.md "Block IO")');
  });
  for (const key of THROTTLES)
    array(b[key], `${field}.${key}`).forEach((d, i) => {
      const f = `${field}.${key}[${i}]`;
      const o = obj(d, f) ?? {};
      checkDeviceNumbers(o, f);
      int(o.rate, `${f}.rate`, 0, Number.MAX_SAFE_INTEGER, true);
    });
}

function checkNetwork(n: Obj, field: string): void {
  int(n.classID, `${field}.classID`, 0, UINT32_MAX);
  array(n.priorities, `${field}.priorities`).forEach((p, i) => {
    const f = `${field}.priorities[${i}]`;
    const o = obj(p, f) ?? {};
    const name = str(o.name, `${f}.name`, true)!;
    if (name === '' || /[\s/]/.test(name)) throw invalid(`${f}.name`, `invalid interface name "${name}"`);
    int(o.priority, `${f}.priority`, 0, UINT32_MAX, true);
  });
}

/** Page sizes as config-linux.md "Huge page limits" writes them: `<size><unit-prefix>B`. */
const PAGE_SIZE = /^\d+[KMGT]?B$/;

/** Validates `raw` as LinuxResources; `field` prefixes every message. Returns it typed. */
export function checkResources(raw: unknown, field: string): Resources {
  const r = obj(raw, field);
  if (!r) return {};
  checkDevices(r.devices, `${field}.devices`);
  const memory = obj(r.memory, `${field}.memory`);
  if (memory) checkMemory(memory, `${field}.memory`);
  const cpu = obj(r.cpu, `${field}.cpu`);
  if (cpu) checkCpu(cpu, `${field}.cpu`);
  const pids = obj(r.pids, `${field}.pids`);
  // pids.limit: -1 is "max"; 0 is a real limit (config-linux.md "PIDs" note).
  if (pids) int(pids.limit, `${field}.pids.limit`, -1, Number.MAX_SAFE_INTEGER, true);
  const blockIO = obj(r.blockIO, `${field}.blockIO`);
  if (blockIO) checkBlockIO(blockIO, `${field}.blockIO`);
  array(r.hugepageLimits, `${field}.hugepageLimits`).forEach((h, i) => {
    const f = `${field}.hugepageLimits[${i}]`;
    const o = obj(h, f) ?? {};
    const size = str(o.pageSize, `${f}.pageSize`, true)!;
    if (!PAGE_SIZE.test(size))
      throw invalid(`${f}.pageSize`, `invalid page size "${size}" (want e.g. "2MB")`);
    int(o.limit, `${f}.limit`, 0, Number.MAX_SAFE_INTEGER, true);
  });
  const network = obj(r.network, `${field}.network`);
  if (network) checkNetwork(network, `${field}.network`);
  for (const [dev, limits] of Object.entries(obj(r.rdma, `${field}.rdma`) ?? {})) {
    const f = `${field}.rdma["${dev}"]`;
    const o = obj(limits, f) ?? {};
    int(o.hcaHandles, `${f}.hcaHandles`, 0, UINT32_MAX);
    int(o.hcaObjects, `${f}.hcaObjects`, 0, UINT32_MAX);
    if (o.hcaHandles === undefined && o.hcaObjects === undefined)
      throw invalid(f, 'needs hcaHandles or hcaObjects (config-linux.md "RDMA")');
  }
  for (const [key, value] of Object.entries(obj(r.unified, `${field}.unified`) ?? {})) {
    const f = `${field}.unified["${key}"]`;
    str(value, f, true);
    // Each key names a file of the container's own cgroup (config-linux.md "Unified"), never a path.
    if (!/^[a-z0-9_]+\.[\w.-]+$/i.test(key) || key.includes('/') || key.includes('..'))
      throw invalid(f, 'must be a cgroup file name of the form "controller.parameter"');
  }
  return r as Resources;
}
