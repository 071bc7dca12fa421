// Starts native/init (berth-init) with a plan and waits for it to report the container's pid.
// It is started through the addon rather than child_process: a runtime command is short-lived, and
// loading child_process alone costs it about 8 ms.
import { closeSync, read, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, messageOf } from '../base/errors.js';
import { native } from '../base/native.js';
import { packageRoot } from '../base/package-root.js';

/** A started berth-init and the container it made. */
export interface InitHandle {
  /** The container process (pid in the runtime's pid namespace). */
  pid: number;
  /** berth-init itself: in `run` mode it lives until the container exits. */
  initPid: number;
  /** Resolves with berth-init's exit status: the container's status in `run` mode. */
  exited: Promise<number>;
}

/** Path of the berth-init executable. */
export function initPath(): string {
  return process.env.BERTH_INIT ?? join(packageRoot(), 'native', 'build', 'berth-init');
}

/**
 * Runs berth-init in `mode` with `plan` and returns once it has reported (PLAN.md "Invocation"). fds
 * 3..3+preserveFds-1 of this process are passed through to the container at the same numbers; the plan
 * and sync pipes follow them.
 */
export function launchInit(mode: 'create' | 'run', plan: Buffer, preserveFds: number): InitHandle {
  // In run mode berth-init gets its own session: terminal signals reach only us, and we forward them once.
  const { initPid, syncRead, msg } = startInit([mode], plan, preserveFds, mode === 'run');
  const n = native();
  if (msg?.pid === undefined || mode === 'create') {
    closeSync(syncRead);
    const status = n.waitpid(initPid, false);
    if (msg?.error !== undefined) throw new BerthError('InvalidArgument', msg.error);
    if (msg?.pid === undefined)
      throw new BerthError('Internal', `berth-init exited with status ${status} without reporting`);
    return { pid: msg.pid, initPid, exited: Promise.resolve(status) };
  }
  return { pid: msg.pid, initPid, exited: untilExit(syncRead, initPid) };
}

/**
 * Runs a plan of RUNTIME_HOOK records with `berth-init hooks` for container `pid` (PLAN.md "Invocation"),
 * so that poststart and poststop hooks run exactly as the create-time ones do. Throws the first failure.
 */
export function runHooksWithInit(plan: Buffer, pid: number): void {
  const { initPid, syncRead, msg } = startInit(['hooks', '--pid', String(pid)], plan, 0, false);
  closeSync(syncRead);
  const status = native().waitpid(initPid, false);
  if (msg?.error !== undefined) throw new BerthError('FailedPrecondition', msg.error);
  if (msg?.pid === undefined)
    throw new BerthError('Internal', `berth-init exited with status ${status} without reporting`);
}

/**
 * Spawns `berth-init <args> --plan-fd P --sync-fd S` with fds 0..2+preserveFds passed through, writes the
 * plan and reads the first report line (undefined when it is not JSON). The sync pipe stays open.
 */
function startInit(
  args: string[],
  plan: Buffer,
  preserveFds: number,
  setsid: boolean,
): { initPid: number; syncRead: number; msg: { pid?: number; error?: string } | undefined } {
  const n = native();
  const [planRead, planWrite] = n.pipe();
  const [syncRead, syncWrite] = n.pipe();
  const fds = [0, 1, 2];
  for (let fd = 3; fd < 3 + preserveFds; fd++) fds.push(fd);
  const planFd = fds.length;
  fds.push(planRead, syncWrite);
  const path = initPath();
  let initPid: number;
  try {
    const argv = [path, ...args, '--plan-fd', String(planFd), '--sync-fd', String(planFd + 1)];
    initPid = n.spawn(path, argv, fds, setsid);
  } catch (err) {
    for (const fd of [planWrite, syncRead]) closeSync(fd);
    throw new BerthError('Internal', `start berth-init "${path}": ${messageOf(err)}`);
  } finally {
    closeSync(planRead);
    closeSync(syncWrite);
  }
  writePlan(planWrite, plan);
  const line = readLineSync(syncRead);
  try {
    return { initPid, syncRead, msg: JSON.parse(line) as { pid?: number; error?: string } };
  } catch {
    return { initPid, syncRead, msg: undefined };
  }
}

/** Writes the whole plan and closes the pipe; berth-init may refuse it before reading it all (EPIPE). */
function writePlan(fd: number, plan: Buffer): void {
  try {
    for (let off = 0; off < plan.length;) off += writeSync(fd, plan, off);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
  } finally {
    closeSync(fd);
  }
}

/** The first line on the sync pipe: berth-init writes exactly one before it exits or goes on waiting. */
function readLineSync(fd: number): string {
  const buf = Buffer.alloc(4096);
  let text = '';
  for (;;) {
    const got = readSync(fd, buf, 0, buf.length, null);
    if (got === 0) return text;
    text += buf.toString('utf8', 0, got);
    const nl = text.indexOf('\n');
    if (nl >= 0) return text.slice(0, nl);
  }
}

/** In run mode berth-init holds the sync pipe until it exits: its EOF means the status is ready. */
function untilExit(fd: number, initPid: number): Promise<number> {
  return new Promise((resolve) => {
    const buf = Buffer.alloc(64);
    const next = (): void =>
      read(fd, buf, 0, buf.length, null, (err, got) => {
        if (!err && got > 0) return next();
        closeSync(fd);
        resolve(native().waitpid(initPid, false));
      });
    next();
  });
}

/** Signals a foreground `run` or `exec` passes on to the container's process. */
const FORWARDED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

/**
 * Catches the signals a foreground `run` or `exec` passes on. Made before berth-init is started: a signal
 * that came before the process existed would otherwise kill this runtime (Node's default) and orphan the
 * process. Signals are held until `waitForeground` names the target, then passed on in order.
 */
export class SignalForwarder {
  private target: { pid: number; initPid: number } | undefined;
  private readonly held: NodeJS.Signals[] = [];
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    if (this.target) this.send(sig);
    else this.held.push(sig);
  };

  constructor() {
    for (const sig of FORWARDED) process.on(sig, this.onSignal);
  }

  /** From now on, passes signals to `pid` (SIGWINCH to berth-init, which owns the terminal proxy). */
  forwardTo(pid: number, initPid: number): void {
    this.target = { pid, initPid };
    for (const sig of this.held.splice(0)) this.send(sig);
  }

  /** Stops catching. */
  close(): void {
    for (const sig of FORWARDED) process.off(sig, this.onSignal);
  }

  private send(sig: NodeJS.Signals): void {
    try {
      process.kill(sig === 'SIGWINCH' ? this.target!.initPid : this.target!.pid, sig);
    } catch {
      // the process is already gone
    }
  }
}

/**
 * Waits for a `run`-mode berth-init to exit, passing on the signals this process gets meanwhile (and
 * those `forwarder` held since before it started); returns its status. berth-init sits in its own
 * session, so each signal arrives once, here.
 */
export async function waitForeground(
  init: InitHandle,
  pid: number,
  forwarder: SignalForwarder,
): Promise<number> {
  forwarder.forwardTo(pid, init.initPid);
  try {
    return await init.exited;
  } finally {
    forwarder.close();
  }
}
