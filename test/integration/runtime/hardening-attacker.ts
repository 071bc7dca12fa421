// What the hardening tests share: a container that attacks the runtime from inside (testinit
// proc-attack, driven line by line over its stdin), pids as a pid namespace sees them, a pipe that blocks
// its writers, and a probe for runtime commands that other work has not landed yet.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { native } from '../../../src/base/native.js';
import { type Bundle, RUNTIME, runtimeEnv, type TestRuntime } from './harness.js';

/** What `grab <pid>` reports: each /proc/<pid> link as its target (and dev:ino), or the errno name. */
export interface Grab {
  pid: string;
  exe: { target?: string; dev?: string; ino?: number; errno?: string };
  fds: { fd: number; target: string }[] | { errno: string };
  fdsErrno?: string;
  cwd: { target?: string; errno?: string };
  root: { target?: string; errno?: string };
}

/** What `write` reports: reopening the grabbed exe for writing, and the write. */
export interface WriteAttempt {
  open: string;
  write: string | null;
}

/** A running `testinit proc-attack` container (pid 1 of its own pid namespace), asked one line at a time. */
export class Attacker {
  private buffered = '';
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private readonly closed: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly id: string,
    private readonly rt: TestRuntime,
    private stdin: number,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buffered += d;
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.closed = new Promise((resolve) => child.on('close', () => resolve()));
  }

  /**
   * Runs the attacker from `bundle` (whose process is set here) and waits until it answers. It is made
   * with `create` and `start`, as engines do, so that no berth-init stays behind as its parent (one in
   * `run` mode would keep berth-init busy, ETXTBSY, and hide what the attack could do to it).
   */
  static async start(rt: TestRuntime, bundle: Bundle, id: string): Promise<Attacker> {
    bundle.spec.process!.args = ['/bin/testinit', 'proc-attack'];
    bundle.write();
    // The container's stdio outlives `create`. Its stdin is a pipe of our own: Node destroys a child's
    // stdin stream when the child exits, which would be EOF for the attacker.
    const [stdinRead, stdinWrite] = native().pipe();
    const child = spawn(RUNTIME, ['--root', rt.root, 'create', '-b', bundle.dir, id], {
      env: runtimeEnv(),
      stdio: [stdinRead, 'pipe', 'pipe'],
    });
    closeSync(stdinRead);
    const a = new Attacker(child, id, rt, stdinWrite);
    const created = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    if (created !== 0) throw new Error(`create attacker: ${a.stderr}`);
    const started = await rt.run(['start', id]);
    if (started.code !== 0) throw new Error(`start attacker: ${started.stderr}`);
    await a.ask('grab 1'); // itself: proves it runs and answers
    return a;
  }

  /** Sends one command and returns its JSON answer. */
  async ask<T = unknown>(command: string): Promise<T> {
    const line = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`attacker: no answer to "${command}"; stderr: ${this.stderr}`)),
        20_000,
      );
      this.waiting.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
    writeSync(this.stdin, `${command}\n`);
    return JSON.parse(await line) as T;
  }

  /** Asks the attacker to grab /proc/<pid> (pid in its namespace). */
  grab(pid: number): Promise<Grab> {
    return this.ask<Grab>(`grab ${pid}`);
  }

  /** Ends the attacker (EOF on its stdin), waits for its stdio to close and deletes the container. */
  async stop(): Promise<void> {
    if (this.stdin >= 0) closeSync(this.stdin);
    this.stdin = -1;
    await this.closed;
    await this.rt.run(['delete', '--force', this.id]);
  }
}

/** The pid of host process `pid` in the innermost pid namespace it belongs to (NSpid, proc(5)). */
export function innermostPid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('NSpid:'));
  if (!line) throw new Error(`no NSpid for pid ${pid}`);
  return Number(line.trim().split(/\s+/).pop());
}

/** sha256 of a file, hex. */
export function digestOf(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Polls `check` every 20 ms until it returns a value (not undefined) or `ms` pass. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  for (const deadline = Date.now() + ms; ;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A named pipe whose buffer is full: `writer` blocks whoever writes to it (a process can be held inside a
 * write(2) for as long as a test needs), `drain()` empties it and returns what was written after the fill.
 */
export class FullPipe {
  private static made = 0;
  readonly path: string;
  private readonly reader: number;
  readonly writer: number;
  private readonly fill: number;
  private consumed = 0;
  private readonly after: Buffer[] = [];

  constructor(dir: string) {
    this.path = join(dir, `full-${++FullPipe.made}.fifo`); // several tests may share one dir
    execFileSync('mkfifo', [this.path]);
    // O_RDWR: open(2) of a FIFO does not wait for a peer then; O_NONBLOCK so filling stops at EAGAIN.
    this.reader = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    let filled = 0;
    const chunk = Buffer.alloc(65536, '.');
    for (;;) {
      try {
        filled += writeSync(this.reader, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw err;
      }
    }
    this.fill = filled;
    this.writer = openSync(this.path, constants.O_WRONLY); // blocking, and a reader exists: no wait
  }

  /** Reads everything buffered now; returns what was written after the fill so far, as text. */
  drain(): string {
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = readSync(this.reader, buf, 0, buf.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw err;
      }
      if (n === 0) break;
      const skip = Math.max(0, Math.min(n, this.fill - this.consumed));
      this.consumed += n;
      this.after.push(Buffer.from(buf.subarray(skip, n)));
    }
    return Buffer.concat(this.after).toString('utf8');
  }

  /** Closes both ends. */
  close(): void {
    closeSync(this.writer);
    closeSync(this.reader);
  }
}

/** Why a test of runtime `command` cannot run yet (the runtime does not list it in its help), or false. */
export function unlessRuntimeHas(command: string): string | false {
  const help = execFileSync(RUNTIME, ['--help'], { env: runtimeEnv(), encoding: 'utf8' });
  return new RegExp(`^\\s+${command}\\s`, 'm').test(help)
    ? false
    : `berth-runtime has no "${command}" command yet (not in its --help)`;
}

/** One line of a mountinfo file (proc(5)): where, what and from where. */
export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  options: string;
}

/** Parses a mountinfo file (octal escapes in mount points decoded). */
export function readMountinfo(path = '/proc/self/mountinfo'): MountEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre, post] = line.split(' - ') as [string, string];
      const f = pre.split(' ');
      const p = post.split(' ');
      const mountPoint = f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(parseInt(o, 8)),
      );
      return { mountPoint, fstype: p[0]!, source: p[1] ?? '', options: f[5]! };
    });
}

/** Mount points of this (the host's) mount namespace at or below `dir`. */
export function hostMountsUnder(dir: string): string[] {
  return readMountinfo()
    .map((m) => m.mountPoint)
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
}
