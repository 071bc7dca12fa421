// A container's record under --root: <root>/<id>/state.json (+ exec.fifo until started).
//
//   <root>/<id>/            mode 0711, made exclusively by create (an existing dir means the id is taken)
//     state.json            ContainerRecord, replaced atomically
//     exec.fifo             mode 0622; exists from create until start (status "created")
//
// Status is never stored: it is derived from the live process (pid + start time, so a reused pid reads
// as "stopped"), the fifo and the freezer, so it is truthful whatever happened since.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFileSync } from '../../base/atomic-write.js';
import { BerthError } from '../../base/errors.js';
import { OCI_VERSION, type Spec, type State } from '../../oci/runtime-spec.js';
import { isFrozen, type CgroupPaths } from '../cgroups/index.js';
import { isAlive } from './proc.js';

/** What berth-runtime remembers about a container. */
export interface ContainerRecord {
  id: string;
  bundle: string;
  rootfs: string;
  pid: number;
  /** /proc/<pid>/stat start time, to survive pid reuse. */
  startTime: string;
  /** RFC 3339 creation time. */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  cgroupPaths: CgroupPaths;
  /** The config as it was at create (later edits of config.json must not affect the container), with
   *  linux.resources as `update` last left them. */
  spec: Spec;
}

/** A container's status, as `state` reports it. */
export type Status = State['status'];

const ID_PATTERN = /^[\w+.-]+$/;

/** Rejects ids runc rejects (path separators, `.`/`..`, empty). */
export function checkId(id: string | undefined): string {
  if (!id) throw new BerthError('InvalidArgument', 'container id cannot be empty');
  if (!ID_PATTERN.test(id) || id === '.' || id === '..')
    throw new BerthError('InvalidArgument', `invalid container id format: "${id}"`);
  return id;
}

/** The state directory of `id` under `root`. */
export function stateDir(root: string, id: string): string {
  return join(root, checkId(id));
}

/** Makes the state directory; fails if the id is taken. */
export function makeStateDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = stateDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BerthError('AlreadyExists', `container with id "${id}" already exists`);
    throw err;
  }
  return dir;
}

/** Saves the record atomically. The state dir lives on tmpfs-like storage: no fsync needed. */
export function saveRecord(root: string, rec: ContainerRecord): void {
  atomicWriteFileSync(join(stateDir(root, rec.id), 'state.json'), JSON.stringify(rec), 0o600, false);
}

/** Loads a container's record, or throws NotFound. */
export function loadRecord(root: string, id: string): ContainerRecord {
  const dir = stateDir(root, id);
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ContainerRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (existsSync(dir))
        throw new BerthError('FailedPrecondition', `container "${id}" is still being created`);
      throw new BerthError('NotFound', `container "${id}" does not exist`);
    }
    throw new BerthError('Internal', `container "${id}": unreadable state: ${(err as Error).message}`);
  }
}

/** Ids of every container under `root` (including ones still being created). */
export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && ID_PATTERN.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Removes the state directory. */
export function removeStateDir(root: string, id: string): void {
  // The directory is flat (state.json, exec.fifo): unlink and rmdir, cheaper than a recursive rm.
  const dir = stateDir(root, id);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) unlinkSync(join(dir, name));
  rmdirSync(dir);
}

/** The container's status, derived from the live process, the freezer and the exec fifo. */
export function statusOf(root: string, rec: ContainerRecord): Status {
  if (!rec.pid || !isAlive(rec.pid, rec.startTime)) return 'stopped';
  // runc's order: a frozen container is "paused" even before start (runc pauses created containers too).
  if (isFrozen(rec.cgroupPaths)) return 'paused';
  if (existsSync(join(stateDir(root, rec.id), 'exec.fifo'))) return 'created';
  return 'running';
}

/** The OCI state JSON of a container (runtime.md "State"), with runc's extra fields. */
export function ociState(
  root: string,
  rec: ContainerRecord,
): State & { rootfs: string; created: string; owner: string } {
  const status = statusOf(root, rec);
  return {
    ociVersion: OCI_VERSION,
    id: rec.id,
    pid: status === 'stopped' ? 0 : rec.pid,
    status,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: rec.owner,
    annotations: rec.annotations,
  };
}
