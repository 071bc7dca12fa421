// Merges an update into a container's resources, as runc's `update` merges into the state it keeps:
// the cgroup drivers need the whole picture (v1 orders memory and swap by both values; v2's swap file
// holds swap minus memory), so `update` applies the merged result and saves it for the next one.
import type { Resources, ThrottleDevice, WeightDevice } from '../../oci/runtime-spec.js';

/** Replaces or appends the entries of `add` in `base`, matched by `key`; base order is kept. */
function upsert<T>(base: T[] | undefined, add: T[] | undefined, key: (t: T) => string): T[] | undefined {
  if (!add) return base;
  const out = [...(base ?? [])];
  for (const item of add) {
    const i = out.findIndex((x) => key(x) === key(item));
    if (i >= 0) out[i] = item;
    else out.push(item);
  }
  return out;
}

const dev = (d: WeightDevice | ThrottleDevice): string => `${d.major}:${d.minor}`;

/** Drops undefined fields, so `{...a, ...b}` never erases a with b's absent values. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * `old` with `update` laid over it. Scalars replace; per-device, per-page-size and per-interface lists
 * are updated entry by entry; `devices`, when given, replaces the rule list. An unlimited memory limit
 * with no swap given lifts swap too (runc: "set both memory and swap to unlimited").
 */
export function mergeResources(old: Resources | undefined, update: Resources): Resources {
  const base = old ?? {};
  const out: Resources = { ...base };
  if (update.memory) {
    const memory = { ...base.memory, ...defined(update.memory) };
    if (update.memory.limit === -1 && update.memory.swap === undefined) memory.swap = -1;
    out.memory = memory;
  }
  if (update.cpu) {
    const cpu = { ...base.cpu, ...defined(update.cpu) };
    // An empty cpuset list means "leave it" (runc's flags default to "").
    if (!update.cpu.cpus) cpu.cpus = base.cpu?.cpus;
    if (!update.cpu.mems) cpu.mems = base.cpu?.mems;
    out.cpu = defined(cpu);
  }
  if (update.pids) out.pids = update.pids;
  if (update.blockIO) {
    const b = base.blockIO ?? {};
    const u = update.blockIO;
    out.blockIO = defined({
      ...b,
      ...defined({ weight: u.weight, leafWeight: u.leafWeight }),
      weightDevice: upsert(b.weightDevice, u.weightDevice, dev),
      throttleReadBpsDevice: upsert(b.throttleReadBpsDevice, u.throttleReadBpsDevice, dev),
      throttleWriteBpsDevice: upsert(b.throttleWriteBpsDevice, u.throttleWriteBpsDevice, dev),
      throttleReadIOPSDevice: upsert(b.throttleReadIOPSDevice, u.throttleReadIOPSDevice, dev),
      throttleWriteIOPSDevice: upsert(b.throttleWriteIOPSDevice, u.throttleWriteIOPSDevice, dev),
    });
  }
  const pages = upsert(base.hugepageLimits, update.hugepageLimits, (h) => h.pageSize);
  if (pages) out.hugepageLimits = pages;
  if (update.network) {
    const n = base.network ?? {};
    out.network = defined({
      classID: update.network.classID ?? n.classID,
      priorities: upsert(n.priorities, update.network.priorities, (p) => p.name),
    });
  }
  if (update.rdma) out.rdma = { ...base.rdma, ...update.rdma };
  if (update.unified) out.unified = { ...base.unified, ...update.unified };
  if (update.devices) out.devices = update.devices;
  return out;
}
