// Creates and removes a container's cgroups with the cgroupfs driver, on v1, v2 and hybrid hosts, and
// lists the processes in them.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BerthError } from '../../base/errors.js';
import type { Resources } from '../../oci/runtime-spec.js';
import type { CgroupDir } from '../plan/build.js';
import { applyResources, cgroupWriteError, readCgroupFile } from './apply.js';
import type { Layout } from './layout.js';
import type { CgroupPaths } from './paths.js';

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
      if (key === '' && layout.v2) enableControllers(layout.v2.mountpoint, dir);
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

/** `dir` and those of its ancestors that do not exist yet, outermost first. */
function missingAncestors(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  return missing;
}

/**
 * cgroup2 offers a controller's files in a cgroup only when its parent lists the controller in
 * cgroup.subtree_control (cgroup-v2.rst "Enabling and Disabling"): enable every available one on each
 * level above the container, as runc does. Levels are created as we go; refusals (a controller a
 * delegated subtree may not enable) are left for the write that needs it to report.
 */
function enableControllers(mountpoint: string, dir: string): void {
  const available = (readCgroupFile(mountpoint, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
  if (available.length === 0) return;
  let level = mountpoint;
  for (const part of relative(mountpoint, dirname(dir)).split('/').filter(Boolean).concat([''])) {
    const line = available.map((c) => `+${c}`).join(' ');
    try {
      writeFileSync(join(level, 'cgroup.subtree_control'), line);
    } catch {
      for (const c of available) {
        try {
          writeFileSync(join(level, 'cgroup.subtree_control'), `+${c}`);
        } catch {
          // not delegated here
        }
      }
    }
    if (part === '') break;
    level = join(level, part);
    if (!existsSync(level)) mkdirSync(level);
  }
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
      try {
        writeFileSync(join(dir, file), value);
      } catch (err) {
        throw cgroupWriteError(join(dir, file), value, err);
      }
    }
  }
}

/** The directory whose cgroup.procs best lists the container's processes. */
function procsDir(paths: CgroupPaths): string | undefined {
  return paths.pids ?? paths.freezer ?? paths.memory ?? paths[''] ?? Object.values(paths)[0];
}

/** Pids in a cgroup directory and every cgroup below it (runc's GetAllPids), in no particular order. */
function pidsUnder(dir: string, out: number[]): void {
  const text = readCgroupFile(dir, 'cgroup.procs');
  if (text === undefined) return;
  for (const line of text.split('\n')) if (line) out.push(Number(line));
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) pidsUnder(join(dir, e.name), out);
}

/** Pids in the container's cgroups, including any sub-cgroups it made. */
export function cgroupPids(paths: CgroupPaths): number[] {
  const dir = procsDir(paths);
  const out: number[] = [];
  if (dir) pidsUnder(dir, out);
  return out;
}

/** Whether the container's cgroup still exists. */
export function cgroupExists(paths: CgroupPaths): boolean {
  const dir = procsDir(paths);
  return dir !== undefined && existsSync(dir);
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Removes `dir` after the cgroups the container made below it, deepest first. */
function removeTree(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return tryRmdir(dir);
  }
  for (const e of entries) if (e.isDirectory()) removeTree(join(dir, e.name));
  return tryRmdir(dir);
}

/** Removes the container's cgroup directories; they must be empty of processes. */
export async function destroyCgroups(paths: CgroupPaths): Promise<void> {
  // A just-killed process can keep its cgroup busy for a moment after it is reaped.
  for (let attempt = 0; attempt < 50; attempt++) {
    const left = Object.values(paths).filter((dir) => !removeTree(dir));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  const left = Object.values(paths).filter((dir) => existsSync(dir));
  if (left.length) throw new BerthError('FailedPrecondition', `cgroup: cannot remove "${left[0]}": busy`);
}
