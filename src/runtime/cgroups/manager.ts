// Creates, fills and removes a container's cgroups with the cgroupfs driver, on v1, v2 and hybrid hosts.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, invalid, messageOf } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';
import type { CgroupDir } from '../plan/build.js';
import { parseProcCgroup, type Layout } from './layout.js';
import { v1Writes, v2Writes } from './resources.js';

/** Hierarchy key (`memory`, `cpu`, `name=systemd`, or '' for cgroup2) → the container's directory. */
export type CgroupPaths = Record<string, string>;

/** The container's cgroup directories for `cgroupsPath` (absolute, or relative to the runtime's own cgroup). */
export function resolveCgroupPaths(
  cgroupsPath: string | undefined,
  id: string,
  layout: Layout,
  own: Map<string, string> = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8')),
): CgroupPaths {
  const path = cgroupsPath && cgroupsPath !== '' ? cgroupsPath : `/${id}`;
  const paths: CgroupPaths = {};
  const at = (key: string, mountpoint: string): string =>
    path.startsWith('/') ? join(mountpoint, path) : join(mountpoint, own.get(key) ?? '/', path);
  for (const h of layout.v1) {
    const key = h.controllers.join(',');
    paths[key] = at(h.controllers[0]!, h.mountpoint);
  }
  if (layout.v2) paths[''] = at('', layout.v2.mountpoint);
  return paths;
}

/** Which hierarchy key holds a v1 controller. */
function keyOf(paths: CgroupPaths, controller: string): string | undefined {
  return Object.keys(paths).find((k) => k.split(',').includes(controller));
}

/** Creates the directories and applies `resources`; returns the directories to join. */
export function createCgroups(
  paths: CgroupPaths,
  resources: Resources | undefined,
  layout: Layout,
): CgroupDir[] {
  const made: string[] = [];
  try {
    for (const [key, dir] of Object.entries(paths)) {
      const missing = missingAncestors(dir);
      mkdirSync(dir, { recursive: true });
      made.push(...missing);
      if (key.split(',').includes('cpuset')) inheritCpuset(missing);
    }
    applyResources(paths, resources, layout);
  } catch (err) {
    for (const dir of made.reverse()) tryRmdir(dir);
    throw err;
  }
  return Object.entries(paths).map(([key, path]) => ({ path, version: key === '' ? 2 : 1 }));
}

/** Writes `resources` into existing cgroups (create and `update`). */
export function applyResources(paths: CgroupPaths, resources: Resources | undefined, layout: Layout): void {
  if (layout.unifiedOnly) {
    for (const w of v2Writes(resources)) writeCgroupFile(paths[''] ?? '', w.file, w.value);
    return;
  }
  for (const w of v1Writes(resources)) {
    const key = keyOf(paths, w.controller);
    if (key === undefined) {
      // On a hybrid host a controller missing from v1 may live in the cgroup2 mount.
      const v2 = v2Writes(resources).find((x) => x.file.startsWith(`${w.controller}.`));
      if (paths[''] !== undefined && v2) {
        writeCgroupFile(paths[''], v2.file, v2.value);
        continue;
      }
      throw invalid('linux.resources', `the ${w.controller} cgroup controller is not available on this host`);
    }
    writeCgroupFile(paths[key]!, w.file, w.value);
  }
}

function writeCgroupFile(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (err) {
    throw new BerthError(
      'InvalidArgument',
      `cgroup: write "${value}" to "${join(dir, file)}": ${messageOf(err)}`,
    );
  }
}

/** `dir` and those of its ancestors that do not exist yet, outermost first. */
function missingAncestors(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  return missing;
}

/**
 * A new v1 cpuset cgroup starts with empty cpus and mems and refuses tasks, and a child may only hold
 * a subset of its parent's: fill each new level from its parent, outermost first (as runc does).
 */
function inheritCpuset(created: string[]): void {
  for (const dir of created) {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(dir, file), 'utf8').trim() !== '') continue;
      const value = readFileSync(join(dirname(dir), file), 'utf8').trim();
      writeCgroupFile(dir, file, value);
    }
  }
}

/** Pids in the container's cgroups. */
export function cgroupPids(paths: CgroupPaths): number[] {
  const dir = paths.pids ?? paths[''] ?? Object.values(paths)[0];
  if (!dir) return [];
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Removes the container's cgroup directories; they must be empty of processes. */
export async function destroyCgroups(paths: CgroupPaths): Promise<void> {
  // A just-killed process can keep its cgroup busy for a moment after it is reaped.
  for (let attempt = 0; attempt < 50; attempt++) {
    const left = Object.values(paths).filter((dir) => !tryRmdir(dir));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  const left = Object.values(paths).filter((dir) => existsSync(dir));
  if (left.length) throw new BerthError('FailedPrecondition', `cgroup: cannot remove "${left[0]}": busy`);
}
