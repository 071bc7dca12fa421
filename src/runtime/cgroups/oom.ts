// OOM notifications for `events`. v1: an eventfd registered for memory.oom_control through
// cgroup.event_control (cgroup-v1/memory.rst "OOM Control"; the kernel signals it on every OOM in the
// cgroup, and once more when the cgroup is removed). v2: the oom_kill counter of memory.events
// (cgroup-v2.rst). Both are polled by the caller, so one loop serves stats and OOM alike.
import { closeSync, constants, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../../base/native.js';
import { readCgroupFile, v1Key } from './apply.js';
import type { Layout } from './layout.js';
import type { CgroupPaths } from './paths.js';
import { parseKeyValues } from './stats-v1.js';

/** Watches a container's memory cgroup for OOM events. */
export interface OomWatcher {
  /** How many OOM events happened since the last call. */
  poll(): number;
  /** Releases the watcher's fds. */
  close(): void;
}

function v1Watcher(dir: string): OomWatcher {
  const n = native();
  const efd = n.eventfd(0, n.EFD_NONBLOCK);
  let ofd = -1;
  try {
    ofd = openSync(join(dir, 'memory.oom_control'), constants.O_RDONLY);
    writeFileSync(join(dir, 'cgroup.event_control'), `${efd} ${ofd}`);
  } catch (err) {
    closeSync(efd);
    if (ofd >= 0) closeSync(ofd);
    throw err;
  }
  const buf = Buffer.alloc(8);
  return {
    poll(): number {
      try {
        readSync(efd, buf, 0, 8, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
        throw err;
      }
      // A signal after the cgroup went away is its removal, not an OOM (runc checks the same way).
      return existsSync(join(dir, 'cgroup.event_control')) ? 1 : 0;
    },
    close(): void {
      closeSync(efd);
      closeSync(ofd);
    },
  };
}

function v2Watcher(dir: string): OomWatcher {
  const count = (): bigint => parseKeyValues(readCgroupFile(dir, 'memory.events')).oom_kill ?? 0n;
  let seen = count();
  return {
    poll(): number {
      const now = count();
      const n = Number(now - seen);
      seen = now;
      return n > 0 ? n : 0;
    },
    close(): void {},
  };
}

/** A watcher for the container's memory cgroup, or undefined when the host has no memory controller. */
export function watchOom(paths: CgroupPaths, layout: Layout): OomWatcher | undefined {
  const key = layout.unifiedOnly ? undefined : v1Key(paths, 'memory');
  if (key !== undefined) return v1Watcher(paths[key]!);
  const v2dir = paths[''];
  if (v2dir && readCgroupFile(v2dir, 'memory.events') !== undefined) return v2Watcher(v2dir);
  return undefined;
}
