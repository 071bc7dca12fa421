// The daemon's side of the shims (types.ts has the lifecycle): one berth-shim per container, found again
// from its directory after a daemon restart. The manager keeps nothing alive: every shim is detached,
// and everything it must know is on disk (DESIGN.md "Daemon <-> shim contract").
import { EventEmitter } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BerthError, wrap } from '../../base/errors.js';
import { packageRoot } from '../../base/package-root.js';
import { initPath, releaseContainer, signalByName } from '../../runtime/index.js';
import { ShimConnection } from './connection.js';
import { createShim, execShim, type ExecOptions, type ShimContext } from './create.js';
import { releaseExecFifo } from './exec-fifo.js';
import { runtimeCommand } from './oci-runtime.js';
import { AttachFlag, Kind, resizePayload, signalPayload } from './protocol.js';
import {
  FILES,
  keyDir,
  listExecKeys,
  listShimIds,
  loadRecord,
  readExitFile,
  readPidFile,
  saveRecord,
} from './shim-dir.js';
import type { CreateOptions, ExitStatus, ShimState } from './types.js';

/** Where the manager keeps shims and which binaries it runs. */
export interface ShimManagerOptions {
  /** The shims' state root (berthd: /run/berth/shims); tests use private directories. */
  root: string;
  /** berth-shim (default: native/build/berth-shim of this package, or $BERTH_SHIM). */
  shim?: string;
  /** berth-init for the built-in path (default: the runtime's initPath()). */
  init?: string;
  /** Environment of the shims and of the runtimes they run. */
  env?: NodeJS.ProcessEnv;
}

/** Streams an attacher takes part in. */
export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** The default berth-shim binary. */
export function shimPath(): string {
  return process.env.BERTH_SHIM ?? join(packageRoot(), 'native', 'build', 'berth-shim');
}

/** How a container ended, for errors: `exit code 1`, `killed by signal 9`, with OOM when it was. */
export function exitSummary(e: ExitStatus): string {
  const how = e.signal ? `killed by signal ${e.signal}` : `exit code ${e.exitCode}`;
  return e.oomKilled ? `${how}, out of memory` : how;
}

/** A signal number from a number or a name (`9`, `SIGKILL`, `KILL`, `SIGRTMIN+3`). */
export function signalNumber(signal: number | string): number {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0 || signal > 64)
      throw new BerthError('InvalidArgument', `signal: ${signal} is not a signal number`);
    return signal;
  }
  const n = signalByName(signal);
  if (n === undefined) throw new BerthError('InvalidArgument', `signal: "${signal}" is not a signal name`);
  return n;
}

/**
 * Spawns, drives and re-adopts shims. Emits `exit` (key, ExitStatus) once per container (or exec) whose
 * end it learns of through `wait`, which `adopt` calls for every shim: the exits that happened while no
 * daemon ran are reported at adoption, the others when they happen.
 */
export class ShimManager extends EventEmitter {
  readonly root: string;
  private readonly ctx: ShimContext;
  private readonly env: NodeJS.ProcessEnv;
  private readonly waits = new Map<string, Promise<ExitStatus>>();

  constructor(opts: ShimManagerOptions) {
    super();
    this.root = opts.root;
    this.env = opts.env ?? process.env;
    this.ctx = {
      root: opts.root,
      shim: opts.shim ?? shimPath(),
      init: opts.init ?? initPath(),
      env: this.env,
    };
  }

  /** Starts a shim that creates the container; resolves once the container exists (status `created`). */
  create(o: CreateOptions): Promise<ShimState> {
    return createShim(this.ctx, o);
  }

  /**
   * Runs one more process in a running container under its own shim (OCI runtimes: `exec --process
   * --detach`); every other method takes its key, `<id>/<execId>`. It runs from the start (no `start`).
   */
  async exec(id: string, execId: string, o: ExecOptions): Promise<ShimState> {
    return execShim(this.ctx, await this.state(id), execId, o);
  }

