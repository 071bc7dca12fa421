// CRI containers: a record in namespace k8s.io (record.ts), a rootfs snapshot on the image's top layer,
// a bundle under <root>/containers/<id>/ whose spec joins the pod's namespaces (config-map.ts), and a
// shim that logs in CRI format to <log_directory>/<log_path>.
//
// State machine (api.proto ContainerState):  create ──> CREATED ──start──> RUNNING ──(exit)──> EXITED
// Stop is idempotent (an exited container stays exited), remove too (a removed one is no error). An exit
// is recorded when the shim reports it, also after a daemon restart (recover()).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError, wrap } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { resolveUserInRootfs } from '../../daemon/services/containers/user.js';
import type { ExitStatus, ShimManager, ShimRuntime } from '../../daemon/shim-client/index.js';
import type { ImageService } from '../../images/service/index.js';
import type { Container, Containers, Stores } from '../../metadata/index.js';
import { CRI_NAMESPACE } from '../../metadata/index.js';
import { mountAll, unmountAll } from '../../snapshots/index.js';
import type { CriContainerConfig, CriResources, PodSandboxConfig } from '../messages.js';
import type { PodService } from '../pods/pod-service.js';
import { imageRefOf } from '../images.js';
import type { HostConfig } from '../../../api/docker/container.js';
import { containerResources } from '../../daemon/services/containers/resources.js';
import { applyResources, hostLayout } from '../../runtime/index.js';
import { criContainerSpec, criResources } from './config-map.js';
import { criOf, nanosNow, type CriExtension } from './record.js';
import { cgroupPathsFor, forgetSample, readStats, usageOf } from './stats.js';
import { stopSignalOf } from './stop-signal.js';

/** A container lifecycle event (GetContainerEvents). */
export interface ContainerEvent {
  id: string;
  podId: string;
  type:
    | 'CONTAINER_CREATED_EVENT'
    | 'CONTAINER_STARTED_EVENT'
    | 'CONTAINER_STOPPED_EVENT'
    | 'CONTAINER_DELETED_EVENT';
  createdAt: string;
}

/** What the container service uses. */
export interface CriContainerServiceOptions {
  /** Bundles: <root>/cri/containers. */
  dir: string;
  stores: Stores;
  shims: ShimManager;
  images: ImageService;
  pods: PodService;
  runtimeFor(handler: string): ShimRuntime;
  log: Logger;
}

/** The CRI containers of one daemon; emits `event` (ContainerEvent). */
export class CriContainerService extends EventEmitter {
  readonly records: Containers;
  /** The shims of CRI containers (ReopenContainerLog, ExecSync). */
  readonly shims: ShimManager;

  constructor(private readonly o: CriContainerServiceOptions) {
    super();
    this.records = o.stores.containers(CRI_NAMESPACE);
    this.shims = o.shims;
  }

