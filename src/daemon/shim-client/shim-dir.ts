// A shim's directory (native/shim/PROTOCOL.md "Directory"): <root>/<id>/ for a container, and
// <root>/<id>/exec/<execId>/ for a process exec'd in it. Holds the files the shim writes and the one the
// manager writes (shim.json), read back after a daemon restart. A shim's *key* is `<id>` or `<id>/<execId>`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../../base/atomic-write.js';
import { BerthError, wrap } from '../../base/errors.js';
import { checkId } from '../../runtime/index.js';
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
  execs: 'exec',
  process: 'process.json',
} as const;

/** sockaddr_un holds 108 bytes with the NUL: the runtime connects to <dir>/console.sock by its full path. */
const SUN_PATH_MAX = 107;

/** The directory of a shim key under `root`; refuses a bad id and paths too long for its sockets. */
export function keyDir(root: string, key: string): string {
  const parts = key.split('/');
  if (parts.length > 2)
    throw new BerthError('InvalidArgument', `shim key "${key}": not <id> or <id>/<execId>`);
  const dir =
    parts.length === 2
      ? join(root, checkId(parts[0]), FILES.execs, checkId(parts[1]))
      : join(root, checkId(key));
  if (Buffer.byteLength(join(dir, FILES.console)) > SUN_PATH_MAX)
    throw new BerthError(
      'InvalidArgument',
      `shim root "${root}": "${join(dir, FILES.console)}" is longer than a unix socket path may be (${SUN_PATH_MAX} bytes)`,
    );
  return dir;
}

/** Writes shim.json atomically (the daemon may die at any moment). */
export function saveRecord(dir: string, rec: ShimRecord): Promise<void> {
  // Not fsynced: the shim directory is run-time state (DESIGN.md "State on disk": /run, a tmpfs, gone at
  // reboot); the rename alone keeps it whole across a daemon crash, and an fsync cost 3 ms per write here.
  return atomicWriteFile(join(dir, FILES.record), JSON.stringify(rec), 0o600, false);
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

/** Names of the directories under `dir` that hold a record. */
function withRecords(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => existsSync(join(dir, name, FILES.record)));
}

/** Container ids of the shims under `root`. */
export function listShimIds(root: string): string[] {
  return withRecords(root);
}

/** Keys (`<id>/<execId>`) of the exec shims of container `id`. */
export function listExecKeys(root: string, id: string): string[] {
  return withRecords(join(root, id, FILES.execs)).map((execId) => `${id}/${execId}`);
}
