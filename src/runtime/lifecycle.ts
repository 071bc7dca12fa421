// The container lifecycle of runtime.md: create, start, kill, destroy — shared by the commands.
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  openSync,
  readSync,
  readFileSync,
  statSync,
  unlinkSync,
  existsSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../base/atomic-write.js';
import { BerthError, messageOf, wrap } from '../base/errors.js';
import { native } from '../base/native.js';
import type { Spec } from '../oci/runtime-spec.js';
import { validateSpec } from '../oci/validate.js';
import { deviceRules } from './cgroups/devices.js';
import { hostLayout } from './cgroups/layout.js';
import {
  cgroupPids,
  createCgroups,
  destroyCgroups,
  resolveCgroupPaths,
  type CgroupPaths,
} from './cgroups/manager.js';
import type { RuntimeContext } from './context.js';
import { launchInit, type InitHandle } from './init-process.js';
import { buildPlan, type CgroupMountSource } from './plan/build.js';
import { encodePlan } from './plan/encode.js';
import { isAlive, procStat } from './state/proc.js';
import {
  loadRecord,
  makeStateDir,
  removeStateDir,
  saveRecord,
  stateDir,
  statusOf,
  type ContainerRecord,
} from './state/store.js';

/** Options of `create` (and of `run`). */
export interface CreateOptions {
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds: number;
  noPivot: boolean;
  /** `run` keeps berth-init as the container's parent (foreground). */
  foreground: boolean;
}

/** Reads and validates <bundle>/config.json. */
export function readSpec(bundle: string): Spec {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw wrap(err, `read "${path}"`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BerthError('InvalidArgument', `config.json: invalid JSON: ${messageOf(err)}`);
  }
  return validateSpec(raw);
}

/** The hierarchies a `cgroup` mount shows, each with the container's own directory in it. */
export function cgroupMountSources(paths: CgroupPaths): CgroupMountSource[] {
  const layout = hostLayout();
  if (layout.unifiedOnly) return [{ name: '', fstype: 'cgroup2', data: '', hostPath: paths['']! }];
  const sources: CgroupMountSource[] = layout.v1.map((h) => {
    const key = h.controllers.join(',');
    const data = key.startsWith('name=') ? `none,${key}` : key;
    return { name: basename(h.mountpoint), fstype: 'cgroup', data, hostPath: paths[key]! };
  });
  if (layout.v2)
    sources.push({ name: basename(layout.v2.mountpoint), fstype: 'cgroup2', data: '', hostPath: paths['']! });
  return sources;
}