  /** Lets a created container (or a held exec) run its program (the exec fifo, or `runtime start`). */
  async start(id: string): Promise<void> {
    const dir = this.dirOf(id);
    const rec = loadRecord(dir, id);
    if (rec.started || (rec.exec && !rec.held))
      throw new BerthError('FailedPrecondition', `start container "${id}": it has already started`);
    const early = readExitFile(dir);
    if (early)
      throw new BerthError(
        'FailedPrecondition',
        `start container "${id}": it has exited (${exitSummary(early)})`,
      );
    try {
      if (rec.runtime.kind === 'oci') await runtimeCommand(rec.runtime, dir, ['start', id], this.env);
      else
        await releaseExecFifo(join(dir, FILES.fifo), () => {
          const exit = readExitFile(dir);
          return exit && exitSummary(exit);
        });
    } catch (err) {
      throw wrap(err, `start container "${id}"`);
    }
    rec.started = true;
    await saveRecord(dir, rec);
  }

  /** Attaches to the container's streams; output arrives as the connection's `stdout`/`stderr` events. */
  async attach(id: string, opts: AttachOptions = { stdout: true, stderr: true }): Promise<ShimConnection> {
    const conn = await this.connect(id, 'attach to');
    const flags =
      (opts.stdin ? AttachFlag.STDIN : 0) |
      (opts.stdout ? AttachFlag.STDOUT : 0) |
      (opts.stderr ? AttachFlag.STDERR : 0);
    try {
      await this.request(conn, id, Kind.ATTACH, Buffer.from([flags]), 'attach to');
    } catch (err) {
      conn.close();
      throw err;
    }
    return conn;
  }

  /** Sets the terminal's size (TIOCSWINSZ on the pty master). */
  async resize(id: string, rows: number, cols: number): Promise<void> {
    for (const [name, v] of [
      ['rows', rows],
      ['cols', cols],
    ] as const)
      if (!Number.isInteger(v) || v < 1 || v > 65535)
        throw new BerthError('InvalidArgument', `resize: ${name} ${v} is not an integer from 1 to 65535`);
    return this.control(id, Kind.RESIZE, resizePayload(rows, cols), 'resize');
  }

  /** Sends a signal to the container's process (through its shim, which cannot mistake a reused pid). */
  async signal(id: string, signal: number | string): Promise<void> {
    return this.control(id, Kind.SIGNAL, signalPayload(signalNumber(signal)), 'signal');
  }

  /** Closes the container's stdin. */
  closeStdin(id: string): Promise<void> {
    return this.control(id, Kind.CLOSE_STDIN, undefined, 'close stdin');
  }

  /** Makes the shim reopen its log file (CRI ReopenContainerLog, after the kubelet renamed it). */
  reopenLog(id: string): Promise<void> {
    return this.control(id, Kind.REOPEN_LOG, undefined, 'reopen log');
  }

  /** Resolves with the exit record once the container has exited (at once if it already has). */
  wait(id: string): Promise<ExitStatus> {
    let p = this.waits.get(id);
    if (!p) {
      p = this.waitOnce(id).then((exit) => {
        this.emit('exit', id, exit);
        return exit;
      });
      p.catch(() => this.waits.delete(id));
      this.waits.set(id, p);
    }
    return p;
  }

  /** `signal` (SIGTERM), then SIGKILL after `timeoutMs` (docker stop); resolves with the exit record. */
  async stop(id: string, timeoutMs = 10_000, signal: number | string = 'SIGTERM'): Promise<ExitStatus> {
    const done = this.wait(id);
    await this.signal(id, signal).catch(ignoreExited);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const first = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    await this.signal(id, 'SIGKILL').catch(ignoreExited);
    return done;
  }

  /**
   * Removes an exited container (runtime state or cgroups, its execs, the directory), or an exec's shim
   * directory; `force` kills first what still runs.
   */
  async delete(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const st = await this.state(id);
    const rec = st.record;
    const execs = rec.exec ? [] : listExecKeys(this.root, id);
    const live = async (key: string): Promise<boolean> =>
      ['created', 'running'].includes((await this.state(key)).status);
    if ((await live(id)) && !opts.force)
      throw new BerthError(
        'FailedPrecondition',
        `delete container "${id}": it is ${st.status}, stop it first`,
      );
    // An exec outlives its container only without a pid namespace; it goes with the container.
    for (const key of [...execs, id])
      if (await live(key)) {
        await this.signal(key, 'SIGKILL').catch(ignoreExited);
        await this.wait(key);
      }
    const dir = this.dirOf(id);
    try {
      if (rec.exec) {
        // nothing of the runtime's: the process is gone, its shim directory is all there is
      } else if (rec.runtime.kind === 'oci')
        await runtimeCommand(rec.runtime, dir, ['delete', '--force', id], this.env);
      else if (rec.cgroupPaths) await releaseContainer(rec.cgroupPaths);
    } catch (err) {
      throw wrap(err, `delete container "${id}"`);
    }
    rmSync(dir, { recursive: true, force: true });
    for (const key of [...execs, id]) this.waits.delete(key);
  }

