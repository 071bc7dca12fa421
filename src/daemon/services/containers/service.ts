// The container service: what the Docker Engine API's container routes call (src/dockerapi/containers*.ts).
// The lifecycle is in lifecycle.ts, removal in remove.ts, views in inspect.ts and list.ts, exec in
// exec.ts; this class ties them together and holds the small operations (rename, update, wait, top,
// prune, resize, attach).
import { execFile } from 'node:child_process';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { ContainerCreateRequest, HostConfig, Resources } from '../../../../api/docker/container.js';
import { checkRestartPolicy } from './restart-policy.js';
import { BerthError } from '../../../base/errors.js';
import type { Logger } from '../../../base/log.js';
import type { Container, ContainerState, Stores } from '../../../metadata/index.js';
import { applyResources, cgroupPids, hostLayout } from '../../../runtime/index.js';
import type { DaemonConfig } from '../../config.js';
import type { ShimConnection, ShimManager } from '../../shim-client/index.js';
import type { EventBus } from '../events/index.js';
import { ServiceContext } from './context.js';
import { createContainer, type CreateResult } from './create.js';
import { Execs } from './exec.js';
import type { ImageSource } from './image-source.js';
import { containerSummary, inspectContainer } from './inspect.js';
import {
  cgroupPathsOf,
  killContainer,
  pauseContainer,
  restartContainer,
  startContainer,
  startLocked,
  stopContainer,
  unpauseContainer,
} from './lifecycle.js';
import { listContainers, type ListOptions } from './list.js';
import { checkName } from './names.js';
import { recoverContainers } from './recover.js';
import { removeContainer, type RemoveOptions } from './remove.js';
import { containerResources } from './resources.js';
import { check } from './states.js';
import { containerChanges, containerSizes, type Change } from './changes.js';
import { archivePath, exportRootfs, extractInto, pathStat, statPath } from './archive.js';
import { sampleStats, statsResponse, type StatsSample } from './stats.js';
import type { VolumeSource } from './volumes.js';
import type { NetworkService } from '../networks/index.js';

const run = promisify(execFile);

/** What the service is made of. */
export interface ContainerServiceDeps {
  stores: Stores;
  snapshotter: string;
  shims: ShimManager;
  events: EventBus;
  images: ImageSource;
  volumes: VolumeSource;
  networks: NetworkService;
  config: DaemonConfig;
  log: Logger;
}

/** The Docker containers of one daemon. */
export class ContainerService {
  /** Shared state and helpers (exported for the API's streaming routes and for tests). */
  readonly ctx: ServiceContext;
  readonly execs: Execs;

  constructor(deps: ContainerServiceDeps) {
    this.ctx = new ServiceContext(
      deps.stores,
      deps.snapshotter,
      deps.shims,
      deps.events,
      deps.images,
      deps.volumes,
      deps.networks,
      deps.config,
      deps.log,
    );
    this.execs = new Execs(this.ctx);
    this.ctx.actions = {
      startLocked: (id, byPolicy) => startLocked(this.ctx, id, byPolicy),
      autoRemove: (id) => this.remove(id, { force: true, volumes: true }),
    };
  }

  /** Re-adopts the shims at daemon start (recover.ts). */
  recover(): Promise<number> {
    return recoverContainers(this.ctx);
  }

  /** POST /containers/create. */
  create(req: ContainerCreateRequest, name?: string): Promise<CreateResult> {
    return createContainer(this.ctx, req, name);
  }

  /** The container a reference names (404 "No such container"). */
  find(ref: string): Container {
    return this.ctx.find(ref);
  }

  start(ref: string): Promise<boolean> {
    return startContainer(this.ctx, ref);
  }

  stop(ref: string, timeout?: number, signal?: string): Promise<boolean> {
    return stopContainer(this.ctx, ref, timeout, signal);
  }

  restart(ref: string, timeout?: number, signal?: string): Promise<void> {
    return restartContainer(this.ctx, ref, timeout, signal);
  }

  kill(ref: string, signal?: string): Promise<void> {
    return killContainer(this.ctx, ref, signal || 'SIGKILL');
  }