/** Whether a bind source is a directory (PlanInput.isDirectory); a missing one counts as a directory. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return true; // missing sources fail at mount time with the kernel's word
  }
}

/** Creates the container up to the exec fifo (runtime.md "Create"); leaves nothing behind on failure. */
export async function createContainer(
  ctx: RuntimeContext,
  id: string,
  opts: CreateOptions,
): Promise<{ rec: ContainerRecord; init: InitHandle }> {
  const bundle = resolve(opts.bundle);
  const spec = readSpec(bundle);
  const proc = spec.process!;
  if (proc.terminal && !opts.consoleSocket && !opts.foreground)
    throw new BerthError(
      'InvalidArgument',
      'process.terminal: a terminal needs --console-socket when detached',
    );
  if (!proc.terminal && opts.consoleSocket)
    throw new BerthError(
      'InvalidArgument',
      '--console-socket: process.terminal is false, there is no terminal to send',
    );
  const rootfs = resolve(bundle, spec.root!.path);
  if (!existsSync(rootfs)) throw new BerthError('InvalidArgument', `root.path: "${rootfs}" does not exist`);
  if (ctx.systemdCgroup && !existsSync('/run/systemd/system'))
    throw new BerthError('FailedPrecondition', '--systemd-cgroup: systemd is not running on this host');

  const dir = makeStateDir(ctx.root, id);
  let pid = 0;
  let cgroupPaths: CgroupPaths = {};
  let cgroupsMade = false;
  try {
    const fifo = join(dir, 'exec.fifo');
    native().mkfifo(fifo, 0o622);
    // The umask must not narrow it: a container whose user is not root opens it after dropping privileges.
    chmodSync(fifo, 0o622);
    const layout = hostLayout();
    cgroupPaths = resolveCgroupPaths(spec.linux?.cgroupsPath, id, layout);
    const resources = { ...spec.linux?.resources, devices: deviceRules(spec.linux) };
    const cgroups = createCgroups(cgroupPaths, resources, layout);
    cgroupsMade = true;
    const steps = buildPlan({
      spec,
      bundle,
      stateDir: dir,
      consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
      preserveFds: opts.preserveFds,
      noPivot: opts.noPivot,
      cgroups,
      cgroupMounts: cgroupMountSources(cgroupPaths),
      isDirectory,
    });
    const init = launchInit(opts.foreground ? 'run' : 'create', encodePlan(steps), opts.preserveFds);
    pid = init.pid;
    const stat = procStat(pid);
    if (!stat) throw new BerthError('Internal', `container process ${pid} exited during create`);
    const rec: ContainerRecord = {
      id,
      bundle,
      rootfs,
      pid,
      startTime: stat.startTime,
      created: new Date().toISOString(),
      owner: process.getuid?.() === 0 ? 'root' : String(process.getuid?.()),
      annotations: spec.annotations ?? {},
      cgroupPaths,
      spec,
    };
    saveRecord(ctx.root, rec);
    if (opts.pidFile) atomicWriteFileSync(resolve(opts.pidFile), String(pid), 0o644, false);
    return { rec, init };
  } catch (err) {
    if (pid) await killAndWait(pid, cgroupPaths);
    if (cgroupsMade) await destroyCgroups(cgroupPaths).catch(() => undefined);
    removeStateDir(ctx.root, id);
    throw err;
  }
}

/** Releases a created container's process into its program (runtime.md "Start"). */
export function startContainer(ctx: RuntimeContext, id: string): ContainerRecord {
  const rec = loadRecord(ctx.root, id);
  const status = statusOf(ctx.root, rec);
  if (status === 'stopped')
    throw new BerthError('FailedPrecondition', 'cannot start a container that has stopped');
  if (status !== 'created')
    throw new BerthError('FailedPrecondition', `cannot start an already ${status} container`);
  const fifo = join(stateDir(ctx.root, id), 'exec.fifo');
  // Non-blocking: never hang on a container that died. Our open completes the writer's blocked open;
  // until it has written its byte a read says EAGAIN (or EOF before it has opened).
  const fd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      let n = 0;
      try {
        n = readSync(fd, buf, 0, 1, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (n === 1) break;
      if (!isAlive(rec.pid, rec.startTime))
        throw new BerthError('FailedPrecondition', 'cannot start a container that has stopped');
      sleepSync(1);
    }
  } finally {
    closeSync(fd);
  }
  unlinkSync(fifo);
  return rec;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (commands are short-lived and single-purpose). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Sends `signal` to the container's process (or, with `all`, to every process in its cgroup). */
export function signalContainer(rec: ContainerRecord, signal: number, all: boolean): void {
  const pids = all ? cgroupPids(rec.cgroupPaths) : [rec.pid];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw wrap(err, `kill ${pid}`);
    }
  }
}

/** SIGKILLs the process (and what is left in its cgroup) and waits until it is gone. */
export async function killAndWait(pid: number, paths: CgroupPaths, startTime?: string): Promise<void> {
  const stat = procStat(pid);
  const start = startTime ?? stat?.startTime ?? '';
  for (const p of [pid, ...cgroupPids(paths)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 2000 && isAlive(pid, start); i++) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 200 && cgroupPids(paths).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
}

/** Undoes create (runtime.md lifecycle step 12): cgroups and state. The process must be gone. */
export async function destroyContainer(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  await destroyCgroups(rec.cgroupPaths);
  removeStateDir(ctx.root, rec.id);
}
