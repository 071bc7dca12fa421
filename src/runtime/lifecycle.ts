// The container lifecycle of runtime.md: create, start, kill, destroy — shared by the commands.
import { closeSync, constants as fsConstants, openSync, readSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicWriteFileSync } from '../base/atomic-write.js';
import { BerthError, wrap } from '../base/errors.js';
import {
  cgroupPids,
  destroyCgroups,
  freezeCgroups,
  isFrozen,
  thawCgroups,
  type CgroupPaths,
} from './cgroups/index.js';
import { warn, type RuntimeContext } from './context.js';
import { runPoststart, runPoststop } from './hooks.js';
import { launchInit, type InitHandle } from './init-process.js';
import { encodePlan } from './plan/encode.js';
import { readSpec, setUpContainer, type ContainerSetup } from './setup.js';
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
  const dir = makeStateDir(ctx.root, id);
  let pid = 0;
  let setup: ContainerSetup | undefined;
  let launched = false;
  try {
    setup = setUpContainer({
      id,
      bundle,
      spec,
      fifoDir: dir,
      consoleSocket: opts.consoleSocket ? resolve(opts.consoleSocket) : undefined,
      preserveFds: opts.preserveFds,
      noPivot: opts.noPivot,
      systemdCgroup: ctx.systemdCgroup,
      seccompCache: ctx.root,
      warn: (msg) => warn(ctx, msg),
    });
    const { rootfs, cgroupPaths, steps } = setup;
    launched = true;
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
    if (pid) await killAndWait(pid, setup?.cgroupPaths ?? {});
    if (setup) await destroyCgroups(setup.cgroupPaths).catch(() => undefined);
    removeStateDir(ctx.root, id);
    // The container's environment was (partly) made, so it is destroyed as runtime.md step 12 says, and
    // step 13's poststop hooks follow (a failed prestart/createRuntime/createContainer hook lands here).
    if (launched) runPoststop(ctx, { id, bundle, annotations: spec.annotations ?? {}, spec, pid });
    throw err;
  }
}

/**
 * Releases a created container's process into its program (runtime.md "Start"), then runs the poststart
 * hooks. The process keeps exec.fifo open until its execve: EOF there means the program runs; text after
 * the byte is why it could not (a startContainer hook, the execve), and the process has exited.
 */
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
  let failure = '';
  try {
    for (;;) {
      if (readFifoByte(fd)) break;
      // A short program may have been released, run and exited between that read and this check: then
      // its byte is waiting in the fifo, and the container did start.
      if (!isAlive(rec.pid, rec.startTime) && !readFifoByte(fd))
        throw new BerthError('FailedPrecondition', 'cannot start a container that has stopped');
      sleepSync(1);
    }
    failure = readToEof(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(fifo);
  if (failure) throw new BerthError('FailedPrecondition', failure);
  try {
    runPoststart(rec);
  } catch (err) {
    // runtime.md step 9: a failing poststart hook stops the container (delete then destroys it).
    signalContainer(rec, 9, true);
    throw err;
  }
  return rec;
}

/** One non-blocking read of the exec fifo: whether the container's byte was there. */
function readFifoByte(fd: number): boolean {
  try {
    return readSync(fd, Buffer.alloc(1), 0, 1, null) === 1;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    return false;
  }
}

/** What the container process writes after the start byte until it execs (EOF) or fails and exits. */
function readToEof(fd: number): string {
  const buf = Buffer.alloc(4096);
  let text = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      sleepSync(1);
      continue;
    }
    if (n === 0) return text;
    text += buf.toString('utf8', 0, n);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (commands are short-lived and single-purpose). */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

const SIGKILL = 9;

/**
 * Sends `signal` to the container's process (or, with `all`, to every process in its cgroup). As runc:
 * `all` freezes the cgroup while it signals, so no process forks past the signal; a frozen process only
 * acts on a signal once thawed, so SIGKILL thaws a paused container, other signals leave it paused.
 */
export function signalContainer(rec: ContainerRecord, signal: number, all: boolean): void {
  const paused = isFrozen(rec.cgroupPaths);
  if (all && !paused) {
    try {
      freezeCgroups(rec.cgroupPaths);
    } catch {
      // No freezer: signal anyway, as runc does (it only warns).
    }
  }
  try {
    for (const pid of all ? cgroupPids(rec.cgroupPaths) : [rec.pid]) {
      try {
        process.kill(pid, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw wrap(err, `kill ${pid}`);
      }
    }
  } finally {
    if ((all && !paused) || signal === SIGKILL) thawCgroups(rec.cgroupPaths);
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
  // A frozen process dies of SIGKILL only once thawed (v1 freezer): a paused container must go too.
  thawCgroups(paths);
  for (let i = 0; i < 2000 && isAlive(pid, start); i++) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 200 && cgroupPids(paths).length > 0; i++) await new Promise((r) => setTimeout(r, 5));
}

/** Undoes create (runtime.md lifecycle step 12): cgroups and state; then the poststop hooks (step 13). */
export async function destroyContainer(ctx: RuntimeContext, rec: ContainerRecord): Promise<void> {
  await destroyCgroups(rec.cgroupPaths);
  removeStateDir(ctx.root, rec.id);
  runPoststop(ctx, rec);
}