  pause(ref: string): Promise<void> {
    return pauseContainer(this.ctx, ref);
  }

  unpause(ref: string): Promise<void> {
    return unpauseContainer(this.ctx, ref);
  }

  async remove(ref: string, opts: RemoveOptions): Promise<void> {
    const id = this.ctx.find(ref).id;
    await removeContainer(this.ctx, id, opts);
    this.execs.forget(id);
  }

  /** GET /containers/{id}/json; with `size`, SizeRw and SizeRootFs too. */
  async inspect(ref: string, opts: { size?: boolean } = {}): Promise<Record<string, unknown>> {
    const c = this.ctx.find(ref);
    const body = inspectContainer(this.ctx, c, this.execs.idsOf(c.id));
    return opts.size ? { ...body, ...(await this.sizes(c)) } : body;
  }

  async list(opts: ListOptions): Promise<Record<string, unknown>[]> {
    const found = await listContainers(this.ctx, opts);
    return Promise.all(
      found.map(async (c) => {
        const summary = containerSummary(this.ctx, c);
        return opts.size ? { ...summary, ...(await this.sizes(c)) } : summary;
      }),
    );
  }

  /** GET /containers/{id}/changes (`docker diff`). */
  changes(ref: string): Promise<Change[]> {
    return containerChanges(this.ctx, this.ctx.find(ref));
  }

  /** A container's sizes; zero for one whose snapshot is gone (being removed, say). */
  private sizes(c: Container): Promise<{ SizeRw: number; SizeRootFs: number }> {
    return containerSizes(this.ctx, c).catch(() => ({ SizeRw: 0, SizeRootFs: 0 }));
  }

  /** Counts for /info. */
  counts(): { running: number; paused: number; stopped: number } {
    const all = this.ctx.records.list();
    const running = all.filter((c) => c.state === 'running' || c.state === 'restarting').length;
    const paused = all.filter((c) => c.state === 'paused').length;
    return { running, paused, stopped: all.length - running - paused };
  }

