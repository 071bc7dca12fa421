// Starts berth-shim and waits for its one line on the sync fd (fd 3): {"pid":N} once the container is
// created, or {"error":"..."} (native/shim/PROTOCOL.md "Sync fd"). The process we start exits as soon as
// the detached shim runs; the shim itself is never our child.
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, messageOf } from '../../base/errors.js';
import { native } from '../../base/native.js';
import { envList, readPipe, reap } from '../../base/run-program.js';
import type { CreateOptions, LogOptions, ShimRuntime } from './types.js';

/** Everything berth-shim's command line carries. */
export interface ShimCommand {
  shim: string;
  id: string;
  dir: string;
  runtime: ShimRuntime;
  /** Built-in path: berth-init and the plan file. */
  init?: string;
  plan?: string;
  /** OCI path: a process.json to `exec` in the running container instead of creating one. */
  execProcess?: string;
  bundle: string;
  terminal: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  log?: LogOptions;
}

/** berth-shim's arguments (PROTOCOL.md "Command line"); the sync fd is always 3. */
export function shimArgs(c: ShimCommand): string[] {
  const args = ['--id', c.id, '--dir', c.dir, '--sync-fd', '3'];
  if (c.runtime.kind === 'oci') {
    args.push('--runtime', c.runtime.path, '--bundle', c.bundle);
    if (c.runtime.root) args.push('--runtime-root', c.runtime.root);
    for (const a of c.runtime.args ?? []) args.push(`--runtime-arg=${a}`);
    if (c.execProcess) args.push('--exec-process', c.execProcess);
  } else {
    args.push('--init', c.init!, '--plan', c.plan!);
  }
  if (c.terminal) args.push('--terminal');
  if (c.stdin) args.push('--stdin');
  if (c.stdinOnce) args.push('--stdin-once');
  if (c.log) {
    args.push('--log-path', c.log.path, '--log-format', c.log.format);
    if (c.log.maxSize) args.push('--log-max-size', String(c.log.maxSize));
    if (c.log.maxFiles) args.push('--log-max-files', String(c.log.maxFiles));
    if (c.log.maxLine) args.push('--log-max-line', String(c.log.maxLine));
  }
  return args;
}

/** Checks the options a shim would refuse, so that the error names the option rather than a flag. */
export function checkCreateOptions(o: CreateOptions): void {
  if (o.stdinOnce && !o.stdin) throw new BerthError('InvalidArgument', 'stdinOnce: needs stdin');
  if (o.runtime.kind === 'oci' && !o.runtime.path.startsWith('/'))
    throw new BerthError('InvalidArgument', `runtime.path: "${o.runtime.path}" must be an absolute path`);
  const log = o.log;
  if (!log) return;
  if (!log.path.startsWith('/'))
    throw new BerthError('InvalidArgument', `log.path: "${log.path}" must be an absolute path`);
  if (log.format !== 'cri' && log.format !== 'json-file')
    throw new BerthError(
      'InvalidArgument',
      `log.format: "${String(log.format)}" is neither "cri" nor "json-file"`,
    );
  const ranges: [keyof LogOptions, number, number][] = [
    ['maxSize', 0, 2 ** 50],
    ['maxFiles', 1, 1000],
    ['maxLine', 1, 1 << 20],
  ];
  for (const [key, min, max] of ranges) {
    const v = log[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < min || (v as number) > max))
      throw new BerthError(
        'InvalidArgument',
        `log.${key}: ${String(v)} is not an integer from ${min} to ${max}`,
      );
  }
}

/**
 * Runs berth-shim; resolves with the container's pid, rejects with the shim's message. Started by
 * posix_spawn, not child_process, for the reason base/run-program.ts gives: no fork of the daemon per
 * container.
 */
export function spawnShim(c: ShimCommand, env: NodeJS.ProcessEnv): Promise<number> {
  const n = native();
  const [syncRead, syncWrite] = n.pipe();
  const [errRead, errWrite] = n.pipe();
  const devnull = openSync('/dev/null', 'r+');
  let pid: number;
  try {
    pid = n.spawn(
      c.shim,
      [c.shim, ...shimArgs(c)],
      [devnull, devnull, errWrite, syncWrite],
      false,
      envList(env),
    );
  } catch (err) {
    for (const fd of [syncRead, errRead]) closeSync(fd);
    return Promise.reject(new BerthError('Internal', `start berth-shim "${c.shim}": ${messageOf(err)}`));
  } finally {
    for (const fd of [devnull, syncWrite, errWrite]) closeSync(fd);
  }
  const sync = readPipe(syncRead);
  const stderr = readPipe(errRead, 64 * 1024);
  return sync.ended.then(async () => {
    const status = await reap(pid);
    let msg: { pid?: number; error?: string } = {};
    try {
      msg = JSON.parse(sync.text().split('\n')[0] ?? '') as typeof msg;
    } catch {
      // no line: the shim died before it could say anything; its stderr and status tell why
    }
    // The stderr pipe is read on to its end (the shim points its stdio at /dev/null once it runs
    // detached), as child_process did.
    if (typeof msg.pid === 'number') return msg.pid;
    if (msg.error !== undefined) throw new BerthError('InvalidArgument', msg.error);
    // What the shim said before it died may still be in the pipe.
    await Promise.race([stderr.ended, sleep(100)]);
    const said = stderr.text().trim();
    throw new BerthError(
      'Internal',
      `berth-shim "${c.shim}" exited with status ${status} without reporting` +
        (said ? `: ${said.split('\n')[0]}` : ''),
    );
  });
}
