// docker exec: POST /containers/{id}/exec makes an exec instance (kept in memory, as dockerd keeps
// them), POST /exec/{id}/start runs it under its own shim (ShimManager.exec), GET /exec/{id}/json
// reports it. On the built-in path the process is held on its exec.fifo until its attacher is
// connected, so no output is lost.
import { randomBytes } from 'node:crypto';
import { BerthError } from '../../../base/errors.js';
import type { Process, Spec } from '../../../oci/runtime-spec.js';
import type { ServiceContext } from './context.js';
import { containerEnv } from './spec.js';
import { check } from './states.js';
import { resolveUserInRootfs } from './user.js';

/** The body of POST /containers/{id}/exec (swagger ExecConfig). */
export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ConsoleSize?: [number, number] | null;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** One exec instance. */
export interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  /** The shim key once started. */
  shimKey?: string;
  running: boolean;
  exitCode: number | null;
  pid: number;
  /** Resolves with the exit code once it has exited. */
  done?: Promise<number>;
}

/** The process an exec runs: the container's own, with the exec's command, env, user and cwd. */
export function execProcess(spec: Spec, rootfs: string, config: ExecConfig, hostname: string): Process {
  const base = structuredClone(spec.process!);
  const user = config.User ? resolveUserInRootfs(rootfs, config.User) : undefined;
  const env = containerEnv(
    { Env: [...(base.env ?? []), ...(config.Env ?? [])], Tty: config.Tty },
    hostname,
    user?.home ?? '/root',
  );
  const p: Process = {
    ...base,
    args: config.Cmd!,
    env,
    terminal: config.Tty === true,
    cwd: config.WorkingDir || base.cwd,
    ...(user ? { user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids } } : {}),
  };
  if (config.ConsoleSize && config.ConsoleSize[0] > 0)
    p.consoleSize = { height: config.ConsoleSize[0], width: config.ConsoleSize[1] };
  else delete p.consoleSize;
  if (config.Privileged) {
    const all = spec.process?.capabilities?.bounding ?? [];
    p.capabilities = { bounding: all, effective: all, permitted: all };
  }
  return p;
}

/** The service's exec instances. */
export class Execs {
  private readonly instances = new Map<string, ExecInstance>();

  constructor(private readonly ctx: ServiceContext) {}

  /** POST /containers/{id}/exec. */
  create(ref: string, config: ExecConfig): string {
    const c = this.ctx.find(ref);
    check('exec', c.state, c.id);
    if (!config?.Cmd || config.Cmd.length === 0)
      throw new BerthError('InvalidArgument', 'No exec command specified');
    const id = randomBytes(32).toString('hex');
    this.instances.set(id, { id, containerId: c.id, config, running: false, exitCode: null, pid: 0 });
    this.ctx.emit(c, `exec_create: ${config.Cmd.join(' ')}`, { execID: id });
    return id;
  }

  /** The instance `id`; 404 "No such exec instance" otherwise. */
  get(id: string): ExecInstance {
    const e = this.instances.get(id);
    if (!e) throw new BerthError('NotFound', `No such exec instance: ${id}`);
    return e;
  }

  /**
   * Starts the exec under its shim, held until `release` when asked (an attacher connects in between);
   * resolves with the shim key.
   */
  async start(id: string, opts: { hold: boolean }): Promise<string> {
    const e = this.get(id);
    if (e.shimKey) throw new BerthError('FailedPrecondition', `Error: Exec command ${id} has already run`);
    const c = this.ctx.records.get(e.containerId);
    check('exec', c.state, c.id);
    const data = this.ctx.data(c);
    const spec = c.spec as Spec;
    const process = execProcess(spec, data.rootfs, e.config, spec.hostname ?? c.id.slice(0, 12));
    const execKey = id.slice(0, 16);
    const st = await this.ctx.shims.exec(data.shimKey, execKey, {
      process,
      stdin: e.config.AttachStdin === true,
      stdinOnce: e.config.AttachStdin === true,
      hold: opts.hold && data.shimRuntime.kind === 'builtin',
    });
    e.shimKey = st.id;
    e.running = true;
    e.pid = st.record.pid;
    e.done = this.ctx.shims.wait(st.id).then(
      (exit) => {
        e.running = false;
        e.exitCode = exit.exitCode;
        this.ctx.emit(c, 'exec_die', { execID: id, exitCode: String(exit.exitCode) });
        // The exec's shim directory goes; the container's delete would take it anyway.
        void this.ctx.shims.delete(st.id).catch(() => undefined);
        return exit.exitCode;
      },
      () => {
        e.running = false;
        e.exitCode = 126;
        return 126;
      },
    );
    this.ctx.emit(c, `exec_start: ${e.config.Cmd!.join(' ')}`, { execID: id });
    return st.id;
  }

  /** Lets a held exec run (no-op for one that already runs). */
  async release(key: string): Promise<void> {
    const st = await this.ctx.shims.state(key);
    if (st.status === 'created') await this.ctx.shims.start(key);
  }

  /** The ids of a container's exec instances. */
  idsOf(containerId: string): string[] {
    return [...this.instances.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  /** Forgets the instances of a removed container. */
  forget(containerId: string): void {
    for (const [id, e] of this.instances) if (e.containerId === containerId) this.instances.delete(id);
  }

  /** GET /exec/{id}/json (swagger ExecInspectResponse). */
  inspect(id: string): Record<string, unknown> {
    const e = this.get(id);
    const cmd = e.config.Cmd ?? [];
    return {
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: e.config.DetachKeys ?? '',
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: e.config.AttachStderr === true,
      OpenStdin: e.config.AttachStdin === true,
      OpenStdout: e.config.AttachStdout === true,
      ProcessConfig: {
        arguments: cmd.slice(1),
        entrypoint: cmd[0] ?? '',
        privileged: e.config.Privileged === true,
        tty: e.config.Tty === true,
        user: e.config.User ?? '',
      },
      Running: e.running,
      Pid: e.pid,
    };
  }
}