  /** POST /containers/{id}/rename. */
  rename(ref: string, newName: string): Promise<void> {
    const c = this.ctx.find(ref);
    const name = checkName(newName);
    return this.ctx.locked(c.id, async () => {
      const cur = this.ctx.records.get(c.id);
      if (cur.name === name)
        throw new BerthError(
          'InvalidArgument',
          'Renaming a container with the same name as its current name',
        );
      try {
        this.ctx.records.update(c.id, { name });
      } catch (err) {
        if (err instanceof BerthError && err.code === 'AlreadyExists') {
          const holder = this.ctx.records.getByName(name);
          throw new BerthError(
            'AlreadyExists',
            `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
          );
        }
        throw err;
      }
      this.ctx.emit(this.ctx.records.get(c.id), 'rename', { oldName: `/${cur.name}` });
    });
  }

  /** POST /containers/{id}/update: resources (applied to the cgroups of a running container) and the restart policy. */
  update(ref: string, body: Resources & Pick<HostConfig, 'RestartPolicy'>): Promise<{ Warnings: string[] }> {
    const c = this.ctx.find(ref);
    return this.ctx.locked(c.id, async () => {
      const cur = this.ctx.records.get(c.id);
      check('update', cur.state, cur.id);
      if (body?.RestartPolicy) checkRestartPolicy(body.RestartPolicy);
      const host = { ...(cur.hostConfig as HostConfig) };
      for (const [k, v] of Object.entries(body ?? {}))
        if (v !== undefined && v !== null) (host as Record<string, unknown>)[k] = v;
      if (host.AutoRemove && body.RestartPolicy?.Name && body.RestartPolicy.Name !== 'no')
        throw new BerthError(
          'InvalidArgument',
          'Restart policy cannot be updated because AutoRemove is enabled for the container',
        );
      const resources = containerResources(host);
      if (cur.state === 'running' || cur.state === 'paused')
        applyResources(await cgroupPathsOf(this.ctx, cur), resources, hostLayout(), { devices: false });
      const spec = cur.spec as { linux?: { resources?: unknown } };
      const next = {
        ...spec,
        linux: { ...spec.linux, resources: { ...(spec.linux?.resources as object), ...resources } },
      };
      const saved = this.ctx.records.update(c.id, {
        hostConfig: host as Record<string, unknown>,
        spec: next,
      });
      this.ctx.emit(saved, 'update');
      return { Warnings: [] };
    });
  }

  /**
   * POST /containers/{id}/wait: resolves with the exit code for `not-running` (now, if it is not
   * running), `next-exit`, or `removed`; never, once `signal` aborts (the client went away).
   */
  wait(ref: string, condition: string, signal?: AbortSignal): Promise<number> {
    if (!['', 'not-running', 'next-exit', 'removed'].includes(condition))
      throw new BerthError('InvalidArgument', `invalid condition: "${condition}"`);
    const c = this.ctx.find(ref);
    const running = ['running', 'paused', 'restarting'].includes(c.state);
    if ((condition === '' || condition === 'not-running') && !running)
      return Promise.resolve(c.exitCode ?? 0);
    return new Promise((resolve) => {
      let code = c.exitCode ?? 0;
      const onExit = (id: string, exitCode: number): void => {
        if (id !== c.id) return;
        code = exitCode;
        if (condition === 'removed') return;
        // A restart policy that brings it back does not end a not-running wait in dockerd either.
        if (condition !== 'next-exit' && this.stateOf(c.id) === 'restarting') return;
        done();
      };
      const onRemoved = (id: string, exitCode: number): void => {
        if (id !== c.id) return;
        code = exitCode;
        done();
      };
      const stop = (): void => {
        this.ctx.changes.off('exit', onExit);
        this.ctx.changes.off('removed', onRemoved);
        signal?.removeEventListener('abort', stop);
      };
      const done = (): void => {
        stop();
        resolve(code);
      };
      this.ctx.changes.on('exit', onExit);
      this.ctx.changes.on('removed', onRemoved);
      signal?.addEventListener('abort', stop);
    });
  }

  /** A container's state now, undefined once it is gone. */
  private stateOf(id: string): ContainerState | undefined {
    try {
      return this.ctx.records.get(id).state;
    } catch {
      return undefined;
    }
  }

  /** GET /containers/{id}/top: `ps` of the host, keeping the rows of the container's processes. */
  async top(ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const c = this.ctx.find(ref);
    if (c.state !== 'running' && c.state !== 'paused')
      throw new BerthError('FailedPrecondition', `container ${c.id} is not running`);
    const pids = new Set(cgroupPids(await cgroupPathsOf(this.ctx, c)).map(String));
    const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
    let stdout: string;
    try {
      ({ stdout } = await run('ps', args, { maxBuffer: 16 * 1024 * 1024 }));
    } catch (err) {
      throw new BerthError('InvalidArgument', `Error running ps: ${(err as Error).message}`);
    }
    const lines = stdout.split('\n').filter((l) => l.trim());
    const titles = lines[0]!.trim().split(/\s+/);
    const pidCol = titles.indexOf('PID');
    if (pidCol < 0) throw new BerthError('InvalidArgument', `Couldn't find PID field in ps output`);
    const processes: string[][] = [];
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (!pids.has(fields[pidCol]!)) continue;
      // The last column (the command) keeps its spaces, as dockerd's parser does.
      processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
    }
    this.ctx.emit(c, 'top');
    return { Titles: titles, Processes: processes };
  }

  /** POST /containers/prune: removes every stopped container that passes the filters. */
  async prune(
    filters: Map<string, string[]>,
  ): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    for (const key of filters.keys())
      if (key !== 'until' && key !== 'label' && key !== 'label!')
        throw new BerthError('InvalidArgument', `invalid filter '${key}'`);
    const until = filters.get('until')?.[0];
    const untilMs = until
      ? /^\d+(\.\d+)?$/.test(until)
        ? Number(until) * 1000
        : Date.parse(until)
      : undefined;
    const deleted: string[] = [];
    for (const c of this.ctx.records.list()) {
      if (!['exited', 'created', 'dead'].includes(c.state) || this.ctx.data(c)?.creating) continue;
      if (untilMs !== undefined && c.createdAt.getTime() >= untilMs) continue;
      if (!labelsMatch(c.labels, filters.get('label') ?? [], filters.get('label!') ?? [])) continue;
      await this.remove(c.id, {}).then(
        () => deleted.push(c.id),
        () => undefined,
      );
    }
    this.ctx.events.publish('container', 'prune', '', { reclaimed: '0' });
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  /** POST /containers/{id}/resize. */
  async resize(ref: string, h: number, w: number): Promise<void> {
    const c = this.ctx.find(ref);
    if (c.state !== 'running' && c.state !== 'paused')
      throw new BerthError('FailedPrecondition', `Container ${c.id} is not running`);
    await this.ctx.shims.resize(this.ctx.data(c).shimKey, h, w);
  }

  /**
   * Attaches to a container's streams: at once when it runs, or — for a created one — once start has
   * made its shim and before its program runs, so that nothing it writes is missed (docker run).
   */
  async attach(
    ref: string,
    want: { stdin: boolean; stdout: boolean; stderr: boolean },
  ): Promise<{
    container: Container;
    connection: Promise<ShimConnection>;
  }> {
    const c = this.ctx.find(ref);
    check('attach', c.state, c.id);
    if (c.state === 'exited' || c.state === 'created' || c.state === 'restarting') {
      if (c.state === 'exited' && !want.stdin && !want.stdout && !want.stderr)
        throw new BerthError(
          'FailedPrecondition',
          'You cannot attach to a stopped container, start it first',
        );
      const connection = new Promise<ShimConnection>((resolve, reject) => {
        const hooks = this.ctx.attachHooks.get(c.id) ?? new Set();
        const hook = async (key: string): Promise<void> => {
          try {
            resolve(await this.ctx.shims.attach(key, want));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        };
        hooks.add(hook);
        this.ctx.attachHooks.set(c.id, hooks);
      });
      return { container: c, connection };
    }
    this.ctx.emit(c, 'attach');
    return { container: c, connection: this.ctx.shims.attach(this.ctx.data(c).shimKey, want) };
  }

  /** One stats sample of a container (stats.ts). */
  stats(ref: string): Promise<StatsSample> {
    return sampleStats(this.ctx, this.ctx.find(ref));
  }

  /** The API object of a sample and the one before it. */
  statsResponse(ref: string, now: StatsSample, previous: StatsSample | undefined): Record<string, unknown> {
    return statsResponse(this.ctx.find(ref), now, previous);
  }

  /** HEAD /containers/{id}/archive: the path's stat header. */
  archiveStat(ref: string, path: string): string {
    const c = this.ctx.find(ref);
    const { host, stat } = statPath(this.ctx, c, path);
    return pathStat(host, stat);
  }

  /** GET /containers/{id}/archive. */
  archive(ref: string, path: string): { stat: string; tar: Readable } {
    return archivePath(this.ctx, this.ctx.find(ref), path);
  }

  /** PUT /containers/{id}/archive. */
  extract(ref: string, path: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    return extractInto(this.ctx, this.ctx.find(ref), path, body);
  }

  /** GET /containers/{id}/export. */
  export(ref: string): Readable {
    return exportRootfs(this.ctx, this.ctx.find(ref));
  }

  /** Stops watching: timers and health loops (containers keep running). */
  close(): void {
    for (const t of this.ctx.restartTimers.values()) clearTimeout(t);
    for (const h of this.ctx.healthLoops.values()) h.stop();
  }
}

function labelsMatch(labels: Record<string, string>, want: string[], not: string[]): boolean {
  const has = (l: string): boolean => {
    const eq = l.indexOf('=');
    const key = eq < 0 ? l : l.slice(0, eq);
    return key in labels && (eq < 0 || labels[key] === l.slice(eq + 1));
  };
  return want.every(has) && !not.some(has);
}