  /** CreateContainer: a CREATED container in the pod, or an error and nothing left behind. */
  async create(
    podId: string,
    config: CriContainerConfig,
    podConfig: PodSandboxConfig | null,
  ): Promise<string> {
    const md = config.metadata;
    if (!md?.name) throw new BerthError('InvalidArgument', 'config.metadata.name: must not be empty');
    const pod = await this.o.pods.get(podId);
    if (pod.state !== 'ready' || !pod.pid)
      throw new BerthError('FailedPrecondition', `pod sandbox "${podId}": it is not ready`);
    const what = `create container "${md.name}" in pod sandbox "${pod.name}"`;
    const ref = imageRefOf(config.image, 'config.image.image');
    const image = await this.o.images.resolve(ref).catch((err: unknown) => {
      throw wrap(err, `${what}: config.image.image "${ref}"`);
    });
    // 32 hex, not 64: an exec's console socket, <state>/cri/shims/<id>/exec/<exec id>/console.sock, must
    // fit a unix socket address (108 bytes, unix(7)).
    const id = randomBytes(16).toString('hex');
    const name = `${md.name}_${pod.name}_${pod.podNamespace}_${pod.podUid}_${md.attempt ?? 0}`;
    if (this.records.list({ sandboxId: podId }).some((c) => c.name === name))
      throw new BerthError('AlreadyExists', `${what}: attempt ${md.attempt ?? 0} already exists`);
    const dir = join(this.o.dir, id);
    const rootfs = join(dir, 'rootfs');
    let stopSignal: number;
    try {
      stopSignal = stopSignalOf(config.stop_signal, image.config.config?.StopSignal);
    } catch (err) {
      throw wrap(err, what);
    }
    const snapshotKey = `cri-container-${id}`;
    const sn = this.o.stores.snapshotter(CRI_NAMESPACE, this.o.images.snapshotter);
    let prepared = false;
    let mounted = false;
    let shim = false;
    try {
      mkdirSync(rootfs, { recursive: true, mode: 0o755 });
      const mounts = await this.o.images.prepareRootfs(snapshotKey, image);
      prepared = true;
      mountAll(mounts, rootfs);
      mounted = true;
      const podCfg = (podConfig ?? pod.config) as PodSandboxConfig;
      const podDir = this.o.pods.podDir(podId);
      const spec = criContainerSpec({
        id,
        config,
        pod: {
          holderPid: pod.pid,
          network: podCfg.linux?.security_context?.namespace_options?.network ?? 'POD',
          hostname: podCfg.hostname || pod.name,
          etcFiles: {
            hostname: join(podDir, 'hostname'),
            hosts: join(podDir, 'hosts'),
            resolvConf: join(podDir, 'resolv.conf'),
          },
          cgroupParent: podCfg.linux?.cgroup_parent || '/k8s.io',
        },
        image: image.config.config ?? {},
        rootfs,
        resolveUser: (spec, groups) => resolveUserInRootfs(rootfs, spec, groups),
        targetPid: (target) => this.running(target).pid!,
      });
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
      const logPath =
        podCfg.log_directory && config.log_path ? join(podCfg.log_directory, config.log_path) : undefined;
      if (logPath) mkdirSync(dirname(logPath), { recursive: true, mode: 0o755 });
      shim = true;
      await this.o.shims.create({
        id,
        bundle: dir,
        runtime: this.o.runtimeFor(pod.runtimeHandler),
        stdin: config.stdin === true,
        stdinOnce: config.stdin_once === true,
        ...(logPath ? { log: { path: logPath, format: 'cri' as const } } : {}),
      });
      const ext: CriExtension = {
        name: md.name,
        attempt: md.attempt ?? 0,
        imageRef: ref,
        imageId: image.id,
        annotations: config.annotations ?? {},
        createdNs: nanosNow(),
        snapshotKey,
        rootfs,
        runtimeHandler: pod.runtimeHandler,
        stopSignal,
        user: {
          uid: spec.process?.user.uid ?? 0,
          gid: spec.process?.user.gid ?? 0,
          additionalGids: spec.process?.user.additionalGids ?? [],
        },
      };
      this.records.create({
        id,
        name,
        image: ref,
        imageDigest: image.target.digest,
        runtime: { name: pod.runtimeHandler || 'berth', options: {} },
        snapshotter: this.o.images.snapshotter,
        snapshotKey,
        sandboxId: podId,
        config: config as Record<string, unknown>,
        state: 'created',
        restartCount: md.attempt ?? 0,
        ...(logPath ? { logPath } : {}),
        labels: config.labels ?? {},
        extensions: { cri: ext },
      });
      this.event(id, podId, 'CONTAINER_CREATED_EVENT');
      return id;
    } catch (err) {
      if (shim) await this.o.shims.delete(id, { force: true }).catch(() => undefined);
      if (mounted) unmountAll(rootfs);
      if (prepared) await sn.remove(snapshotKey).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw wrap(err, what);
    }
  }

