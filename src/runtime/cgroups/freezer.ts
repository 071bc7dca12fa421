// Freezes and thaws a container's processes (pause/resume): the v1 freezer controller where it is
// mounted (cgroup-v1/freezer-subsystem.rst: freezer.state FROZEN / THAWED, FREEZING while in progress),
// else cgroup2's core freezer (cgroup-v2.rst: cgroup.freeze 1/0, and cgroup.events says "frozen 1" once
// every task has stopped). Both wait until the freeze is complete, as runc does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError } from '../../base/errors.js';
import { cgroupWriteError, readCgroupFile } from './apply.js';
import type { CgroupPaths } from './paths.js';

/** Which freezer a container's cgroups offer. */
type Freezer = { version: 1; dir: string } | { version: 2; dir: string } | undefined;

function freezerOf(paths: CgroupPaths): Freezer {
  if (paths.freezer !== undefined) return { version: 1, dir: paths.freezer };
  if (paths[''] !== undefined) return { version: 2, dir: paths[''] };
  return undefined;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks for `ms`: freezing is a short, blocking step of short-lived commands (kill --all calls it too). */
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function write(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (err) {
    throw cgroupWriteError(join(dir, file), value, err);
  }
}

/**
 * v1: a cgroup whose tasks keep forking can stay FREEZING; runc's answer (fs/freezer.go) is to retry,
 * and now and then thaw, pause and start over. The numbers are runc's.
 */
function freezeV1(dir: string): void {
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        write(dir, 'freezer.state', 'THAWED');
        sleep(10);
      }
      write(dir, 'freezer.state', 'FROZEN');
      if (i % 25 === 24) sleep(1);
      const state = (readCgroupFile(dir, 'freezer.state') ?? '').trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING')
        throw new BerthError('Internal', `cgroup: unexpected freezer state "${state}" while freezing`);
    }
    throw new BerthError('Unavailable', 'cgroup: unable to freeze');
  } catch (err) {
    // Never leave a cgroup half frozen.
    try {
      write(dir, 'freezer.state', 'THAWED');
    } catch {
      // the original error says more
    }
    throw err;
  }
}

/** v2: cgroup.events reports "frozen 1" once the freeze has reached every task. */
function freezeV2(dir: string): void {
  if (readCgroupFile(dir, 'cgroup.freeze') === undefined)
    throw new BerthError('FailedPrecondition', `cgroup: "${dir}" has no cgroup.freeze (needs Linux 5.2)`);
  write(dir, 'cgroup.freeze', '1');
  for (let i = 0; i < 1000; i++) {
    if (/^frozen 1$/m.test(readCgroupFile(dir, 'cgroup.events') ?? '')) return;
    sleep(10);
  }
  write(dir, 'cgroup.freeze', '0');
  throw new BerthError('Unavailable', 'cgroup: timeout of 10s reached waiting for the cgroup to freeze');
}

/** Freezes every process of the container and waits until they are all stopped. */
export async function freezeCgroups(paths: CgroupPaths): Promise<void> {
  const f = freezerOf(paths);
  if (!f)
    throw new BerthError('FailedPrecondition', 'cgroup: no freezer (neither the v1 controller nor cgroup2)');
  if (f.version === 1) await freezeV1(f.dir);
  else await freezeV2(f.dir);
}

/** Lets the container's processes run again. A missing cgroup is nothing to thaw. */
export function thawCgroups(paths: CgroupPaths): void {
  const f = freezerOf(paths);
  if (!f) return;
  if (f.version === 1) {
    if (readCgroupFile(f.dir, 'freezer.state') !== undefined) write(f.dir, 'freezer.state', 'THAWED');
  } else if (readCgroupFile(f.dir, 'cgroup.freeze') !== undefined) write(f.dir, 'cgroup.freeze', '0');
}

/** Whether the container is paused: frozen (or being frozen) by its freezer. */
export function isFrozen(paths: CgroupPaths): boolean {
  const f = freezerOf(paths);
  if (!f) return false;
  if (f.version === 1) {
    const state = (readCgroupFile(f.dir, 'freezer.state') ?? '').trim();
    return state === 'FROZEN' || state === 'FREEZING';
  }
  return (readCgroupFile(f.dir, 'cgroup.freeze') ?? '').trim() === '1';
}
