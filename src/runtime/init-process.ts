// Starts native/init (berth-init) with a plan and waits for it to report the container's pid.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError } from '../base/errors.js';
import { packageRoot } from '../base/package-root.js';

/** A started berth-init and the container it made. */
export interface InitHandle {
  /** The container process (pid in the runtime's pid namespace). */
  pid: number;
  /** berth-init itself: in `run` mode it lives until the container exits. */
  child: ChildProcess;
  /** Resolves with berth-init's exit status: the container's status in `run` mode. */
  exited: Promise<number>;
}

/** Path of the berth-init executable. */
export function initPath(): string {
  return process.env.BERTH_INIT ?? join(packageRoot(), 'native', 'build', 'berth-init');
}

/**
 * Runs berth-init in `mode` with `plan`. fds 3..3+preserveFds-1 of this process are passed through to the
 * container at the same numbers; the plan and sync pipes follow them.
 */
export function launchInit(mode: 'create' | 'run', plan: Buffer, preserveFds: number): Promise<InitHandle> {
  const stdio: StdioOptions = ['inherit', 'inherit', 'inherit'];
  for (let fd = 3; fd < 3 + preserveFds; fd++) stdio.push(fd);
  const planFd = stdio.length;
  stdio.push('pipe', 'pipe');
  // In run mode berth-init gets its own session: terminal signals reach only us, and we forward them once.
  const child = spawn(initPath(), [mode, '--plan-fd', String(planFd), '--sync-fd', String(planFd + 1)], {
    stdio,
    detached: mode === 'run',
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
  return new Promise<InitHandle>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new BerthError('Internal', `start berth-init "${initPath()}": ${err.message}`)),
    );
    const planPipe = child.stdio[planFd] as Writable;
    planPipe.on('error', () => undefined); // berth-init may reject the plan before reading all of it
    planPipe.end(plan);
    readLine(child.stdio[planFd + 1] as Readable).then(async (line) => {
      let msg: { pid?: number; error?: string };
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        const status = await exited;
        return reject(
          new BerthError('Internal', `berth-init exited with status ${status} without reporting`),
        );
      }
      if (msg.error !== undefined) {
        await exited;
        return reject(new BerthError('InvalidArgument', msg.error));
      }
      resolve({ pid: msg.pid!, child, exited });
    }, reject);
  });
}

/** The first line written to `stream` (the container may keep the pipe open, so never wait for EOF). */
function readLine(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (): void => {
      stream.removeAllListeners('data');
      stream.destroy();
      resolve(buf.split('\n')[0] ?? '');
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.includes('\n')) done();
    });
    stream.on('end', done);
    stream.on('error', done);
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? ((constants.signals as Record<string, number>)[signal] ?? 0) : 0;
}