  /** StartContainer: CREATED → RUNNING; its exit is recorded when it comes. */
  async start(id: string): Promise<void> {
    const c = this.records.get(id);
    if (c.state !== 'created')
      throw new BerthError('FailedPrecondition', `start container "${id}": it is ${c.state}, not created`);
    // Taken before the release: a program that exits at once must not seem to finish before it started.
    const startedNs = nanosNow();
    try {
      await this.o.shims.start(id);
    } catch (err) {
      const ext = {
        ...criOf(c),
        reason: 'StartError',
        message: (err as Error).message,
        finishedNs: nanosNow(),
      };
      this.records.update(id, {
        state: 'exited',
        exitCode: 128,
        error: ext.message,
        extensions: { cri: ext },
      });
      throw wrap(err, `start container "${id}"`);
    }
    const st = await this.o.shims.state(id);
    const ext = { ...criOf(c), startedNs };
    this.records.update(id, {
      state: 'running',
      pid: st.record.pid,
      startedAt: new Date(),
      extensions: { cri: ext },
    });
    this.event(id, c.sandboxId ?? '', 'CONTAINER_STARTED_EVENT');
    this.watch(id);
  }

  /** StopContainer: its stop signal (stop-signal.ts), SIGKILL after `timeoutSec`; idempotent. */
  async stop(id: string, timeoutSec: number): Promise<void> {
    const c = this.find(id);
    if (!c) throw new BerthError('NotFound', `container "${id}": not found`);
    if (c.state === 'exited') return;
    const st = await this.o.shims.state(id).catch(() => undefined);
    if (st?.status === 'running' || st?.status === 'created') {
      const exit = await this.o.shims.stop(id, Math.max(0, timeoutSec) * 1000, criOf(c).stopSignal);
      this.recordExit(id, exit);
    } else if (st?.exit) this.recordExit(id, st.exit);
    else this.recordExit(id, undefined);
  }

  /** RemoveContainer: killed if it runs, then everything of it removed; a missing one is no error. */
  async remove(id: string): Promise<void> {
    const c = this.find(id);
    if (!c) return;
    await this.o.shims.delete(id, { force: true }).catch((err: unknown) => {
      if (!(err instanceof BerthError) || err.code !== 'NotFound') throw err;
    });
    const ext = criOf(c);
    unmountAll(ext.rootfs);
    await this.o.stores
      .snapshotter(CRI_NAMESPACE, this.o.images.snapshotter)
      .remove(ext.snapshotKey)
      .catch((err: unknown) => {
        if (!(err instanceof BerthError) || err.code !== 'NotFound') throw err;
      });
    rmSync(join(this.o.dir, id), { recursive: true, force: true });
    this.records.delete(id);
    forgetSample(id);
    this.event(id, c.sandboxId ?? '', 'CONTAINER_DELETED_EVENT');
  }

  /** The record of `id` (NotFound names it). */
  get(id: string): Container {
    const c = this.find(id);
    if (!c) throw new BerthError('NotFound', `container "${id}": not found`);
    return c;
  }

  /** CRI's ContainerStats of one container: cgroup usage while its cgroups exist, the writable layer. */
  async stats(c: Container): Promise<Record<string, unknown>> {
    const ext = criOf(c);
    const st = await this.o.shims.state(c.id).catch(() => undefined);
    let usage: ReturnType<typeof usageOf> | undefined;
    if (st && st.status !== 'exited' && st.status !== 'lost') {
      const raw = readStats(cgroupPathsFor(c.id, this.bundleOf(c.id), st.record.cgroupPaths));
      if (raw) usage = usageOf(c.id, raw);
    }
    const layer = await this.o.stores
      .snapshotter(CRI_NAMESPACE, this.o.images.snapshotter)
      .usage(ext.snapshotKey)
      .catch(() => undefined);
    return {
      attributes: {
        id: c.id,
        metadata: { name: ext.name, attempt: ext.attempt },
        labels: c.labels,
        annotations: ext.annotations,
      },
      cpu: usage?.cpu ?? null,
      memory: usage?.memory ?? null,
      writable_layer: layer
        ? {
            timestamp: nanosNow(),
            fs_id: { mountpoint: join(this.o.stores.root, 'snapshots') },
            used_bytes: { value: String(layer.size) },
            inodes_used: { value: String(layer.inodes) },
          }
        : null,
    };
  }

