// Running a helper program to completion (a CNI plugin, iptables, ip) from the daemon, with its output
// collected and its input fed, like child_process.execFile, but started by posix_spawn (native spawn).
// libuv forks: a fork of a daemon of a hundred megabytes copies its page tables on the daemon's one
// thread, several milliseconds a program, and a pod's network setup and teardown run a dozen of them.
// Pipes are read and written as sockets on the event loop, never on the thread pool, which a slow
// program would otherwise hold.
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError, messageOf } from './errors.js';
import { native } from './native.js';

/** Options of runProgram. */
export interface RunOptions {
  /** What the program reads on stdin (nothing: /dev/null). */
  input?: string;
  /** Its environment (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long. */
  timeoutMs?: number;
}

/** How a program ended: its exit code (128 + signal when killed) and what it printed. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the timeout killed it. */
  timedOut: boolean;
}

/**
 * Runs `file` (a path, or a name searched in the environment's PATH) with `args` to its exit. Throws
 * only when it cannot start (FailedPrecondition for a missing program); a failing exit is in the result.
 */
export async function runProgram(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const path = resolveProgram(file, env.PATH ?? '');
  const n = native();
  const [outRead, outWrite] = n.pipe();
  const [errRead, errWrite] = n.pipe();
  const [inRead, inWrite] = opts.input === undefined ? [openSync('/dev/null', 'r'), -1] : n.pipe();
  let pid: number;
  try {
    pid = n.spawn(path, [file, ...args], [inRead, outWrite, errWrite], false, envList(env));
  } catch (err) {
    for (const fd of [outRead, errRead, inWrite]) if (fd >= 0) closeSync(fd);
    throw new BerthError('Internal', `run "${file}": ${messageOf(err)}`, { cause: err });
  } finally {
    for (const fd of [inRead, outWrite, errWrite]) closeSync(fd);
  }
  if (opts.input !== undefined) {
    const stdin = new Socket({ fd: inWrite, readable: false, writable: true });
    // A program that fails early may not read its input: EPIPE then is not the error to report.
    stdin.on('error', () => undefined);
    stdin.end(opts.input);
  }
  const stdout = readPipe(outRead);
  const stderr = readPipe(errRead);
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }, opts.timeoutMs);
  try {
    await Promise.all([stdout.ended, stderr.ended]);
    const code = await reap(pid);
    return { code, stdout: stdout.text(), stderr: stderr.text(), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A pipe read to its end as a socket: `ended` resolves at EOF (or error), `text()` is what came (its
 * first `limit` characters; the rest is read and dropped, so the writer never blocks).
 */
export function readPipe(fd: number, limit = Infinity): { ended: Promise<void>; text(): string } {
  const socket = new Socket({ fd, readable: true, writable: false });
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    if (text.length < limit) text += d.slice(0, limit - text.length);
  });
  const ended = new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
  return { ended, text: () => text };
}

/**
 * The exit status of a child we spawned (libuv reaps only its own children, so this one waits for us).
 * Polled, with a short and growing interval: a program whose pipes are closed has exited or is about to.
 */
export async function reap(pid: number): Promise<number> {
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    const status = native().waitpid(pid, true);
    if (status !== null) return status;
    await sleep(wait);
  }
}

/** The environment as posix_spawn takes it (undefined: this process's own, as is). */
export function envList(env: NodeJS.ProcessEnv): string[] | undefined {
  if (env === process.env) return undefined;
  return Object.entries(env)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

const found = new Map<string, string>();

/** A program's path: `file` itself when it has a slash, else the first executable match in `searchPath`. */
function resolveProgram(file: string, searchPath: string): string {
  if (file.includes('/')) return file;
  const key = `${file}\0${searchPath}`;
  const cached = found.get(key);
  if (cached) return cached;
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, file);
    try {
      accessSync(candidate, constants.X_OK);
      found.set(key, candidate);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new BerthError('FailedPrecondition', `run "${file}": not found in PATH "${searchPath}"`);
}
