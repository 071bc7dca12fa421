// A shim's directory, <root>/<id>/ (native/shim/PROTOCOL.md "Directory"): the files the shim writes and
// the one the manager writes (shim.json), read back after a daemon restart.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../../base/atomic-write.js';
import { BerthError, wrap } from '../../base/errors.js';
import { parseExitStatus } from './connection.js';
import type { ExitStatus, ShimRecord } from './types.js';

/** The files of a shim directory. */
export const FILES = {
  record: 'shim.json',
  shimPid: 'shim.pid',
  containerPid: 'container.pid',
  attach: 'attach.sock',
  console: 'console.sock',
  exit: 'exit',
  fifo: 'exec.fifo',
  plan: 'plan',
  runtimeLog: 'runtime.log',
} as const;

/** sockaddr_un holds 108 bytes with the NUL: the runtime connects to <dir>/console.sock by its full path. */
const SUN_PATH_MAX = 107;

/** The directory of `id` under `root`; refuses a root whose socket paths would not fit in sun_path. */
export function shimDir(root: string, id: string): string {
  const dir = join(root, id);
  if (Buffer.byteLength(join(dir, FILES.console)) > SUN_PATH_MAX)
    throw new BerthError(
      'InvalidArgument',
      `shim root "${root}": "${join(dir, FILES.console)}" is longer than a unix socket path may be (${SUN_PATH_MAX} bytes)`,
    );
  return dir;
}

/** Writes shim.json atomically (the daemon may die at any moment). */
export function saveRecord(dir: string, rec: ShimRecord): void {
  atomicWriteFileSync(join(dir, FILES.record), JSON.stringify(rec), 0o600);
}

/** Reads shim.json, or throws NotFound. */
export function loadRecord(dir: string, id: string): ShimRecord {
  let text: string;
  try {
    text = readFileSync(join(dir, FILES.record), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new BerthError('NotFound', `container "${id}": no shim`);
    throw wrap(err, `container "${id}": read shim record`);
  }
  return JSON.parse(text) as ShimRecord;
}

/** The exit file, or undefined while the container runs. */
export function readExitFile(dir: string): ExitStatus | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, FILES.exit), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseExitStatus(text);
}

/** A decimal pid file's value, or 0. */
export function readPidFile(path: string): number {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

/** Ids of the directories under `root` that have a record. */
export function listShimIds(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.filter((name) => {
    try {
      readFileSync(join(root, name, FILES.record));
      return true;
    } catch {
      return false;
    }
  });
}