  /** The container's status, from its directory and whether its shim answers. */
  async state(id: string): Promise<ShimState> {
    const dir = this.dirOf(id);
    const record = loadRecord(dir, id);
    if (!record.pid) record.pid = readPidFile(join(dir, FILES.containerPid));
    if (!record.shimPid) record.shimPid = readPidFile(join(dir, FILES.shimPid));
    const exit = readExitFile(dir);
    if (exit) return { id, status: 'exited', record, exit };
    let alive = false;
    try {
      (await ShimConnection.open(join(dir, FILES.attach))).close();
      alive = true;
    } catch {
      // ENOENT or ECONNREFUSED: no shim listens
    }
    if (!alive) {
      const late = readExitFile(dir); // it may have exited between the two looks
      return late ? { id, status: 'exited', record, exit: late } : { id, status: 'lost', record };
    }
    const created =
      record.runtime.kind === 'builtin' && (!record.exec || record.held)
        ? existsSync(join(dir, FILES.fifo))
        : !record.started;
    return { id, status: created ? 'created' : 'running', record };
  }

  /** Ids of every container shim under the root. */
  list(): string[] {
    return listShimIds(this.root);
  }

  /** Keys (`<id>/<execId>`) of the exec shims of container `id`. */
  listExecs(id: string): string[] {
    return listExecKeys(this.root, id);
  }

  /**
   * After a daemon restart: the state of every shim under the root (exits that happened meanwhile
   * included), and `wait` on each, so that every exit, past or future, is also an `exit` event.
   */
  async adopt(): Promise<ShimState[]> {
    const states: ShimState[] = [];
    for (const key of this.list().flatMap((id) => [id, ...this.listExecs(id)])) {
      const st = await this.state(key);
      if (st.status !== 'lost') void this.wait(key).catch(() => undefined);
      states.push(st);
    }
    return states;
  }

  private dirOf(key: string): string {
    return keyDir(this.root, key);
  }

  private async connect(id: string, what: string): Promise<ShimConnection> {
    const dir = this.dirOf(id);
    loadRecord(dir, id);
    const exited = (): BerthError =>
      new BerthError('FailedPrecondition', `${what} container "${id}": it has exited`);
    if (readExitFile(dir)) throw exited();
    try {
      return await ShimConnection.open(join(dir, FILES.attach));
    } catch (err) {
      if (readExitFile(dir)) throw exited();
      throw wrap(err, `${what} container "${id}": the shim does not answer`);
    }
  }

  private async control(id: string, kind: number, payload: Buffer | undefined, what: string): Promise<void> {
    const conn = await this.connect(id, what);
    try {
      await this.request(conn, id, kind, payload, what);
    } finally {
      conn.close();
    }
  }

  /** A request; when it fails because the shim was just finishing, the error says the container exited. */
  private async request(
    conn: ShimConnection,
    id: string,
    kind: number,
    payload: Buffer | undefined,
    what: string,
  ): Promise<void> {
    try {
      await conn.request(kind, payload, `${what} container "${id}"`);
    } catch (err) {
      if (readExitFile(this.dirOf(id)))
        throw new BerthError('FailedPrecondition', `${what} container "${id}": it has exited`);
      throw err;
    }
  }

  private async waitOnce(id: string): Promise<ExitStatus> {
    const dir = this.dirOf(id);
    const early = readExitFile(dir);
    if (early) return early;
    let conn: ShimConnection | undefined;
    try {
      conn = await ShimConnection.open(join(dir, FILES.attach));
    } catch {
      conn = undefined;
    }
    if (conn) {
      const closed = new Promise<void>((r) => conn!.once('close', r));
      await conn.request(Kind.WAIT, undefined, `wait for container "${id}"`).catch(() => undefined);
      await closed;
      if (conn.exit) return conn.exit;
    }
    // The shim was gone, or closed without an EXIT frame (it had just exited): the file says it all.
    const exit = readExitFile(dir);
    if (exit) return exit;
    throw new BerthError('Unavailable', `wait for container "${id}": its shim is gone without an exit file`);
  }
}

function ignoreExited(err: unknown): void {
  if (err instanceof BerthError && err.code === 'FailedPrecondition') return;
  throw err;
}
