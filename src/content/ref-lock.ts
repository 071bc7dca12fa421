// Locks that keep one writer per ingest ref (and per expected digest), within this process and across
// processes. A lock is a file <dir>/<sha256 of name> created with O_EXCL holding the owner's pid and
// start time (field 22 of /proc/<pid>/stat), so a lock left by a killed writer is recognised as stale
// (its owner is gone, or the pid now names another process) and broken, which is what lets a crashed
// ingest resume. Two live processes breaking the same stale lock at the same instant could both win;
// Berth has one daemon per root, so that window is accepted rather than needing flock(2).
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../base/native.js';
import { digestOf } from './digest.js';

/** Lock files this process holds, by path: a second store object over the same root sees them too. */
const heldHere = new Set<string>();

/** How long an unreadable lock file (its owner crashed between create and write) must sit to be stale. */
const UNREADABLE_STALE_MS = 10_000;

/** The contents of a lock file. */
interface LockOwner {
  pid: number;
  start: string;
  name: string;
}

/** A held lock; release it exactly once. */
export interface HeldLock {
  /** The lock's name (e.g. `ref "x"`). */
  readonly name: string;
  /** Gives the lock up. Idempotent. */
  release(): void;
}

/** A directory of named locks. */
export class LockDir {
  constructor(readonly dir: string) {}

  /** Takes the lock `name`, or returns null when someone else (alive) holds it. */
  tryAcquire(name: string): HeldLock | null {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, digestOf(name).slice('sha256:'.length));
    if (heldHere.has(path)) return null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, JSON.stringify(ownerRecord(name)), { flag: 'wx', mode: 0o600 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (!isStale(path)) return null;
        removeIfPresent(path);
        continue;
      }
      heldHere.add(path);
      let released = false;
      return {
        name,
        release: () => {
          if (released) return;
          released = true;
          heldHere.delete(path);
          removeIfPresent(path);
        },
      };
    }
    return null;
  }
}

let selfStart: string | undefined;

function ownerRecord(name: string): LockOwner {
  selfStart ??= String(native().processStartTime(process.pid));
  return { pid: process.pid, start: selfStart, name };
}

/** Whether the lock file at `path` was left by a process that no longer runs. */
function isStale(path: string): boolean {
  let owner: LockOwner;
  try {
    owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // released meanwhile: retry
    try {
      return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true;
    }
  }
  const start = native().processStartTime(owner.pid);
  return start === null || String(start) !== owner.start;
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