  /** UpdateContainerResources: new cgroup limits for a created or running container, kept in its record. */
  async updateResources(id: string, r: CriResources): Promise<void> {
    const c = this.get(id);
    if (c.state !== 'running' && c.state !== 'created')
      throw new BerthError('FailedPrecondition', `update container "${id}": it is ${c.state}`);
    const resources = containerResources(criResources(r) as HostConfig);
    const st = await this.o.shims.state(id);
    applyResources(cgroupPathsFor(id, this.bundleOf(id), st.record.cgroupPaths), resources, hostLayout(), {
      devices: false,
    });
    const config = c.config as CriContainerConfig;
    this.records.update(id, {
      config: { ...config, linux: { ...config.linux, resources: { ...config.linux?.resources, ...r } } },
    });
  }

  /** The bundle directory of container `id`. */
  bundleOf(id: string): string {
    return join(this.o.dir, id);
  }

  /** Every CRI container, or those of one pod. */
  list(podId?: string): Container[] {
    return this.records.list(podId ? { sandboxId: podId } : {});
  }

  /** Stops every container of a pod (StopPodSandbox), at once. */
  async stopPod(podId: string): Promise<void> {
    await Promise.all(this.list(podId).map((c) => this.stop(c.id, 0)));
  }

  /** Removes every container of a pod (RemovePodSandbox). */
  async removePod(podId: string): Promise<void> {
    for (const c of this.list(podId)) await this.remove(c.id);
  }

  /** A running container (ExecSync, TARGET namespaces); FailedPrecondition otherwise. */
  running(id: string): Container {
    const c = this.get(id);
    if (c.state !== 'running' || !c.pid)
      throw new BerthError('FailedPrecondition', `container "${id}": it is ${c.state}, not running`);
    return c;
  }

  /** RemoveImage's check: an image a container uses stays. */
  async refuseImageInUse(imageId: string): Promise<void> {
    const user = this.list().find((c) => criOf(c).imageId === imageId);
    if (user)
      throw new BerthError('FailedPrecondition', `image "${imageId}": container "${user.id}" uses it`);
  }

  /** After a daemon restart: records brought up to date with the shims, running ones watched again. */
  async recover(): Promise<number> {
    let running = 0;
    for (const c of this.list()) {
      if (c.state !== 'running') continue;
      const st = await this.o.shims.state(c.id).catch(() => undefined);
      if (st?.status === 'running') {
        running++;
        this.watch(c.id);
      } else this.recordExit(c.id, st?.exit);
    }
    return running;
  }

  private find(id: string): Container | undefined {
    try {
      return this.records.get(id);
    } catch (err) {
      if (err instanceof BerthError && err.code === 'NotFound') return undefined;
      throw err;
    }
  }

  private watch(id: string): void {
    this.o.shims.wait(id).then(
      (exit) => this.recordExit(id, exit),
      (err: unknown) => this.o.log.warn('cri container wait failed', { id, error: (err as Error).message }),
    );
  }

  /** Records an exit once: OOMKilled, Completed (0) or Error; a lost shim is Error with a message. */
  private recordExit(id: string, exit: ExitStatus | undefined): void {
    const c = this.find(id);
    if (!c || c.state === 'exited') return;
    const reason = !exit
      ? 'Error'
      : exit.oomKilled
        ? 'OOMKilled'
        : exit.exitCode === 0
          ? 'Completed'
          : 'Error';
    const prev = criOf(c);
    // The exit file's time has millisecond precision: never before the start we recorded in nanoseconds.
    const exitedNs = exit ? BigInt(Date.parse(exit.exitedAt)) * 1_000_000n : BigInt(nanosNow());
    const startedNs = BigInt(prev.startedNs ?? '0');
    const ext: CriExtension = {
      ...prev,
      reason,
      ...(exit ? {} : { message: "the container's shim is gone without an exit record" }),
      finishedNs: (exitedNs > startedNs ? exitedNs : startedNs).toString(),
    };
    this.records.update(id, {
      state: 'exited',
      exitCode: exit?.exitCode ?? 255,
      oomKilled: exit?.oomKilled ?? false,
      finishedAt: new Date(),
      extensions: { cri: ext },
    });
    this.event(id, c.sandboxId ?? '', 'CONTAINER_STOPPED_EVENT');
  }

  private event(id: string, podId: string, type: ContainerEvent['type']): void {
    const e: ContainerEvent = { id, podId, type, createdAt: nanosNow() };
    this.emit('event', e);
  }
}
