// `update [flags] <id>` / `update -r <file|-> <id>`: changes a live container's resource limits, as
// `runc update` (runc-update.8): flags with runc 1.1's names and parsing, or a LinuxResources JSON that
// overrides every flag. The change is merged into what the container has, applied to its cgroups (put
// back as it was if the kernel refuses part of it), and saved in its state for the next update.
import { readFileSync } from 'node:fs';
import { BerthError, messageOf, wrap } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';
import {
  applyResources,
  checkResources,
  deviceRules,
  hostLayout,
  isCpuList,
  mergeResources,
  resourceWarnings,
} from '../cgroups/index.js';
import { expectArgs, parseArgs, type FlagSpec } from '../cli-args.js';
import { warn, type RuntimeContext } from '../context.js';
import { loadRecord, saveRecord, statusOf } from '../state/store.js';

const UPDATE_FLAGS: FlagSpec[] = [
  { name: 'resources', alias: 'r', type: 'string' },
  { name: 'blkio-weight', type: 'int' },
  { name: 'cpu-period', type: 'string' },
  { name: 'cpu-quota', type: 'string' },
  { name: 'cpu-burst', type: 'string' },
  { name: 'cpu-share', type: 'string' },
  { name: 'cpu-shares', type: 'string' },
  { name: 'cpu-rt-period', type: 'string' },
  { name: 'cpu-rt-runtime', type: 'string' },
  { name: 'cpu-idle', type: 'string' },
  { name: 'cpuset-cpus', type: 'string' },
  { name: 'cpuset-mems', type: 'string' },
  { name: 'kernel-memory', type: 'string' },
  { name: 'kernel-memory-tcp', type: 'string' },
  { name: 'memory', type: 'string' },
  { name: 'memory-reservation', type: 'string' },
  { name: 'memory-swap', type: 'string' },
  { name: 'pids-limit', type: 'int' },
  { name: 'l3-cache-schema', type: 'string' },
  { name: 'mem-bw-schema', type: 'string' },
];

const UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40, p: 2 ** 50 };

/** A size as docker's go-units RAMInBytes reads it: `1024`, `64m`, `1.5g`, `2GiB` (binary multiples). */
export function parseRamSize(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(value);
  if (!m) throw new BerthError('InvalidArgument', `invalid value for ${flag}: invalid size: "${value}"`);
  return Math.trunc(parseFloat(m[1]!) * UNITS[(m[2] ?? '').toLowerCase()]!);
}

function parseInt64(flag: string, value: string, unsigned: boolean): number {
  const ok = unsigned ? /^\d+$/ : /^-?\d+$/;
  if (!ok.test(value))
    throw new BerthError(
      'InvalidArgument',
      `invalid value for ${flag}: "${value}" is not ${unsigned ? 'a non-negative' : 'an'} integer`,
    );
  return Number(value);
}

type Flags = Record<string, string | string[] | boolean | number | undefined>;

/** The resources the flags ask for; flags left out are absent (unchanged). */
function resourcesFromFlags(ctx: RuntimeContext, flags: Flags): Resources {
  const str = (name: string): string | undefined => {
    const v = flags[name] as string | undefined;
    return v === undefined || v === '' ? undefined : v;
  };
  const uint = (name: string): number | undefined => {
    const v = str(name);
    return v === undefined ? undefined : parseInt64(name, v, true);
  };
  const int = (name: string): number | undefined => {
    const v = str(name);
    return v === undefined ? undefined : parseInt64(name, v, false);
  };
  const size = (name: string): number | undefined => {
    const v = str(name);
    return v === undefined ? undefined : v === '-1' ? -1 : parseRamSize(name, v);
  };
  const list = (name: string): string | undefined => {
    const v = str(name);
    if (v !== undefined && !isCpuList(v))
      throw new BerthError(
        'InvalidArgument',
        `invalid value for ${name}: "${v}" is not a cpu list (e.g. "0-3,7")`,
      );
    return v;
  };
  for (const name of ['kernel-memory', 'kernel-memory-tcp'])
    if (str(name) !== undefined) warn(ctx, `Setting --${name} is ignored and will be removed`);
  const r: Resources = {
    memory: { limit: size('memory'), reservation: size('memory-reservation'), swap: size('memory-swap') },
    cpu: {
      shares: uint('cpu-share') ?? uint('cpu-shares'),
      quota: int('cpu-quota'),
      burst: uint('cpu-burst'),
      period: uint('cpu-period'),
      realtimePeriod: uint('cpu-rt-period'),
      realtimeRuntime: int('cpu-rt-runtime'),
      idle: int('cpu-idle'),
      cpus: list('cpuset-cpus'),
      mems: list('cpuset-mems'),
    },
  };
  // runc's integer flags default to 0, which means "not given".
  const weight = flags['blkio-weight'] as number | undefined;
  if (weight) r.blockIO = { weight };
  const pids = flags['pids-limit'] as number | undefined;
  if (pids) r.pids = { limit: pids };
  return r;
}

/** The update from `-r FILE` or `-r -` (stdin), validated. */
function resourcesFromJson(source: string): Resources {
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw wrap(err, `--resources: read "${source === '-' ? 'stdin' : source}"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `--resources: invalid JSON: ${messageOf(err)}`);
  }
  return checkResources(raw, '--resources');
}

/** Runs `update`. */
export async function update(ctx: RuntimeContext, argv: string[]): Promise<number> {
  const { flags, args } = parseArgs(argv, UPDATE_FLAGS);
  expectArgs('update', args, 1);
  const rec = loadRecord(ctx.root, args[0]!);
  if (statusOf(ctx.root, rec) === 'stopped')
    throw new BerthError('FailedPrecondition', 'container not running');
  // Berth has no Intel RDT support: on this runtime the feature is never enabled (runc's words).
  if (flags['l3-cache-schema'])
    throw new BerthError('FailedPrecondition', 'Intel RDT/CAT: l3 cache schema is not enabled');
  if (flags['mem-bw-schema'])
    throw new BerthError('FailedPrecondition', 'Intel RDT/MBA: memory bandwidth schema is not enabled');
  const source = flags.resources as string | undefined;
  const delta = source ? resourcesFromJson(source) : resourcesFromFlags(ctx, flags);
  for (const w of resourceWarnings(delta)) warn(ctx, w);
  const linux = rec.spec.linux ?? {};
  const old = linux.resources ?? {};
  const merged = checkResources(mergeResources(old, delta), 'linux.resources');
  const layout = hostLayout();
  const devices = delta.devices !== undefined;
  const toApply = devices ? { ...merged, devices: deviceRules({ ...linux, resources: merged }) } : merged;
  try {
    applyResources(rec.cgroupPaths, toApply, layout, { devices });
  } catch (err) {
    // Put back what was there, as runc does, so a half-applied update does not linger.
    try {
      applyResources(rec.cgroupPaths, old, layout, { devices: false });
    } catch {
      // the first error is the one to report
    }
    throw err;
  }
  // The record keeps the container's resources as they now are; `state`, later updates and `events`
  // read them from here.
  rec.spec = { ...rec.spec, linux: { ...linux, resources: merged } };
  saveRecord(ctx.root, rec);
  return 0;
}
